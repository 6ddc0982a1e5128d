import type { Config } from '@jest/types'
import { type DrainEvent, displayEntry } from '@shardless/queue-core'
import type { Test } from 'jest-runner'
import type { Ran } from './execute.js'
import type { Emit } from './run.js'

/**
 * Hands each file's result to Jest's reporters once the queue has answered its ack, so that
 * - a failure the queue sends to another machine for a retry is not counted here (that machine reports the final
 *   attempt, and this machine's exit code must not fail the build for a file that may pass there);
 * - with --bail, the build-wide cancel flag is set and the file acked before the result that makes Jest exit
 *   mid-run reaches the scheduler.
 */
export class Results {
  readonly #held = new Map<number, { test: Test; ran: Ran }>()
  #chain: Promise<void> = Promise.resolve()
  #error: unknown = null
  #failures = 0

  constructor(
    private readonly options: {
      emit: Emit
      globalConfig: Config.GlobalConfig
      cancel: (reason: string) => Promise<unknown>
      /** Hands this machine's other in-flight files back: Jest exits mid-run once it sees a --bail failure. */
      handBack: () => Promise<unknown>
      log: (line: string) => void
    },
  ) {}

  /** Keeps a file's result until drain reports what the queue did with it (keyed by lease id). */
  hold(lease: number, test: Test, ran: Ran): void {
    this.#held.set(lease, { test, ran })
  }

  /** drain's `finish` event: the queue's answer to the ack or requeue of a held result. */
  onFinish(event: Extract<DrainEvent, { type: 'finish' }>): void {
    const held = this.#held.get(event.lease.lease)
    if (!held) return
    this.#held.delete(event.lease.lease)
    const { test, ran } = held
    if (event.reply === 'requeued') {
      const message = ran.result?.failureMessage ?? ran.error?.message ?? ''
      this.options.log(
        `shardless: ${displayEntry(event.lease.entry)} failed here (attempt ${event.lease.attempt}); another machine retries it and reports the result.\n${message}`,
      )
      return
    }
    this.#chain = this.#chain.then(async () => {
      try {
        const { bail } = this.options.globalConfig
        if (event.outcome === 'failed' && bail > 0 && ++this.#failures >= bail) {
          await this.options.cancel(`--bail=${bail} reached`)
          await this.options.handBack()
        }
        if (ran.error) await this.options.emit('test-file-failure', [test, ran.error])
        else await this.options.emit('test-file-success', [test, ran.result])
      } catch (error) {
        this.#error ??= error
      }
    })
  }

  /** Waits until every result is with Jest; rethrows a reporter's error. */
  async settled(): Promise<void> {
    await this.#chain
    if (this.#error) throw this.#error
  }
}
