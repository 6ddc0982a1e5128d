import { readFileSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { relative } from 'node:path'
import {
  displayEntry,
  drain,
  ExitCode,
  encodePayload,
  entryId,
  type FilePayload,
  machineLine,
  openSession,
  type ResolvedConfig,
  type RunContext,
  type RunResult,
  type Session,
  ShardlessError,
} from '@shardless/queue-core'
import type { Reporter, TestProject, TestSpecification, Vitest } from 'vitest/node'
import { fileSetup } from './environment.js'
import { errorMessage, errorText, fatal, forceExitCode } from './exit.js'
import type { FileEnd, WorkerClass } from './inner.js'
import { type FileFault, filePayload } from './payload.js'
import { isQueuePool } from './pool.js'
import type { RunFile } from './protocol.js'
import { holdSignals } from './signals.js'
import type { Slot, SlotHost } from './slot.js'
import { SlotPool } from './slots.js'
import { runTypecheck, TYPECHECK_COLD_MS, TYPECHECK_ENTRY } from './typecheck.js'

export interface MachineOptions {
  /** A file running longer than this many times its expected duration is stopped (0: never). */
  fileTimeoutFactor: number
  /** ...but never before this many milliseconds. */
  fileTimeoutMinMs: number
}

interface EntryRun {
  payload: FilePayload
  /** Whether another machine may retry a failure (a crashed worker), or it would only repeat there. */
  requeue: boolean
}

/**
 * One machine's part of a build inside one `vitest run`: joins the build when Vitest announces its test files,
 * drains the queue through the slots the Pool lends it, acks each file with its results, and prints one line.
 */
export class Machine implements SlotHost {
  private readonly slots = new SlotPool()
  private readonly specs = new Map<string, TestSpecification>()
  /** Type tests per project entry: run by the one machine that leases the entry. */
  private readonly typechecks = new Map<string, TestSpecification[]>()
  private readonly weights = new Map<string, number>()
  /** Aborted at the end of Vitest's run: files still waiting for a slot go back to the queue. */
  private readonly ending = new AbortController()
  /** Vitest cancelled its run (`--bail`, the UI, the API): this machine stops and hands its leases back. */
  private readonly cancelled = new AbortController()
  private running: Promise<void> | null = null
  private line: string | null = null
  private slotsOffered = false

  constructor(
    readonly vitest: Vitest,
    readonly config: ResolvedConfig,
    private readonly options: MachineOptions,
    private readonly TypecheckWorker: WorkerClass,
  ) {}

  /** The reporter Vitest awaits before its Pool starts (populate) and after its run (the machine line). */
  reporter(): Reporter {
    return {
      onTestRunStart: (specs) => this.begin(specs),
      onTestRunEnd: () => this.end(),
    }
  }

  offer(slot: Slot) {
    // Subscribed once the Pool runs: Vitest drops the cancel listeners between onTestRunStart and its Pool.
    if (!this.slotsOffered) {
      this.slotsOffered = true
      this.vitest.onCancel((reason) =>
        this.cancelled.abort(new Error(`shardless: Vitest cancelled the run (${reason})`)),
      )
    }
    this.slots.offer(slot)
  }

  reportError(error: unknown, type: string) {
    this.vitest.state.catchError(error as Error, type)
  }

  private log(line: string) {
    this.vitest.logger.log(line)
  }

  private async begin(specs: ReadonlyArray<TestSpecification>) {
    if (this.running) return
    const root = this.vitest.config.root
    for (const spec of specs) {
      if (isQueuePool(spec.pool)) {
        this.specs.set(entryId(spec.project.name, relative(root, spec.moduleId)), spec)
      } else if (spec.pool === 'typescript') {
        const id = entryId(spec.project.name, TYPECHECK_ENTRY)
        this.typechecks.set(id, [...(this.typechecks.get(id) ?? []), spec])
      }
      // Browser specs run outside the queue, on every machine.
    }
    if (this.specs.size + this.typechecks.size === 0) {
      this.slots.close()
      return
    }
    const files = [
      ...[...this.specs].map(([id, spec]) => ({ id, bytes: statSync(spec.moduleId).size })),
      ...[...this.typechecks.keys()].map((id) => ({ id, bytes: 0, coldMs: TYPECHECK_COLD_MS })),
    ]
    let session: Session
    try {
      session = await openSession({ config: this.config, files, log: (line) => this.log(line) })
    } catch (error) {
      fatal(error)
    }
    this.running = (session.mode === 'queue' ? this.drainQueue(session) : this.runShare(session)).finally(
      () => this.slots.close(),
    )
  }

  private async end() {
    this.ending.abort(new Error('shardless: Vitest ended its run'))
    await this.running
    if (this.line) this.log(this.line)
  }

  private async drainQueue(session: Extract<Session, { mode: 'queue' }>) {
    const { store } = session
    for (const entry of await store.entries()) this.weights.set(entry.id, entry.weight)
    const signals = holdSignals()
    const stop = AbortSignal.any([signals.signal, this.ending.signal, this.cancelled.signal])
    try {
      const summary = await drain({
        store,
        worker: this.config.machine,
        concurrency: this.concurrency(),
        leaseMs: this.config.leaseMs,
        heartbeatMs: this.config.heartbeatMs,
        signal: stop,
        run: (context) => this.runLeased(context, stop),
        info: { framework: 'vitest', version: this.vitest.version },
      })
      const progress = await store.progress(this.config.leaseMs).catch(() => null)
      this.line = machineLine(this.config.machine, summary, progress)
      if (summary.cancelled) forceExitCode(ExitCode.maxFailures)
    } catch (error) {
      this.line = errorMessage(error)
      forceExitCode(error instanceof ShardlessError ? error.exitCode : 1)
    } finally {
      await session.close().catch(() => {})
      if (signals.signal.aborted && this.line) {
        // Vitest exits as soon as it sees the signal: print now, it will not reach its own summary.
        this.log(this.line)
        this.line = null
      }
      signals.release()
    }
  }

  /** Fallback (Redis unreachable): this machine's static share, no acks; what it ran is noted once Redis is back. */
  private async runShare(session: Extract<Session, { mode: 'fallback' }>) {
    const pending = [...session.entries]
    const stop = AbortSignal.any([this.ending.signal, this.cancelled.signal])
    let busyMs = 0
    let failed = 0
    const worker = async () => {
      for (let id = pending.shift(); id !== undefined && !stop.aborted; id = pending.shift()) {
        // A file still waiting for a slot when the run ends or is cancelled is simply not run.
        const run = await this.runEntry(id, stop).catch((error: unknown) => {
          if (stop.aborted) return null
          throw error
        })
        busyMs += run?.payload.durationMs ?? 0
        if (run?.payload.outcome === 'failed') failed++
      }
    }
    await Promise.all(Array.from({ length: this.concurrency() }, worker))
    await session.record({ files: session.entries.length, failed })
    this.line = `shardless: ${this.config.machine} ran its static share of ${session.entries.length} files in ${(busyMs / 1000).toFixed(1)} s busy (fallback: Redis unreachable)`
  }

  private async runLeased(context: RunContext, stop: AbortSignal): Promise<RunResult> {
    const { payload, requeue } = await this.runEntry(context.entry, stop)
    return {
      outcome: payload.outcome,
      durationMs: payload.durationMs,
      payload: encodePayload(payload),
      requeue,
    }
  }

  private runEntry(id: string, stop: AbortSignal): Promise<EntryRun> {
    const spec = this.specs.get(id)
    if (spec) return this.runFile(id, spec, stop)
    const typecheck = this.typechecks.get(id)
    if (typecheck) return this.runTypecheck(typecheck)
    throw new ShardlessError(
      'SHARDLESS_UNKNOWN_ENTRY',
      `shardless: the queue handed ${displayEntry(id)} to ${this.config.machine}, which has no such test file; it goes back to the queue.`,
    )
  }

  /** Runs one file in a slot of its project, under the watchdog. */
  private async runFile(id: string, spec: TestSpecification, stop: AbortSignal): Promise<EntryRun> {
    const file = relative(this.vitest.config.root, spec.moduleId).replaceAll('\\', '/')
    const slot = await this.slots.acquire(spec.project, stop)
    const watchdog = new AbortController()
    const limit = this.timeoutMs(id)
    const timer = limit ? setTimeout(() => watchdog.abort(), limit) : null
    const started = performance.now()
    let end: FileEnd
    try {
      const { environment, tags } = fileSetup(
        readFileSync(spec.moduleId, 'utf8'),
        spec.project.config.environment,
      )
      const runFile: RunFile = {
        filepath: spec.moduleId,
        fileTags: tags,
        testLocations: spec.testLines,
        testNamePattern: spec.testNamePattern,
        testIds: spec.testIds,
        testTagsFilter: spec.testTagsFilter,
      }
      end = await slot.runFile(runFile, environment, AbortSignal.any([stop, watchdog.signal])).catch(
        (error: unknown): FileEnd => ({
          kind: 'crashed',
          reason: `the worker failed to start (${errorText(error)})`,
        }),
      )
    } finally {
      if (timer) clearTimeout(timer)
      this.slots.offer(slot)
    }
    const durationMs = Math.round(performance.now() - started)
    const fault = this.fault(end, file, durationMs, watchdog.signal.aborted)
    if (fault && !stop.aborted) {
      this.reportError(
        Object.assign(new Error(fault.message), { stack: fault.stack ?? '' }),
        'Shardless Error',
      )
    }
    const payload = filePayload({
      version: this.vitest.version,
      project: spec.project.name,
      file,
      durationMs,
      modules: [{ module: spec.testModule }],
      ...(fault ? { fault } : {}),
    })
    // A worker that crashed or would not start may be this machine's fault: another machine retries the file
    // (within the budgets). A test failure or a hang would only repeat there.
    return { payload, requeue: end.kind === 'crashed' }
  }

  private async runTypecheck(specs: TestSpecification[]): Promise<EntryRun> {
    const started = performance.now()
    const end = await runTypecheck(this.TypecheckWorker, specs[0]!.project, specs)
    if (end.kind === 'finished' && end.error) this.reportError(end.error, 'Typecheck Error')
    const root = this.vitest.config.root
    const payload = filePayload({
      version: this.vitest.version,
      project: specs[0]!.project.name,
      file: TYPECHECK_ENTRY,
      durationMs: Math.round(performance.now() - started),
      modules: specs.map((spec) => ({
        module: spec.testModule,
        file: relative(root, spec.moduleId).replaceAll('\\', '/'),
      })),
    })
    return { payload, requeue: false }
  }

  private fault(end: FileEnd, file: string, durationMs: number, timedOut: boolean): FileFault | undefined {
    if (end.kind === 'crashed') {
      return { message: `shardless: ${end.reason} while running ${file}; the file goes back to the queue.` }
    }
    if (timedOut) {
      return {
        message: `shardless: ${file} was stopped by the watchdog after ${(durationMs / 1000).toFixed(1)} s (fileTimeoutFactor × its expected duration, at least fileTimeoutMinMs).`,
      }
    }
    if (end.kind === 'finished' && end.error) this.reportError(end.error, 'Test Run Error')
    return undefined
  }

  private timeoutMs(id: string): number {
    const { fileTimeoutFactor, fileTimeoutMinMs } = this.options
    if (!fileTimeoutFactor) return 0
    return Math.max(fileTimeoutMinMs, fileTimeoutFactor * (this.weights.get(id) ?? 0))
  }

  /** As many files in flight as Vitest's Pool has slots (its `maxWorkers`, by the same rules). */
  private concurrency(): number {
    const projects = new Set<TestProject>([...this.specs.values()].map((spec) => spec.project))
    const fallback = this.vitest.config.maxWorkers || Math.max(availableParallelism() - 1, 1)
    const max = Math.max(...[...projects].map((project) => project.config.maxWorkers || fallback))
    // One more for a typecheck run: tsc is its own process, it does not take a Pool slot.
    return Math.max(1, Math.min(max, this.specs.size)) + (this.typechecks.size ? 1 : 0)
  }
}
