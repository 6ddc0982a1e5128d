import type { RunOutcome } from './types.js'

/** One test case as every adapter reports it, whatever the framework. */
export interface TestCaseResult {
  /** Ancestor suite names and the test title joined with ' > '. */
  name: string
  status: 'passed' | 'failed' | 'skipped' | 'todo'
  durationMs: number
  failureMessages: string[]
  retries?: number
}

/**
 * The framework-neutral result of one run of one test file, acked with its lease: what the report step rebuilds
 * the whole build from, including the files of machines that died before writing anything else.
 */
export interface FilePayload {
  v: 1
  framework: 'vitest' | 'jest'
  frameworkVersion: string
  /** Project name; '' for a single unnamed project. */
  project: string
  /** Root-relative posix path. */
  file: string
  outcome: RunOutcome
  durationMs: number
  tests: TestCaseResult[]
  /** A failure of the file as a whole: import error, worker crash, watchdog. */
  error?: { message: string; stack?: string }
  /** The framework's own result (Jest: a copy of the TestResult; Vitest: the serialized file task). */
  raw?: unknown
}

export function encodePayload(payload: FilePayload): string {
  return JSON.stringify(payload)
}

/** The payload of an ack, or null when there is none or it is not a FilePayload (e.g. a synthetic run's). */
export function decodePayload(text: string): FilePayload | null {
  if (!text) return null
  try {
    const value = JSON.parse(text) as Partial<FilePayload> | null
    return value?.v === 1 && typeof value.file === 'string' && Array.isArray(value.tests)
      ? (value as FilePayload)
      : null
  } catch {
    return null
  }
}
