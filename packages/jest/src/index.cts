import type { Config } from '@jest/types'
import type {
  Test,
  TestEvents,
  TestRunnerContext,
  TestRunnerOptions,
  TestWatcher,
  UnsubscribeFn,
} from 'jest-runner'
import type { RunnerEvents } from './run.js' with { 'resolution-mode': 'import' }

type Listener = (data: never) => void | Promise<void>

/**
 * `runner: '@shardless/jest'`. Jest 29 and 30 load runners with require(), so this entry is CommonJS and only
 * holds what Jest touches synchronously (the constructor and `on`); the work lives in the ES module `run.js`.
 */
class ShardlessRunner {
  readonly supportsEventEmitters = true
  readonly isSerial = false
  readonly #listeners = new Map<keyof TestEvents, Set<Listener>>()

  constructor(
    private readonly globalConfig: Config.GlobalConfig,
    private readonly context: TestRunnerContext,
    /** Jest ≥30.4.1 passes `runner: ['@shardless/jest', {...}]` options here; 29 has only SHARDLESS_* env. */
    private readonly runnerOptions?: Record<string, unknown>,
  ) {}

  on<Name extends keyof TestEvents>(
    name: Name,
    listener: (data: TestEvents[Name]) => void | Promise<void>,
  ): UnsubscribeFn {
    const listeners = this.#listeners.get(name) ?? new Set()
    this.#listeners.set(name, listeners)
    listeners.add(listener as Listener)
    return () => listeners.delete(listener as Listener)
  }

  async runTests(tests: Test[], watcher: TestWatcher, options: TestRunnerOptions): Promise<void> {
    const { runTests } = await import('./run.js')
    // Like emittery's emit (jest-runner's emitter): wait for every listener, so a reporter has seen a result
    // before the next step, and let a listener's rejection reach the caller.
    const emit: RunnerEvents['emit'] = async (name, data) => {
      await Promise.all(
        [...(this.#listeners.get(name) ?? [])].map(async (listener) => listener(data as never)),
      )
    }
    await runTests({
      tests,
      watcher,
      options,
      globalConfig: this.globalConfig,
      context: this.context,
      runnerOptions: this.runnerOptions,
      emit,
    })
  }
}

export = ShardlessRunner
