import type { BuildReport, EntryReport } from '../model.js'
import type { Verdict } from '../verdict.js'
import { failureText, stripAnsi } from './format.js'

/**
 * JUnit XML: one <testsuite> per file, one <testcase> per test. A file without test results (a file-level error,
 * a lost file, one with no result at all) becomes one <testcase> with an <error>, so no CI system reads it green.
 */
export function renderJunit(report: BuildReport, verdict: Verdict): string {
  const suites = report.entries.map(suite)
  const sum = (key: 'tests' | 'failures' | 'errors' | 'skipped') =>
    suites.reduce((n, s) => n + s.counts[key], 0)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`shardless ${report.build} ${report.suite}`)}" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" skipped="${sum('skipped')}" time="${seconds(report.wallMs ?? 0)}">`,
    `  <properties><property name="shardless.verdict" value="${attr(verdict.status)}"/><property name="shardless.exitCode" value="${verdict.exitCode}"/></properties>`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n')
}

function suite(entry: EntryReport) {
  const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 }
  const cases: string[] = []
  const add = (name: string, ms: number | null, body = '') => {
    counts.tests++
    cases.push(
      `    <testcase classname="${attr(entry.display)}" name="${attr(name)}" time="${seconds(ms ?? 0)}"${body ? `>\n      ${body}\n    </testcase>` : '/>'}`,
    )
  }
  const error = (message: string, text: string) => {
    counts.errors++
    return `<error message="${attr(message)}" type="shardless">${text ? content(text) : ''}</error>`
  }
  const payload = entry.payload
  if (payload?.error) {
    add(
      '(file)',
      entry.durationMs,
      error(firstLine(payload.error.message), payload.error.stack ?? payload.error.message),
    )
  }
  for (const test of payload?.tests ?? []) {
    if (test.status === 'failed') {
      counts.failures++
      const text = failureText(test.failureMessages)
      add(
        test.name,
        test.durationMs,
        `<failure message="${attr(firstLine(text))}" type="failure">${content(text)}</failure>`,
      )
    } else if (test.status === 'skipped' || test.status === 'todo') {
      counts.skipped++
      add(test.name, test.durationMs, test.status === 'todo' ? '<skipped message="todo"/>' : '<skipped/>')
    } else add(test.name, test.durationMs)
  }
  if (counts.tests === 0) {
    if (entry.outcome === 'lost')
      add(
        entry.file,
        null,
        error('lost: every lease of this file expired (its machines crashed, hung or were killed)', ''),
      )
    else if (entry.outcome === null)
      add(entry.file, null, error('no result: the build ended before this file finished', ''))
    else if (entry.outcome === 'failed')
      add(entry.file, entry.durationMs, error('failed (no test results were recorded)', ''))
    else if (entry.outcome === 'skipped') {
      counts.skipped++
      add(entry.file, entry.durationMs, '<skipped/>')
    } else add(entry.file, entry.durationMs)
  }
  const props = [
    ['shardless.outcome', entry.outcome ?? 'none'],
    ['shardless.worker', entry.worker ?? ''],
    ['shardless.attempts', String(entry.attempts.filter((a) => a.durationMs !== null).length)],
    ['shardless.flaky', String(entry.flaky)],
  ]
  const xml = [
    `  <testsuite name="${attr(entry.display)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(entry.durationMs ?? 0)}"${entry.worker ? ` hostname="${attr(entry.worker)}"` : ''}>`,
    `    <properties>${props.map(([name, value]) => `<property name="${name}" value="${attr(value!)}"/>`).join('')}</properties>`,
    ...cases,
    '  </testsuite>',
  ].join('\n')
  return { counts, xml }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim()
      .slice(0, 500) ?? ''
  )
}

/** XML 1.0 cannot carry most control characters at all (not even escaped): drop them, then escape. */
function clean(text: string): string {
  return [...stripAnsi(text)]
    .filter(allowedInXml)
    .join('')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
}

/** The XML 1.0 Char production: tab, newline, carriage return, and everything from space up except lone surrogates. */
function allowedInXml(char: string): boolean {
  const c = char.codePointAt(0)!
  return (
    c === 0x9 ||
    c === 0xa ||
    c === 0xd ||
    (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    c >= 0x10000
  )
}

function attr(text: string): string {
  return clean(text)
    .replaceAll('"', '&quot;')
    .replaceAll('\n', '&#10;')
    .replaceAll('\r', '&#13;')
    .replaceAll('\t', '&#9;')
}

function content(text: string): string {
  return clean(text)
}
