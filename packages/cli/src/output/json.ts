import type { BuildReport } from '../model.js'
import type { Verdict } from '../verdict.js'

/**
 * The whole build as one JSON document: verdict, totals, machines, every entry with its final result, and every
 * attempt (requeued, expired and dropped duplicates included). Framework `raw` results stay out: they can be
 * megabytes per file and are the adapters' business.
 */
export function renderJson(report: BuildReport, verdict: Verdict): string {
  const { entries, attempts, ...build } = report
  const document = {
    schema: 'shardless-report/1',
    verdict,
    ...build,
    entries: entries.map(({ attempts: _attempts, payload, ...entry }) => ({
      ...entry,
      tests: payload?.tests ?? null,
      error: payload?.error ?? null,
    })),
    attempts: attempts.map(({ payload, ...attempt }) => ({
      ...attempt,
      failures: payload?.tests.filter((t) => t.status === 'failed').map((t) => t.name) ?? null,
    })),
  }
  return `${JSON.stringify(document, null, 2)}\n`
}
