import { stripVTControlCharacters } from 'node:util'
import type { AssertionResult, TestResult } from '@jest/test-result'
import type { RunOutcome } from '@shardless/queue-core'
import { type FilePayload, parseEntryId, type TestCaseResult } from '@shardless/queue-core'

/** The scheduler's own rule: no tests, a file-level error or leaked handles fail the file like a failing test. */
export function outcomeOf(result: TestResult): RunOutcome {
  if (result.numFailingTests > 0 || result.testExecError || result.testResults.length === 0 || result.leaks)
    return 'failed'
  if (result.skipped || result.numPassingTests === 0) return 'skipped'
  return 'passed'
}

/**
 * A JSON copy of a result, the form the ack carries; taken before Jest's reporters see the original. In band,
 * `failureDetails` holds the thrown values as they are (a matcher's `actual` may be circular or a function).
 */
export function copyResult(result: TestResult): TestResult {
  const seen = new WeakSet<object>()
  const json = JSON.stringify(result, (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null) return value
    if (seen.has(value)) return '[Circular]'
    seen.add(value)
    return value instanceof Error
      ? { ...value, name: value.name, message: value.message, stack: value.stack }
      : value
  })
  return JSON.parse(json) as TestResult
}

function statusOf(status: AssertionResult['status']): TestCaseResult['status'] {
  if (status === 'passed' || status === 'failed' || status === 'todo') return status
  if (status === 'focused') return 'passed'
  return 'skipped'
}

/**
 * The ack payload of one run. `raw` must be a copy taken before the result is emitted: Jest's reporter dispatcher
 * clears `coverage` and `console` on the object once its reporters have seen it.
 */
export function filePayload(options: {
  entry: string
  version: string
  durationMs: number
  raw: TestResult
}): FilePayload {
  const { raw } = options
  const { project, path } = parseEntryId(options.entry)
  const error = raw.testExecError
  return {
    v: 1,
    framework: 'jest',
    frameworkVersion: options.version,
    project,
    file: path,
    outcome: outcomeOf(raw),
    durationMs: options.durationMs,
    tests: raw.testResults.map((test) => ({
      name: [...test.ancestorTitles, test.title].join(' > '),
      status: statusOf(test.status),
      durationMs: test.duration ?? 0,
      failureMessages: test.failureMessages.map(stripVTControlCharacters),
      ...(test.retryReasons?.length ? { retries: test.retryReasons.length } : {}),
    })),
    ...(error
      ? {
          error: {
            message: stripVTControlCharacters(error.message),
            ...(error.stack ? { stack: error.stack } : {}),
          },
        }
      : {}),
    raw,
  }
}
