import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import type { SerializableError, TestResult } from '@jest/test-result'
import type { Config } from '@jest/types'
import { ShardlessError } from '@shardless/queue-core'
import type { EmittingTestRunner, TestRunnerContext } from 'jest-runner'
import type { WorkerFarmOptions } from 'jest-worker'

/** The parts of jest-worker's farm this runner uses: `worker` is jest-runner's testWorker export. */
export interface WorkerFarm {
  worker(request: {
    config: Config.ProjectConfig
    globalConfig: Config.GlobalConfig
    path: string
    context: { changedFiles?: string[]; sourcesRelatedToTestsInChangedFiles?: string[] }
  }): Promise<TestResult> & {
    UNSTABLE_onCustomMessage?: (listener: (message: [string, unknown]) => void) => void
  }
  getStdout(): NodeJS.ReadableStream | null
  getStderr(): NodeJS.ReadableStream | null
  end(): Promise<{ forceExited: boolean }>
}

/** The modules of the Jest that loaded this runner, 29 or 30: its testWorker must match its own config format. */
export interface JestModules {
  version: string
  TestRunner: new (globalConfig: Config.GlobalConfig, context: TestRunnerContext) => EmittingTestRunner
  /** A jest-worker farm over jest-runner's own testWorker: the default runner's execution code, used as is. */
  createFarm(options: WorkerFarmOptions): WorkerFarm
  /** What Jest's scheduler makes of a `test-file-failure`, built here for the ack payload. */
  failureResult(path: string, error: SerializableError, config: Config.ProjectConfig): TestResult
  /** Turns off `coverageThreshold` checks in this process (see skipCoverageThresholds). */
  skipCoverageThresholds(note: () => void): void
}

let loaded: JestModules | undefined

/**
 * Finds the running Jest through the @jest/core module that required this runner, never through this package's own
 * dependencies: with Jest 29 in one workspace and 30 hoisted beside it, resolving `jest-runner` from here would
 * hand Jest 29's configs to Jest 30's worker.
 */
export function loadJest(): JestModules {
  if (loaded) return loaded
  const cache = createRequire(import.meta.url).cache
  const marker = `${sep}@jest${sep}core${sep}build${sep}`
  const core = Object.keys(cache).find((path) => path.includes(marker))
  if (!core) {
    throw new ShardlessError(
      'SHARDLESS_JEST_NOT_FOUND',
      'shardless: @shardless/jest must be loaded by Jest as `runner` (jest.config: runner: "@shardless/jest"); @jest/core is not loaded in this process.',
    )
  }
  const fromCore = createRequire(core)
  const runnerMain = fromCore.resolve('jest-runner')
  const fromRunner = createRequire(runnerMain)
  const { Worker } = fromRunner('jest-worker') as typeof import('jest-worker')
  const { buildFailureTestResult } = fromCore('@jest/test-result') as typeof import('@jest/test-result')
  const { formatExecError } = fromCore('jest-message-util') as typeof import('jest-message-util')
  const { CoverageReporter } = fromCore('@jest/reporters') as {
    CoverageReporter: { prototype: { _checkThreshold(map: unknown): void } }
  }
  const corePackage = join(core.slice(0, core.indexOf(marker)), '@jest', 'core', 'package.json')
  loaded = {
    version: (JSON.parse(readFileSync(corePackage, 'utf8')) as { version: string }).version,
    TestRunner: (fromRunner(runnerMain) as { default: JestModules['TestRunner'] }).default,
    createFarm: (options) => new Worker(join(dirname(runnerMain), 'testWorker.js'), options) as never,
    failureResult(path, error, config) {
      const result = buildFailureTestResult(path, error)
      result.failureMessage = formatExecError(error, config, { noStackTrace: false }, path)
      return result
    },
    // A machine's coverage covers only the files it drew (measured: 54% and 48% on two machines, 94% merged), so
    // a threshold would fail every machine. The global config is frozen, so the check itself is switched off;
    // the report step enforces thresholds on the merged map.
    skipCoverageThresholds(note) {
      CoverageReporter.prototype._checkThreshold = note
    },
  }
  return loaded
}
