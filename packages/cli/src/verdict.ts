import { ExitCode } from '@shardless/queue-core'
import type { BuildReport } from './model.js'
import type { WaitEnd } from './wait.js'

export interface Verdict {
  exitCode: number
  status: 'passed' | 'failed' | 'not-populated' | 'timeout' | 'cancelled' | 'workers-died'
  /** One sentence for the summary's last line. */
  headline: string
}

/** The build's one verdict. Never green while an entry lacks a final outcome or any entry failed or was lost. */
export function decide(report: BuildReport, end: WaitEnd, waitedMs: number): Verdict {
  const { files } = report
  const unfinished = `${files.unfinished} of ${files.total} files have no result`
  switch (end) {
    case 'not-populated':
      return {
        exitCode: ExitCode.noLeader,
        status: 'not-populated',
        headline: `build ${report.build} (suite ${report.suite}) was never populated: no machine set up its queue`,
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
