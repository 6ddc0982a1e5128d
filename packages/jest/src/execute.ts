import type { SerializableError, TestResult } from '@jest/test-result'
import type { Config } from '@jest/types'
import type { Test, TestRunnerContext, TestWatcher } from 'jest-runner'
import type { JestModules, WorkerFarm } from './jest.js'
import type { Emit } from './run.js'

/** How one file ended on this machine: Jest's result, or the error it hands to `test-file-failure`. */
export type Ran = { result: TestResult; error?: never } | { error: SerializableError; result?: never }

/** Runs one test file at a time per call; `test-file-start/success/failure` stay with the caller. */
export interface Executor {
  run(test: Test): Promise<Ran>
  close(): Promise<void>
}

export interface ExecutorOptions {
  jest: JestModules
  globalConfig: Config.GlobalConfig
  context: TestRunnerContext
  watcher: TestWatcher
  tests: Test[]
  emit: Emit
}

/** In-band (-i, --detectOpenHandles, maxWorkers 1): Jest's default runner, in this process, one file per call. */
export function inBand({ jest, globalConfig, context, watcher, emit }: ExecutorOptions): Executor {
  return {
    async run(test) {
      const runner = new jest.TestRunner(globalConfig, context)
      let ran: Ran | undefined
      const unsubscribe = [
        runner.on('test-file-success', ([, result]) => {
          ran = { result }
        }),
        runner.on('test-file-failure', ([, error]) => {
          ran = { error }
        }),
        runner.on('test-case-start', (data) => emit('test-case-start', data)),
        runner.on('test-case-result', (data) => emit('test-case-result', data)),
      ]
      try {
        await runner.runTests([test], watcher, { serial: true })
      } finally {
        for (const off of unsubscribe) off()
      }
      return ran ?? { error: { message: `Jest's runner reported no result for ${test.path}`, stack: '' } }
    },
    async close() {},
  }
}

interface Farm {
  worker: WorkerFarm
  inFlight: number
  retired: boolean
}

// jest-worker's messages when a child dies under a call; the farm then shuts that child down for good.
const CRASH =
  /^(A jest worker process \(pid=\d+\) (was terminated|crashed)|Jest worker ran out of memory|A Jest worker thread exited unexpectedly)/

/**
 * One jest-worker farm over jest-runner's testWorker, configured like the default runner's, for `maxWorkers`
 * slots. jest-worker never replaces a child that died under a call (it shuts it down, and the pool shrinks), so a
 * crash retires the farm once its other calls finish and later files go to a fresh one.
 */
export function pool({ jest, globalConfig, context, tests, emit }: ExecutorOptions): Executor {
  const resolvers = new Map(
    tests.map(({ context: { config, moduleMap } }) => [
      config.id,
      { config, serializableModuleMap: moduleMap.toJSON() },
    ]),
  )
  const ending = new Set<Promise<unknown>>()
  const spawn = (): Farm => {
    const worker = jest.createFarm({
      enableWorkerThreads: globalConfig.workerThreads,
      exposedMethods: ['worker'],
      forkOptions: { serialization: 'json', stdio: 'pipe' },
      idleMemoryLimit:
        typeof globalConfig.workerIdleMemoryLimit === 'number'
          ? globalConfig.workerIdleMemoryLimit
          : undefined,
      maxRetries: 3,
      numWorkers: globalConfig.maxWorkers,
      setupArgs: [{ serializableResolvers: [...resolvers.values()] }],
      // Jest 30 only: undefined on 29, whose farm has no such option.
      workerGracefulExitTimeout: globalConfig.workerGracefulExitTimeout,
    })
    worker.getStdout()?.pipe(process.stdout)
    worker.getStderr()?.pipe(process.stderr)
    return { worker, inFlight: 0, retired: false }
  }
  const end = (farm: Farm) => {
    const ended = farm.worker.end().then(({ forceExited }) => {
      // The default runner's warning, word for word: a leaking test keeps its worker alive past the run.
      if (forceExited) {
        console.error(
          'A worker process has failed to exit gracefully and has been force exited. This is likely caused by tests leaking due to improper teardown. Try running with --detectOpenHandles to find leaks. Active timers can also cause this, ensure that .unref() was called on them.',
        )
      }
    })
    ending.add(ended)
  }
  const workerContext = {
    ...context,
    changedFiles: context.changedFiles && [...context.changedFiles],
    sourcesRelatedToTestsInChangedFiles: context.sourcesRelatedToTestsInChangedFiles && [
      ...context.sourcesRelatedToTestsInChangedFiles,
    ],
  }
  let current = spawn()

  return {
    async run(test) {
      const farm = current
      farm.inFlight++
      try {
        const call = farm.worker.worker({
          config: test.context.config,
          globalConfig,
          path: test.path,
          context: workerContext,
        })
        call.UNSTABLE_onCustomMessage?.(([event, payload]) => {
          void emit(event as 'test-case-result', payload as never)
        })
        return { result: await call }
      } catch (error) {
        if (farm === current && CRASH.test((error as Error).message ?? '')) {
          farm.retired = true
          current = spawn()
        }
        return { error: error as SerializableError }
      } finally {
        farm.inFlight--
        if (farm.retired && farm.inFlight === 0) end(farm)
      }
    },
    async close() {
      end(current)
      await Promise.all(ending)
    },
  }
}
