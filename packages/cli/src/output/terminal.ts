import { displayEntry } from '@shardless/queue-core'
import pc from 'picocolors'
import type { BuildReport, EntryReport } from '../model.js'
import type { Verdict } from '../verdict.js'
import { duration, failureText, table } from './format.js'

const MAX_MESSAGE_LINES = 20
const LIST_LIMIT = 20

/**
 * The one summary of the build, failures first, in the style of the framework that ran it (Vitest's or Jest's
 * wording and separators), followed by what only a distributed run has: machines, flaky, lost, duplicates.
 */
export function renderSummary(report: BuildReport, verdict: Verdict): string {
  // A build that never got a queue has nothing to total: say so and stop.
  if (!report.populated) return `${header(report)}\n\n${footer(verdict)}\n`
  const jest = report.framework === 'jest'
  const sections = [
    header(report),
    failures(report, jest),
    lost(report),
    unfinished(report),
    flaky(report),
    machines(report),
    duplicates(report),
    slowest(report),
    jest ? jestTotals(report) : vitestTotals(report),
    footer(verdict),
  ]
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`
}

function header(report: BuildReport): string {
  const framework = report.framework
    ? `${report.framework} ${report.frameworkVersion}`
    : 'no framework results'
  return pc.bold(
    ` shardless report  ${pc.dim(`build ${report.build} · suite ${report.suite} · ${framework} · ${report.machines.length} machines`)}`,
  )
}

function failures(report: BuildReport, jest: boolean): string {
  const failed = report.entries.filter((e) => e.outcome === 'failed')
  if (!failed.length) return ''
  const blocks = failed.map((entry) => (jest ? jestFailure(entry) : vitestFailure(entry)))
  const title = jest
    ? pc.bold('Summary of all failing tests')
    : pc.red(pc.bold(`⎯⎯⎯⎯⎯⎯ Failed ${failed.length === 1 ? 'File' : 'Files'} ${failed.length} ⎯⎯⎯⎯⎯⎯`))
  return [title, ...blocks].join('\n\n')
}

function failedTests(entry: EntryReport) {
  return entry.payload?.tests.filter((t) => t.status === 'failed') ?? []
}

function vitestFailure(entry: EntryReport): string {
  const where = pc.dim(` (on ${entry.worker ?? '?'}, attempt ${entry.attempt ?? '?'})`)
  const blocks: string[] = []
  if (entry.payload?.error) {
    blocks.push(
      `${pc.bgRed(pc.white(' FAIL '))} ${entry.display}${where}\n${pc.red(failureText([entry.payload.error.stack ?? entry.payload.error.message], MAX_MESSAGE_LINES))}`,
    )
  }
  for (const test of failedTests(entry)) {
    blocks.push(
      `${pc.bgRed(pc.white(' FAIL '))} ${entry.display} > ${test.name}${where}\n${pc.red(failureText(test.failureMessages, MAX_MESSAGE_LINES))}`,
    )
  }
  if (!blocks.length)
    blocks.push(
      `${pc.bgRed(pc.white(' FAIL '))} ${entry.display}${where}\n${pc.dim('(no test results were recorded for this file)')}`,
    )
  return blocks.join('\n\n')
}

function jestFailure(entry: EntryReport): string {
  const lines = [
    `${pc.bgRed(pc.white(pc.bold(' FAIL ')))} ${entry.display}${pc.dim(` (on ${entry.worker ?? '?'})`)}`,
  ]
  if (entry.payload?.error) {
    lines.push(
      `  ${pc.red('● Test suite failed to run')}\n\n${indent(failureText([entry.payload.error.stack ?? entry.payload.error.message], MAX_MESSAGE_LINES), 4)}`,
    )
  }
  for (const test of failedTests(entry)) {
    lines.push(
      `  ${pc.red(`● ${test.name.replaceAll(' > ', ' › ')}`)}\n\n${indent(failureText(test.failureMessages, MAX_MESSAGE_LINES), 4)}`,
    )
  }
  if (lines.length === 1) lines.push(pc.dim('  (no test results were recorded for this file)'))
  return lines.join('\n\n')
}

function lost(report: BuildReport): string {
  const entries = report.entries.filter((e) => e.outcome === 'lost')
  if (!entries.length) return ''
  const lines = entries.map((e) => {
    const holders = [
      ...new Set(e.attempts.filter((a) => a.outcome === 'expired').map((a) => a.worker ?? '?')),
    ]
    return `  ${pc.red('✗')} ${e.display} ${pc.dim(`(its lease expired ${e.attempts.filter((a) => a.outcome === 'expired').length}× on ${holders.join(', ')}: the machine crashed, hung or was killed while running it)`)}`
  })
  return [pc.red(pc.bold(`Lost files ${entries.length}`)), ...lines].join('\n')
}

function unfinished(report: BuildReport): string {
  const entries = report.entries.filter((e) => e.outcome === null)
  if (!entries.length) return ''
  const lines = entries.slice(0, LIST_LIMIT).map((e) => {
    const lastRun = e.attempts.at(-1)
    const note = lastRun?.worker ? ` (last seen on ${lastRun.worker}, attempt ${lastRun.attempt})` : ''
    return `  ${pc.yellow('?')} ${e.display}${pc.dim(note)}`
  })
  if (entries.length > LIST_LIMIT)
    lines.push(pc.dim(`  … and ${entries.length - LIST_LIMIT} more (see --json)`))
  return [pc.yellow(pc.bold(`Files without a result ${entries.length}`)), ...lines].join('\n')
}

function flaky(report: BuildReport): string {
  const entries = report.entries.filter((e) => e.flaky)
  if (!entries.length) return ''
  const lines = entries.map((e) => {
    const failedRun = e.attempts.find((a) => a.outcome === 'requeued' && !a.stale)
    const firstFailure = failedRun?.payload?.tests.find((t) => t.status === 'failed')
    const why = firstFailure
      ? `: ${firstFailure.name}: ${failureText(firstFailure.failureMessages).split('\n')[0]}`
      : failedRun?.payload?.error
        ? `: ${failedRun.payload.error.message.split('\n')[0]}`
        : ''
    return `  ${pc.yellow('⚠')} ${e.display} ${pc.dim(`failed on ${failedRun?.worker ?? '?'}${why}; passed on ${e.worker ?? '?'}`)}`
  })
  return [pc.yellow(pc.bold(`Flaky files ${entries.length} (passed on retry)`)), ...lines].join('\n')
}

function machines(report: BuildReport): string {
  if (!report.machines.length) return ''
  const start = report.startedAt ?? 0
  const rows = [
    ['machine', 'slots', 'files', 'busy', 'finished', ''].map((h) => pc.dim(h)),
    ...report.machines.map((m) => [
      m.name,
      String(m.slots),
      String(m.files),
      duration(m.busyMs),
      m.finishedAt === null ? '–' : `+${duration(m.finishedAt - start)}`,
      m.exited ? '' : pc.yellow('no exit record (killed, or still running)'),
    ]),
  ]
  return [pc.bold('Machines'), table(rows)].join('\n')
}

function duplicates(report: BuildReport): string {
  const stale = report.attempts.filter((a) => a.stale)
  if (!stale.length) return ''
  const lines = stale
    .slice(0, LIST_LIMIT)
    .map(
      (a) =>
        `  ${pc.dim('↺')} ${displayEntry(a.entry)} ${pc.dim(`on ${a.worker ?? '?'} (${a.outcome}, ${duration(a.durationMs)}): its lease had been reclaimed`)}`,
    )
  return [pc.bold(`Duplicate executions dropped ${stale.length}`), ...lines].join('\n')
}

function slowest(report: BuildReport): string {
  const ran = report.entries.filter((e) => e.durationMs !== null)
  if (!ran.length) return ''
  const top = [...ran].sort((a, b) => b.durationMs! - a.durationMs!).slice(0, 5)
  const rows = top.map((e) => [e.display, duration(e.durationMs), pc.dim(e.worker ?? '')])
  return [pc.bold('Slowest files'), table(rows)].join('\n')
}

function vitestTotals(report: BuildReport): string {
  const { files, tests } = report
  const part = (n: number, label: string, color: (s: string) => string) => (n ? color(`${n} ${label}`) : '')
  const join = (parts: string[], total: number) =>
    `${parts.filter(Boolean).join(pc.dim(' | '))} ${pc.dim(`(${total})`)}`
  const lines = [
    ` Test Files  ${join(
      [
        part(files.failed, 'failed', (s) => pc.bold(pc.red(s))),
        part(files.lost, 'lost', (s) => pc.bold(pc.red(s))),
        part(files.unfinished, 'no result', (s) => pc.bold(pc.yellow(s))),
        part(files.passed, 'passed', (s) => pc.bold(pc.green(s))),
        part(files.skipped, 'skipped', pc.yellow),
      ],
      files.total,
    )}`,
  ]
  if (tests) {
    lines.push(
      `      Tests  ${join(
        [
          part(tests.failed, 'failed', (s) => pc.bold(pc.red(s))),
          part(tests.passed, 'passed', (s) => pc.bold(pc.green(s))),
          part(tests.skipped, 'skipped', pc.yellow),
          part(tests.todo, 'todo', pc.gray),
        ],
        tests.total,
      )}`,
    )
  }
  lines.push(`   Duration  ${timing(report)}`)
  return lines.join('\n')
}

function jestTotals(report: BuildReport): string {
  const { files, tests } = report
  const part = (n: number, label: string, color: (s: string) => string) => (n ? color(`${n} ${label}`) : '')
  const line = (parts: string[], total: number) => [...parts.filter(Boolean), `${total} total`].join(', ')
  const lines = [
    `${pc.bold('Test Suites:')} ${line(
      [
        part(files.failed, 'failed', (s) => pc.bold(pc.red(s))),
        part(files.lost, 'lost', (s) => pc.bold(pc.red(s))),
        part(files.unfinished, 'no result', (s) => pc.bold(pc.yellow(s))),
        part(files.skipped, 'skipped', pc.yellow),
        part(files.passed, 'passed', (s) => pc.bold(pc.green(s))),
      ],
      files.total,
    )}`,
  ]
  if (tests) {
    lines.push(
      `${pc.bold('Tests:')}       ${line(
        [
          part(tests.failed, 'failed', (s) => pc.bold(pc.red(s))),
          part(tests.skipped, 'skipped', pc.yellow),
          part(tests.todo, 'todo', pc.magenta),
          part(tests.passed, 'passed', (s) => pc.bold(pc.green(s))),
        ],
        tests.total,
      )}`,
    )
  }
  lines.push(`${pc.bold('Time:')}        ${timing(report)}`)
  return lines.join('\n')
}

function timing(report: BuildReport): string {
  const busy = report.machines.reduce((sum, m) => sum + m.busyMs, 0)
  const slots = report.machines.reduce((sum, m) => sum + m.slots, 0)
  const extra = [
    report.requeued && `${report.requeued} requeued`,
    report.expired && `${report.expired} leases expired`,
  ].filter(Boolean)
  return `${duration(report.wallMs)} wall ${pc.dim(`· ${duration(busy)} busy on ${report.machines.length} machines (${slots} slots)${extra.length ? ` · ${extra.join(' · ')}` : ''}`)}`
}

function footer(verdict: Verdict): string {
  const badge =
    verdict.exitCode === 0
      ? pc.bgGreen(pc.black(' PASS '))
      : pc.bgRed(pc.white(` ${verdict.status.toUpperCase()} `))
  return `${badge} ${verdict.headline} ${pc.dim(`(exit ${verdict.exitCode})`)}`
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n)
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n')
}
