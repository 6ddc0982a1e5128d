import { displayEntry } from '@shardless/queue-core'
import type { BuildReport, EntryReport } from '../model.js'
import type { Verdict } from '../verdict.js'
import { duration, failureText } from './format.js'

const MAX_FAILURES = 30

/** GitHub step-summary markdown: the verdict, totals, failures (folded), machines, flaky, lost, duplicates. */
export function renderMarkdown(report: BuildReport, verdict: Verdict): string {
  const { files, tests } = report
  const icon = verdict.exitCode === 0 ? '✅' : '❌'
  const out = [`## ${icon} shardless: ${esc(verdict.headline)}`, '']
  out.push(
    `Build \`${report.build}\` · suite \`${report.suite}\` · ${report.framework ? `${report.framework} ${report.frameworkVersion}` : 'no framework results'} · ${report.machines.length} machines · ${duration(report.wallMs)} wall · exit ${verdict.exitCode}`,
    '',
    '| | files | tests |',
    '| --- | ---: | ---: |',
    `| passed | ${files.passed} | ${tests?.passed ?? '–'} |`,
    `| failed | ${files.failed} | ${tests?.failed ?? '–'} |`,
    `| skipped | ${files.skipped} | ${tests ? tests.skipped + tests.todo : '–'} |`,
  )
  if (files.lost) out.push(`| lost | ${files.lost} | |`)
  if (files.unfinished) out.push(`| no result | ${files.unfinished} | |`)
  out.push(`| **total** | **${files.total}** | **${tests?.total ?? '–'}** |`, '')

  const failed = report.entries.filter((e) => e.outcome === 'failed')
  if (failed.length) {
    out.push(`### Failures (${failed.length} files)`, '')
    for (const entry of failed.slice(0, MAX_FAILURES)) out.push(...failure(entry))
    if (failed.length > MAX_FAILURES)
      out.push(`…and ${failed.length - MAX_FAILURES} more files (see the JUnit or JSON report).`, '')
  }
  list(
    out,
    'Lost files',
    report.entries.filter((e) => e.outcome === 'lost'),
    (e) => `\`${e.display}\`: every lease expired`,
  )
  list(
    out,
    'Files without a result',
    report.entries.filter((e) => e.outcome === null),
    (e) => `\`${e.display}\``,
  )
  list(
    out,
    'Flaky files (passed on retry)',
    report.entries.filter((e) => e.flaky),
    (e) => {
      const failedOn = e.attempts.find((a) => a.outcome === 'requeued' && !a.stale)?.worker ?? '?'
      return `\`${e.display}\`: failed on ${esc(failedOn)}, passed on ${esc(e.worker ?? '?')}`
    },
  )
  const stale = report.attempts.filter((a) => a.stale)
  list(
    out,
    'Duplicate executions dropped',
    stale,
    (a) =>
      `\`${displayEntry(a.entry)}\` on ${esc(a.worker ?? '?')} (${a.outcome}, ${duration(a.durationMs)}): lease reclaimed`,
  )

  if (report.machines.length) {
    const start = report.startedAt ?? 0
    out.push(
      '### Machines',
      '',
      '| machine | slots | files | busy | finished |',
      '| --- | ---: | ---: | ---: | ---: |',
    )
    for (const m of report.machines) {
      out.push(
        `| ${esc(m.name)} | ${m.slots} | ${m.files} | ${duration(m.busyMs)} | ${m.finishedAt === null ? '–' : `+${duration(m.finishedAt - start)}`}${m.exited ? '' : ' (no exit record)'} |`,
      )
    }
    out.push('')
  }
  const slowest = report.entries
    .filter((e) => e.durationMs !== null)
    .sort((a, b) => b.durationMs! - a.durationMs!)
    .slice(0, 5)
  if (slowest.length) {
    out.push('### Slowest files', '', '| file | duration | machine |', '| --- | ---: | --- |')
    for (const e of slowest)
      out.push(`| \`${esc(e.display)}\` | ${duration(e.durationMs)} | ${esc(e.worker ?? '')} |`)
    out.push('')
  }
  return `${out.join('\n')}\n`
}

function failure(entry: EntryReport): string[] {
  const blocks: [string, string][] = []
  if (entry.payload?.error)
    blocks.push(['(file failed to run)', entry.payload.error.stack ?? entry.payload.error.message])
  for (const test of entry.payload?.tests ?? []) {
    if (test.status === 'failed') blocks.push([test.name, failureText(test.failureMessages, 40)])
  }
  if (!blocks.length) blocks.push(['(no test results were recorded)', ''])
  return blocks.flatMap(([name, text]) => [
    `<details><summary><code>${html(entry.display)}</code> › ${html(name)}</summary>`,
    '',
    fence(text),
    '',
    '</details>',
    '',
  ])
}

function list<T>(out: string[], title: string, items: T[], line: (item: T) => string): void {
  if (!items.length) return
  out.push(`### ${title} (${items.length})`, '', ...items.slice(0, 50).map((item) => `- ${line(item)}`))
  if (items.length > 50) out.push(`- …and ${items.length - 50} more`)
  out.push('')
}

/** A code fence longer than any backtick run inside, so a message containing ``` cannot end it early. */
function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const ticks = '`'.repeat(longest + 1)
  return `${ticks}\n${text}\n${ticks}`
}

function esc(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

function html(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
