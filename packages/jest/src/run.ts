import type { Config } from '@jest/types'
import {
  type DrainSummary,
  displayEntry,
  drain,
  ExitCode,
  encodePayload,
  type Lease,
  machineLine,
  openSession,
  type Progress,
  type ResolvedConfig,
  type RunResult,
  resolveConfig,
  ShardlessError,
  stopOnSignals,
} from '@shardless/queue-core'
import type { Test, TestEvents, TestRunnerContext, TestRunnerOptions, TestWatcher } from 'jest-runner'
import { type Executor, inBand, pool } from './execute.js'
import { defaultSuite, fileSizes, localEntries } from './files.js'
import { type JestModules, loadJest } from './jest.js'
import { copyResult, filePayload, outcomeOf } from './payload.js'
import { refuseUnsupported } from './refuse.js'
import { Results } from './results.js'

export type Emit = <Name extends keyof TestEvents>(name: Name, data: TestEvents[Name]) => Promise<void>

export interface RunnerEvents {
  emit: Emit
}

export interface RunInput extends RunnerEvents {
  tests: Test[]
  watcher: TestWatcher
  options: TestRunnerOptions
  globalConfig: Config.GlobalConfig
  context: TestRunnerContext
  runnerOptions: Record<string, unknown> | undefined
}

const log = (line: string) => {
  process.stderr.write(`${line}\n`)
}

/** The runner's `runTests`: Jest's default runner when shardless is off, else this machine's share of the queue. */
export async function runTests(input: RunInput): Promise<void> {
  const jest = loadJest()
  const { globalConfig, watcher } = input
  try {
    const resolution = resolveConfig(input.runnerOptions, {
      suite: defaultSuite(globalConfig.rootDir),
      source: "runner: ['@shardless/jest', {…}]",
    })
    // --collectTests (Jest 30) runs no test, so it must not consume the queue.
    if (!resolution.enabled || globalConfig.collectTests) {
      return await runDefault(jest, input, input.tests)
    }
    refuseUnsupported(globalConfig, watcher)
    await runQueue(jest, input, resolution.config)
  } catch (error) {
    if (!(error instanceof ShardlessError)) throw error
    // Jest would turn a thrown error into exit code 1 (and keep watching in watch mode); usage errors are 2 and
    // queue failures have codes of their own (README, "Exit codes").
    log(error.message)
    process.exit(error.exitCode)
  }
}

/** Exactly Jest's default runner over `tests`, its events passed through unchanged. */
async function runDefault(jest: JestModules, input: RunInput, tests: Test[]): Promise<void> {
  const runner = new jest.TestRunner(input.globalConfig, input.context)
  const names = [
    'test-file-start',
    'test-file-success',
    'test-file-failure',
    'test-case-start',
    'test-case-result',
  ] as const
  const unsubscribe = names.map((name) => runner.on(name, (data) => input.emit(name, data as never)))
  try {
    await runner.runTests(tests, input.watcher, input.options)
  } finally {
    for (const off of unsubscribe) off()
  }
}

