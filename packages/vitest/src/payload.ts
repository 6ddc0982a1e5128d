import type { FilePayload, TestCaseResult } from '@shardless/queue-core'
import type { TestCase, TestModule } from 'vitest/node'

/** A file-level failure that is not in Vitest's own results: a worker crash, the watchdog, a start failure. */
export interface FileFault {
  message: string
  stack?: string
}

/**
 * The ack payload of one file run: Vitest's TestModule in queue-core's framework-neutral shape, plus the file
 * task as plain JSON (`raw`) so the report step can rebuild the build even if this machine dies before its blob.
 */
export function filePayload(options: {
  version: string
  project: string
  file: string
  durationMs: number
  module: TestModule | undefined
  fault?: FileFault
}): FilePayload {
  const { module, fault } = options
  const tests = module ? [...module.children.allTests()].map(testResult) : []
  const state = module?.state()
  const outcome =
    !fault && state === 'passed' ? 'passed' : !fault && state === 'skipped' ? 'skipped' : 'failed'
  const moduleError = module?.errors()[0]
  const error =
    fault ??
    (moduleError ? { message: moduleError.message, stack: moduleError.stack } : undefined) ??
    (outcome === 'failed' && !tests.some((t) => t.status === 'failed')
      ? { message: `the file did not finish (Vitest state: ${state ?? 'not collected'})` }
      : undefined)
  return {
    v: 1,
    framework: 'vitest',
    frameworkVersion: options.version,
    project: options.project,
    file: options.file,
    outcome,
    durationMs: options.durationMs,
    tests,
    ...(error ? { error } : {}),
    ...(module ? { raw: plainTask((module as unknown as { task: unknown }).task) } : {}),
  }
}

function testResult(test: TestCase): TestCaseResult {
  const result = test.result()
  const diagnostic = test.diagnostic()
  const status =
    test.options.mode === 'todo'
      ? 'todo'
      : result.state === 'passed' || result.state === 'failed'
        ? result.state
        : 'skipped'
  return {
    name: test.fullName,
    status,
    durationMs: Math.round(diagnostic?.duration ?? 0),
    failureMessages: (result.errors ?? []).map((e) => e.stack || e.message),
    ...(diagnostic?.retryCount ? { retries: diagnostic.retryCount } : {}),
  }
}

/** Vitest tasks point back at their file and suite; the tree without those links is plain JSON. */
function plainTask(task: unknown): unknown {
  return JSON.parse(
    JSON.stringify(task, (key, value) => (key === 'file' || key === 'suite' ? undefined : value)),
  )
}
