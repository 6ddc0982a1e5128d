import { ConfigError, decodePayload, displayEntry } from '@shardless/queue-core'
import { type ResolvedTarget, resolveTarget, seconds, type TargetFlags } from '../config.js'
import { recordHistory } from '../history.js'
import { jestCoverage } from '../jest-coverage.js'
import { type BuildReport, buildReport } from '../model.js'
import { writeOutputs } from '../output/files.js'
import { progressSink } from '../output/progress.js'
import { renderSummary } from '../output/terminal.js'
import { openBuild, suitesOfBuild } from '../store.js'
import { decide } from '../verdict.js'
import { mergeVitestReports } from '../vitest-merge.js'
import { waitForBuild } from '../wait.js'
import type { Io } from './io.js'

export interface ReportFlags extends TargetFlags {
  wait?: boolean
  timeout?: string
  inactivity?: string
  junit?: string
  json?: string
  summaryMd?: string
  html?: string
  timingsFile?: string
  history?: boolean
  mergeReports?: string | true
  coverage?: string | true
  coverageThreshold?: string
}

/** `shardless report`: waits for the build, prints its one summary, writes the files asked for; returns the exit code. */
export async function report(flags: ReportFlags, io: Io, vitestArgs: string[] = []): Promise<number> {
  const config = resolveTarget(flags, io.env, io.cwd)
  const blobDir = blobDirOf(flags, config, vitestArgs)
  if (flags.coverageThreshold !== undefined && flags.coverage === undefined) {
    throw new ConfigError('--coverage-threshold', 'only applies with --coverage (Jest builds).')
  }
  const timeoutMs = seconds(flags.timeout, '--timeout', 0)
  const inactivityMs = seconds(flags.inactivity, '--inactivity', 60)
  const store = await openBuild(config)
  try {
    const sink = progressSink(io.stderr, io.env)
    const started = Date.now()
    const result = await waitForBuild(store, {
      wait: flags.wait === true,
      queueInitTimeoutMs: config.queueInitTimeoutMs,
      timeoutMs,
      livenessMs: config.leaseMs,
      inactivityMs,
      onProgress: sink.progress,
      onWaiting: sink.waiting,
    }).finally(sink.close)
    const waited = Date.now() - started
    const populated = result.end !== 'not-populated' && result.end !== 'fallback'
    const snapshot = populated
      ? await store.snapshot(config.leaseMs)
      : {
          state: await store.state(),
          entries: [],
          outcomes: {},
          results: {},
          log: [],
          workers: {},
        }
    const model = buildReport(config.build, config.suite, snapshot)
    for (const [id, text] of Object.entries(snapshot.results)) {
      // The outcome still counts (it has its own key); only the per-test detail is unreadable.
      if (text && decodePayload(text) === null) {
        io.stderr.write(
          `shardless: the result of ${displayEntry(id)} in Redis is not a shardless result (corrupted, or written by another tool); its tests are missing from this report. Re-run the build to get them.\n`,
        )
      }
    }
    const verdict = decide(model, result.end, waited, result.fallback)
    if (result.end === 'not-populated') io.stderr.write(await notPopulatedHint(config))
    for (const note of result.fallback ?? []) {
      io.stdout.write(
        `  ${note.machine}: static share ${note.index + 1} of ${note.total}, ${note.files} files, ${note.failed} failed\n`,
      )
    }
    io.stdout.write(renderSummary(model, verdict))
    await writeOutputs(model, verdict, flags, io)
    // Only a complete build teaches the next one its durations; a partial one would skew toward the fast files.
    if (result.end === 'done' && flags.history !== false) {
      const timingsFile = flags.timingsFile ?? config.timingsFile
      io.stderr.write(`${await recordHistory(store, config, snapshot, timingsFile, io.cwd)}\n`)
    }
    if (!populated) return verdict.exitCode
    // The framework's own checks on the merged build (e.g. a coverage threshold) fail a build that was green.
    let frameworkFailed = false
    if (blobDir !== null) frameworkFailed = (await mergeStep(model, blobDir, vitestArgs, io)) !== 0
    if (flags.coverage !== undefined) {
      if (model.framework !== 'jest') {
        throw new ConfigError(
          '--coverage',
          'merges Jest coverage; for Vitest hand it to the blob merge: --merge-reports <dir> -- --coverage.',
        )
      }
      const dir = flags.coverage === true ? 'coverage' : flags.coverage
      const thresholds = flags.coverageThreshold
      frameworkFailed ||= (await jestCoverage(model, { dir, cwd: io.cwd, thresholds, io })) !== 0
    }
    return verdict.exitCode === 0 && frameworkFailed ? 1 : verdict.exitCode
  } finally {
    await store.close()
  }
}

/** Checked before waiting, so a mistake costs seconds, not the whole build. */
function blobDirOf(flags: ReportFlags, config: ResolvedTarget, vitestArgs: string[]): string | null {
  if (flags.mergeReports === undefined) {
    if (vitestArgs.length) {
      throw new ConfigError(
        `argument ${JSON.stringify(vitestArgs[0])}`,
        'report takes no arguments; extra arguments after -- are for vitest with --merge-reports <dir>.',
      )
    }
    return null
  }
  const dir = flags.mergeReports === true ? config.blobDir : flags.mergeReports
  if (dir === null) {
    throw new ConfigError(
      '--merge-reports',
      'name the directory of the blob files: --merge-reports <dir> (or set SHARDLESS_BLOB_DIR).',
    )
  }
  return dir
}

async function mergeStep(model: BuildReport, blobDir: string, vitestArgs: string[], io: Io): Promise<number> {
  if (model.framework === 'jest') {
    throw new ConfigError('--merge-reports', 'merges Vitest blob reports, but this build ran Jest.')
  }
  const { exitCode, counts } = await mergeVitestReports(model, { blobDir, cwd: io.cwd, vitestArgs, io })
  const notes = [
    counts.dropped && `${counts.dropped} duplicate or requeued runs dropped`,
    counts.synthesized &&
      `${counts.synthesized} rebuilt from acks (their machine died before writing its blob; their coverage is lost)`,
    counts.missing && `${counts.missing} missing (no blob and no acked task)`,
  ].filter(Boolean)
  io.stderr.write(
    `shardless: vitest --merge-reports over ${counts.kept} files from the machines' blobs${notes.map((n) => `, ${n}`).join('')}; vitest exited ${exitCode}\n`,
  )
  return exitCode
}

async function notPopulatedHint(config: ResolvedTarget): Promise<string> {
  const suites = (await suitesOfBuild(config)).filter((s) => s !== config.suite)
  const fix = suites.length
    ? `this build id has suites: ${suites.join(', ')} (pass --suite or SHARDLESS_SUITE)`
    : "check the build id (--build / SHARDLESS_BUILD) matches the machines'. Machines that could not reach Redis ran the static fallback split instead (their logs say 'shardless: FALLBACK'); their own exit codes are the verdict then"
  return `shardless: build ${config.build} has no populated queue for suite ${config.suite}; ${fix}.\n`
}
