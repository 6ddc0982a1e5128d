import { EventEmitter } from 'node:events'
import type { PoolOptions, PoolWorker } from 'vitest/node'
import { sameEnvironment } from './environment.js'
import { type FileEnd, InnerWorker, type WorkerClass } from './inner.js'
import {
  type Environment,
  isRequest,
  type RunFile,
  response,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol.js'

/** What a slot needs from the machine that feeds it. */
export interface SlotHost {
  /** A `run` request arrived: the Pool lent this slot until `finish()`. */
  offer(slot: Slot): void
  reportError(error: unknown, type: string): void
}

/**
 * The PoolWorker Vitest's Pool sees for one task. It answers `start` at once (no process yet), parks on `run`
 * until the machine has drained the queue, meanwhile running whatever files the machine gives it in real Vitest
 * workers (a fresh one per file when the project isolates), and only then answers `testfileFinished`: the Pool
 * sees one long task per busy slot, and its spare tasks find the queue empty and end at once.
 */
export class Slot implements PoolWorker {
  readonly name: string
  private readonly events = new EventEmitter()
  private startRequest: WorkerRequest | null = null
  private runRequest: WorkerRequest | null = null
  private inner: InnerWorker | null = null

  constructor(
    private readonly options: PoolOptions,
    private readonly Worker: WorkerClass,
    private readonly host: SlotHost,
    name: string,
    /** Fresh worker per file (forks/threads with `isolate`); vm pools isolate inside one worker. */
    private readonly isolate: boolean,
  ) {
    this.name = name
  }

  get project() {
    return this.options.project
  }

  on(event: string, callback: (arg: unknown) => void) {
    this.events.on(event, callback)
  }

  off(event: string, callback: (arg: unknown) => void) {
    this.events.off(event, callback)
  }

  deserialize(data: unknown) {
    return data
  }

  async start() {}

  async stop() {
    await this.closeInner()
  }

  send(message: unknown) {
    if (!isRequest(message)) {
      this.inner?.send(message)
      return
    }
    switch (message.type) {
      case 'start':
        this.startRequest = message
        return this.reply(response('started'))
      case 'run':
        this.runRequest = message
        return this.host.offer(this)
      case 'collect':
        // `vitest list`: no queue, just the real worker.
        return void this.collect(message)
      case 'stop':
        return void this.closeInner().then(() => this.reply(response('stopped')))
      case 'cancel':
        return this.inner?.send(message)
    }
  }

  /** The machine has no more files for this slot: the Pool's task ends. */
  finish() {
    this.runRequest = null
    this.reply(response('testfileFinished'))
  }

  /** Runs one file in a real worker. `stop` kills it (machine stopping, watchdog). */
  async runFile(file: RunFile, environment: Environment, stop: AbortSignal): Promise<FileEnd> {
    if (!this.runRequest || !this.startRequest)
      throw new Error('shardless: a slot ran a file outside a Pool task')
    if (
      this.inner &&
      (this.isolate || this.inner.dead || !sameEnvironment(this.inner.environment, environment))
    ) {
      await this.closeInner()
    }
    this.inner ??= await this.startInner(environment)
    // Stopped while the worker was starting: an abort listener added now would never fire.
    if (stop.aborted) return { kind: 'killed' }
    const inner = this.inner
    const kill = () => void inner.kill()
    stop.addEventListener('abort', kill, { once: true })
    try {
      const context = { ...this.runRequest.context, files: [file], environment }
      const end = await inner.run({ ...this.runRequest, context } as WorkerRequest)
      if (end.kind !== 'finished') {
        this.inner = null
        await inner.kill()
      }
      return end
    } finally {
      stop.removeEventListener('abort', kill)
    }
  }

  /** A real worker started like the Pool would, with the file's environment; its RPC goes through this slot. */
  private startInner(environment: Environment) {
    if (!this.startRequest) throw new Error('shardless: a slot started a worker before its start request')
    return InnerWorker.start(this.Worker, this.options, this.startRequest, environment, (raw) =>
      this.events.emit('message', raw),
    )
  }

  private async closeInner() {
    const inner = this.inner
    this.inner = null
    const error = await inner?.stop()
    if (error) this.host.reportError(error, 'Teardown Error')
  }

  private async collect(message: WorkerRequest) {
    const environment = message.context!.environment
    let reply: WorkerResponse
    try {
      // As `this.inner`, so the RPC replies of the main process reach it.
      this.inner = await this.startInner(environment)
      const end = await this.inner.run(message)
      await this.closeInner()
      const error =
        end.kind === 'finished' ? end.error : new Error(end.kind === 'crashed' ? end.reason : 'stopped')
      reply = response('testfileFinished', error)
    } catch (error) {
      reply = response('testfileFinished', error)
    }
    this.reply(reply)
  }

  private reply(message: WorkerResponse) {
    // The PoolRunner attaches its listeners after send() returns.
    setImmediate(() => this.events.emit('message', message))
  }
}