async function runQueue(jest: JestModules, input: RunInput, config: ResolvedConfig): Promise<void> {
  const { globalConfig } = input
  const local = localEntries(input.tests, globalConfig.rootDir)
  const session = await openSession({ config, files: fileSizes(local), log })
  if (globalConfig.coverageThreshold && config.store === 'redis') {
    jest.skipCoverageThresholds(() =>
      log(
        'shardless: coverageThreshold not checked on this machine (it ran a share of the files); the report step checks the merged coverage.',
      ),
    )
  }
  if (session.mode === 'fallback') {
    const mine = new Set(session.entries)
    // Count this share's failed files, so the report step can give the build its verdict once Redis is back.
    let failed = 0
    const emit: Emit = (name, data) => {
      if (name === 'test-file-failure') failed++
      if (
        name === 'test-file-success' &&
        outcomeOf((data as TestEvents['test-file-success'])[1]) === 'failed'
      )
        failed++
      return input.emit(name, data)
    }
    await runDefault(
      jest,
      { ...input, emit },
      [...local].filter(([id]) => mine.has(id)).map(([, test]) => test),
    )
    return session.record({ files: mine.size, failed })
  }
  const { store } = session
  // Jest's own in-band heuristic (few files with fast cached timings) is ignored: it counts the local list, not
  // this machine's share, and in band a crashing test takes the whole machine down.
  const serial = globalConfig.runInBand || globalConfig.detectOpenHandles || globalConfig.maxWorkers <= 1
  const executorOptions = { jest, ...input }
  const executor: Executor = serial ? inBand(executorOptions) : pool(executorOptions)
  const stop = stopOnSignals()
  const stopped = new Promise<'stopped'>((resolve) =>
    stop.signal.addEventListener('abort', () => resolve('stopped'), { once: true }),
  )
  // Leases between drain's start and finish events, for --bail's early exit.
  const inFlight = new Map<number, Lease>()
  const results = new Results({
    emit: input.emit,
    globalConfig,
    cancel: (reason) => store.cancel(`${reason} on ${config.machine}`),
    handBack: () =>
      Promise.all([...inFlight.values()].map((lease) => store.release(lease).catch(() => false))),
    log,
  })

  async function runFile(entry: string, lease: number): Promise<RunResult> {
    const test = local.get(entry)
    if (!test) {
      // Cannot happen after the digest check unless files changed on disk; the entry goes back for another machine.
      throw new ShardlessError(
        'SHARDLESS_UNKNOWN_ENTRY',
        `shardless: ${displayEntry(entry)} is not a test file here`,
      )
    }
    await input.emit('test-file-start', [test])
    const started = Date.now()
    // A stopping machine (SIGTERM/SIGINT) does not wait for its files: drain hands their leases back unrun.
    const ran = await Promise.race([executor.run(test), stopped])
    const durationMs = Date.now() - started
    if (ran === 'stopped') return { outcome: 'skipped', durationMs }
    const result = ran.result ?? jest.failureResult(test.path, ran.error, test.context.config)
    const raw = copyResult(result)
    results.hold(lease, test, ran)
    return {
      outcome: outcomeOf(raw),
      durationMs,
      payload: encodePayload(filePayload({ entry, version: jest.version, durationMs, raw })),
    }
  }

  let summary: DrainSummary
  let progress: Progress | null = null
  try {
    summary = await drain({
      store,
      worker: config.machine,
      concurrency: serial ? 1 : globalConfig.maxWorkers,
      leaseMs: config.leaseMs,
      heartbeatMs: config.heartbeatMs,
      signal: stop.signal,
      info: { framework: 'jest', version: jest.version },
      run: (context) => runFile(context.entry, context.lease),
      onEvent: (event) => {
        if (event.type === 'start') inFlight.set(event.lease.lease, event.lease)
        if (event.type === 'finish' || event.type === 'released') inFlight.delete(event.lease.lease)
        if (event.type === 'finish') results.onFinish(event)
      },
    })
    await results.settled()
    progress = await store.progress(config.leaseMs).catch(() => null)
  } finally {
    await executor.close()
    stop.dispose()
    await session.close()
  }
  const line = machineLine(config.machine, summary, progress)
  if (summary.stopped) {
    // The leases are back in the queue; now end the way the signal asked, without Jest's summary of a partial run.
    log(line)
    // The abort reason is the signal's name: end by that same signal.
    process.kill(process.pid, stop.signal.reason as NodeJS.Signals)
    return
  }
  const cancelled = summary.cancelled !== null
  // After Jest's own summary, which its scheduler prints once this runner returns. A cancelled build (max failures,
  // another machine's --bail) ends every machine with 44 unless Jest exits 1 for a failure of its own: Jest sets
  // its non-zero code in an exit listener registered after this one.
  process.once('exit', (code) => {
    log(line)
    if (cancelled && code === 0) process.exitCode = ExitCode.maxFailures
  })
}
