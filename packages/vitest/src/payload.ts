import type { FilePayload, TestCaseResult } from '@shardless/queue-core'
import type { TestCase, TestModule } from 'vitest/node'

/** A file-level failure that is not in Vitest's own results: a worker crash, the watchdog, a start failure. */
export interface FileFault {
  message: string
  stack?: string
}

/** One file's Vitest results; `file` prefixes its test names when an entry spans several files (typecheck). */
export interface ModuleRun {
  module: TestModule | undefined
  file?: string
}

/**
 * The ack payload of one entry run: Vitest's TestModules in queue-core's framework-neutral shape, plus the file
 * tasks as plain JSON (`raw`) so the report step can rebuild the build even if this machine dies before its blob.
 */
export function filePayload(options: {
  version: string
  project: string
  file: string
  durationMs: number
  modules: ModuleRun[]
  fault?: FileFault
}): FilePayload {
  const { modules, fault } = options
  const tests = modules.flatMap(({ module, file }) =>
    module ? [...module.children.allTests()].map((test) => testResult(test, file)) : [],
  )
  const states = modules.map(({ module }) => module?.state())
  const outcome = fault
    ? 'failed'
    : states.every((state) => state === 'skipped')
      ? 'skipped'
      : states.every((state) => state === 'passed' || state === 'skipped')
        ? 'passed'
        : 'failed'
  const moduleError = modules.map(({ module }) => module?.errors()[0]).find((error) => error !== undefined)
  const unfinished = states.find((state) => state !== 'passed' && state !== 'skipped' && state !== 'failed')
  const error =
    fault ??
    (moduleError ? { message: moduleError.message, stack: moduleError.stack } : undefined) ??
    (outcome === 'failed' && !tests.some((t) => t.status === 'failed')
      ? { message: `the file did not finish (Vitest state: ${unfinished ?? 'not collected'})` }
      : undefined)
  const tasks = modules.flatMap(({ module }) =>
    module ? [plainTask((module as unknown as { task: unknown }).task)] : [],
  )
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
    ...(tasks.length ? { raw: tasks.length === 1 ? tasks[0] : tasks } : {}),
  }
}

function testResult(test: TestCase, file: string | undefined): TestCaseResult {
  const result = test.result()
  const diagnostic = test.diagnostic()
  const status =
    test.options.mode === 'todo'
      ? 'todo'
      : result.state === 'passed' || result.state === 'failed'
        ? result.state
        : 'skipped'
  return {
    name: file ? `${file} > ${test.fullName}` : test.fullName,
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
