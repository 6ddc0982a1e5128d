import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ConfigError } from '@shardless/queue-core'
import type { Io } from '../commands/io.js'
import type { BuildReport } from '../model.js'
import type { Verdict } from '../verdict.js'
import { renderHtml } from './html.js'
import { renderJson } from './json.js'
import { renderJunit } from './junit.js'
import { renderMarkdown } from './markdown.js'

export interface OutputFlags {
  junit?: string
  json?: string
  summaryMd?: string
  html?: string
}

/**
 * Writes every report file asked for. GitHub's $GITHUB_STEP_SUMMARY gets the markdown appended (other steps
 * write there too) even without --summary-md; any other path is overwritten.
 */
export async function writeOutputs(
  report: BuildReport,
  verdict: Verdict,
  flags: OutputFlags,
  io: Io,
): Promise<void> {
  const stepSummary = io.env.GITHUB_STEP_SUMMARY ? resolve(io.cwd, io.env.GITHUB_STEP_SUMMARY) : null
  const outputs: [string | undefined, string, string, (r: BuildReport, v: Verdict) => string][] = [
    [flags.junit, '--junit', 'JUnit XML', renderJunit],
    [flags.json, '--json', 'JSON report', renderJson],
    [flags.summaryMd, '--summary-md', 'step summary', renderMarkdown],
    [flags.html, '--html', 'HTML timeline', renderHtml],
  ]
  for (const [path, flag, what, render] of outputs) {
    if (path === undefined) continue
    const file = resolve(io.cwd, path)
    if (file === stepSummary) continue
    await written(flag, path, async () => {
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, render(report, verdict))
    })
    io.stderr.write(`shardless: wrote ${what} to ${path}\n`)
  }
  if (stepSummary) {
    await written('GITHUB_STEP_SUMMARY', stepSummary, () =>
      appendFile(stepSummary, renderMarkdown(report, verdict)),
    )
    io.stderr.write('shardless: appended the summary to $GITHUB_STEP_SUMMARY\n')
  }
}

/** A file CI expects but cannot get is a usage error naming the flag, not a stack trace. */
async function written(flag: string, path: string, write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (error) {
    throw new ConfigError(
      flag,
      `cannot write ${path}: ${error instanceof Error ? error.message : String(error)}.`,
    )
  }
}
