import { setTimeout as delay } from 'node:timers/promises'
import type { PoolOptions, PoolWorker } from 'vitest/node'
import { type Environment, isResponse, type WorkerRequest, type WorkerResponse } from './protocol.js'

const STOP_TIMEOUT_MS = 10_000

export type WorkerClass = new (options: PoolOptions) => PoolWorker

/** How one file's run in a real worker ended. */
export type FileEnd =
  | { kind: 'finished'; error?: unknown }
  /** The worker died (exit, uncaught error) while running the file. */
  | { kind: 'crashed'; reason: string }
  /** We stopped it: the machine is stopping or the watchdog fired. */
  | { kind: 'killed' }

/** Replies from a worker process to wait for; the worker answers one request at a time. */
type Waiter = { type: WorkerResponse['type']; resolve: (response: WorkerResponse | null) => void }

/**
 * One of Vitest's own workers (ForksPoolWorker, ThreadsPoolWorker, vm variants) driven by a queue slot: started
 * with the slot's `start` message and the file's environment, given one file per `run`, stopped or killed by the
 * slot. Its RPC traffic is forwarded to the slot's PoolRunner, so reporters, snapshots and coverage see a normal
 * worker. A death is reported as the end of the running file, never as the slot's, so it is attributed to the
 * right file (Vitest itself would name the slot's first file).
 */
export class InnerWorker {
  private waiter: Waiter | null = null
  private killing = false
  private exited = false
  dead: string | null = null

  private constructor(
    private readonly worker: PoolWorker,
    readonly environment: Environment,
    private readonly forward: (raw: unknown) => void,
  ) {}

  static async start(
    Worker: WorkerClass,
    options: PoolOptions,
    start: WorkerRequest,
    environment: Environment,
    forward: (raw: unknown) => void,
  ): Promise<InnerWorker> {
    const worker = new Worker({ ...options, environment } as PoolOptions)
    await worker.start()
    const inner = new InnerWorker(worker, environment, forward)
    worker.on('message', inner.onMessage)
    worker.on('error', inner.onError)
    worker.on('exit', inner.onExit)
    const context = { ...(start.context as object), environment }
    const started = await inner.request({ ...start, context } as WorkerRequest, 'started')
    if (started === null || started.error) {
      await inner.kill()
      const reason = started?.error ?? inner.dead
      throw reason instanceof Error
        ? reason
        : new Error(`shardless: a Vitest worker failed to start: ${reason}`)
    }
    return inner
  }

  /** Sends one request and waits for its reply; null when the worker died first. */
  request(message: WorkerRequest, type: WorkerResponse['type']): Promise<WorkerResponse | null> {
    if (this.dead) return Promise.resolve(null)
    return new Promise((resolve) => {
      this.waiter = { type, resolve }
      this.worker.send(message as never)
    })
  }

  async run(message: WorkerRequest): Promise<FileEnd> {
    const finished = await this.request(message, 'testfileFinished')
    if (finished) return { kind: 'finished', error: finished.error }
    return this.killing ? { kind: 'killed' } : { kind: 'crashed', reason: this.dead ?? 'unknown' }
  }

  /** RPC replies from the main process. */
  send(message: unknown): void {
    if (!this.dead) this.worker.send(message as never)
  }

  /** Graceful stop: the worker runs its teardown; its error (if any) is returned for Vitest to report. */
  async stop(): Promise<unknown> {
    if (this.dead) {
      await this.kill()
      return undefined
    }
    const stopped = await Promise.race([
      this.request({ __vitest_worker_request__: true, type: 'stop' } as WorkerRequest, 'stopped'),
      // A teardown that never answers must not hold the slot: as long as Vitest's default teardownTimeout.
      delay(STOP_TIMEOUT_MS, null, { ref: false }),
    ])
    await this.kill()
    return stopped?.error
  }

  /** Ends the worker now (a hung or abandoned file): SIGTERM, then SIGKILL after 500 ms for forks. */
  async kill(): Promise<void> {
    if (this.killing) return
    this.killing = true
    this.die('stopped by shardless')
    // Listeners go first: the worker object forgets its process once stopped.
    this.worker.off('exit', this.onExit)
    this.worker.off('message', this.onMessage)
    this.worker.off('error', this.onError)
    // Vitest's ForksPoolWorker.stop() waits for an 'exit' event that a process killed by a signal already emitted.
    if (!this.exited) await this.worker.stop().catch(() => {})
  }

  private die(reason: string) {
    if (this.dead) return
    this.dead = reason
    const waiter = this.waiter
    this.waiter = null
    waiter?.resolve(null)
  }

  private readonly onMessage = (raw: unknown) => {
    const message = this.worker.deserialize(raw)
    if (isResponse(message)) {
      if (this.waiter?.type === message.type) {
        const waiter = this.waiter
        this.waiter = null
        waiter.resolve(message)
      }
      return
    }
    this.forward(raw)
  }

  private readonly onExit = (code: number | null, signal?: NodeJS.Signals | null) => {
    this.exited = true
    this.die(`the worker exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`)
  }

  private readonly onError = (error: unknown) =>
    this.die(`the worker failed: ${error instanceof Error ? error.message : String(error)}`)
}
