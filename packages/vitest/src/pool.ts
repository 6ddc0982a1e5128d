import { ConfigError } from '@shardless/queue-core'
import type { PoolRunnerInitializer, TestProject } from 'vitest/node'
import type { WorkerClass } from './inner.js'
import { Slot, type SlotHost } from './slot.js'

const PREFIX = 'shardless-'

/** Spec pools the queue serves (typecheck and browser specs never reach a custom pool). */
export function isQueuePool(pool: string): boolean {
  return pool.startsWith(PREFIX)
}

/**
 * Replaces a project's pool with the queue pool wrapping the same Vitest worker. Done per project in
 * `configureVitest`: a Vite `config` hook would reach only the root, and inline projects would run everything.
 */
export function adoptProject(
  project: TestProject,
  host: SlotHost,
  workers: Record<'forks' | 'threads' | 'vmForks' | 'vmThreads', WorkerClass>,
): void {
  const config = project.config as TestProject['config'] & { poolRunner?: PoolRunnerInitializer }
  if (config.browser?.enabled || isQueuePool(config.pool)) return
  const inner = config.pool as keyof typeof workers
  const Worker = workers[inner]
  if (!Worker) {
    throw new ConfigError(
      `test.pool "${config.pool}"${project.name ? ` of project "${project.name}"` : ''}`,
      "shardless runs files in Vitest's own forks, threads, vmForks or vmThreads workers; a custom pool cannot take files from the queue. Use one of those pools, or leave this project out of the build.",
    )
  }
  const isolate = config.isolate !== false && (inner === 'forks' || inner === 'threads')
  const runner: PoolRunnerInitializer = {
    name: `${PREFIX}${inner}`,
    createPoolWorker: (options) => new Slot(options, Worker, host, `${PREFIX}${inner}`, isolate),
  }
  config.pool = runner.name
  config.poolRunner = runner
}
