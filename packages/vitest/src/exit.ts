import { ShardlessError } from '@shardless/queue-core'

/** A shardless error before anything ran: print it plainly and exit with its code (2 for usage errors). */
export function fatal(error: unknown): never {
  if (!(error instanceof ShardlessError)) throw error
  process.stderr.write(`\n${error.message}\n\n`)
  process.exit(error.exitCode)
}

/**
 * The machine's exit code for a queue-level outcome (44 cancelled, 41 queue lost…). Vitest sets its own code
 * (1 for failures) after the reporters ran, so the code is applied again on exit.
 */
export function forceExitCode(code: number): void {
  process.exitCode = code
  process.once('exit', () => {
    process.exitCode = code
  })
}

export function errorMessage(error: unknown): string {
  return error instanceof ShardlessError
    ? error.message
    : `shardless: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
