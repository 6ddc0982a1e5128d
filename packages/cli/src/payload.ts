/**
 * The per-file ack payload every adapter sends (queue-core's FilePayload, v1). Decoded here until queue-core
 * exports `decodePayload`; a payload that is empty or not ours (a synthetic run, an older adapter) reads as null
 * and the report falls back to file-level outcomes.
 */
export interface TestCaseResult {
  name: string
  status: 'passed' | 'failed' | 'skipped' | 'todo'
  durationMs: number
  failureMessages: string[]
  retries?: number
}

export interface FilePayload {
  v: 1
  framework: 'vitest' | 'jest'
  frameworkVersion: string
  project: string
  file: string
  outcome: 'passed' | 'failed' | 'skipped'
  durationMs: number
  tests: TestCaseResult[]
  error?: { message: string; stack?: string }
  raw?: unknown
}

export function decodePayload(text: string | undefined): FilePayload | null {
  if (!text) return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const p = value as Partial<FilePayload>
  if (p.v !== 1 || (p.framework !== 'vitest' && p.framework !== 'jest') || !Array.isArray(p.tests))
    return null
  return p as FilePayload
}
