import { ExitCode, type FallbackNote } from '@shardless/queue-core'
import type { BuildReport } from './model.js'
import type { WaitEnd } from './wait.js'

export interface Verdict {
  exitCode: number
  status: 'passed' | 'failed' | 'not-populated' | 'fallback' | 'timeout' | 'cancelled' | 'workers-died'
  /** One sentence for the summary's last line. */
  headline: string
}

/** The build's one verdict. Never green while an entry lacks a final outcome or any entry failed or was lost. */
export function decide(
  report: BuildReport,
  end: WaitEnd,
  waitedMs: number,
  fallback: FallbackNote[] = [],
): Verdict {
  const { files } = report
  const unfinished = `${files.unfinished} of ${files.total} files have no result`
  switch (end) {
    case 'not-populated':
      return {
        exitCode: ExitCode.noLeader,
        status: 'not-populated',
        headline: `build ${report.build} (suite ${report.suite}) was never populated: no machine set up its queue`,
      }
    case 'fallback': {
      // Green only if every machine of the split says it ran its share without a failure.
      const total = Math.max(...fallback.map((n) => n.total))
      const ran = fallback.reduce((sum, n) => sum + n.files, 0)
      const failed = fallback.reduce((sum, n) => sum + n.failed, 0)
      const missing = total - fallback.length
      const passed = missing === 0 && failed === 0
      return {
        exitCode: passed ? ExitCode.passed : ExitCode.testFailures,
        status: 'fallback',
        headline: `FALLBACK: Redis was unreachable when the machines started, so they ran a static split: ${fallback.length} of ${total} machines ran ${ran} files, ${failed} failed${missing ? `; ${missing} never reported (their exit codes are the verdict)` : ''}`,
      }
    }
    case 'timeout':
      return {
        exitCode: ExitCode.reportTimeout,
        status: 'timeout',
        headline: `timed out after ${Math.round(waitedMs / 1000)} s: ${unfinished}`,
      }
    case 'workers-died':
      return {
        exitCode: ExitCode.allWorkersDied,
        status: 'workers-died',
        headline: `all machines stopped heartbeating before the queue was done: ${unfinished}`,
      }
  }
  if (end === 'cancelled' || report.cancelled) {
    return {
      exitCode: ExitCode.maxFailures,
      status: 'cancelled',
      headline: `build cancelled (${report.cancelled ?? 'cancelled'})${files.unfinished ? `: ${unfinished}` : ''}`,
    }
  }
  if (files.failed || files.lost || files.unfinished) {
    const parts = [
      files.failed && `${files.failed} failed`,
      files.lost && `${files.lost} lost`,
      files.unfinished && `${files.unfinished} without a result`,
    ].filter(Boolean)
    return {
      exitCode: ExitCode.testFailures,
      status: 'failed',
      headline: `${parts.join(', ')} of ${files.total} files`,
    }
  }
  return {
    exitCode: ExitCode.passed,
    status: 'passed',
    headline: `all ${files.total} files passed or skipped`,
  }
}
