import type { PoolOptions, TestProject, TestSpecification } from 'vitest/node'
import type { FileEnd, WorkerClass } from './inner.js'
import { isResponse, type WorkerRequest } from './protocol.js'

/**
 * The queue entry of one project's type tests (`typecheck.enabled`, `*.test-d.ts`): they are one `tsc` run,
 * which static sharding repeats on every machine. Through the queue exactly one machine runs it, and if that
 * machine dies its lease expires and another machine takes it over like any file.
 */
export const TYPECHECK_ENTRY = '#typecheck'

/** A cold guess for one tsc run (about 18 s on real suites): it outlasts most test files, so LPT starts it first. */
export const TYPECHECK_COLD_MS = 18_000

/** Runs a project's type tests in Vitest's own TypecheckPoolWorker; results land in this run's state as usual. */
export async function runTypecheck(
  Worker: WorkerClass,
  project: TestProject,
  specs: TestSpecification[],
): Promise<FileEnd> {
  const worker = new Worker({ project, method: 'run' } as PoolOptions)
  await worker.start()
  const files = specs.map((spec) => ({ filepath: spec.moduleId }))
  return new Promise((resolve) => {
    worker.on('message', (message) => {
      if (isResponse(message) && message.type === 'testfileFinished') {
        resolve({ kind: 'finished', error: message.error })
      }
    })
    worker.send({
      __vitest_worker_request__: true,
      type: 'run',
      context: { files, environment: { name: 'node', options: null } },
    } satisfies WorkerRequest as never)
  })
}
