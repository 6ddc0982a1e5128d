import { ConfigError } from '@shardless/queue-core'
import { resolveTarget, type TargetFlags } from '../config.js'
import { recordHistory } from '../history.js'
import { buildReport } from '../model.js'
import { writeOutputs } from '../output/files.js'
import { progressSink } from '../output/progress.js'
import { renderSummary } from '../output/terminal.js'
import { openBuild, suitesOfBuild } from '../store.js'
import { decide } from '../verdict.js'
import { waitForBuild } from '../wait.js'
import type { Io } from './io.js'

export interface ReportFlags extends TargetFlags {
  wait?: boolean
  timeout?: number | string
  inactivity?: number | string
  junit?: string
  json?: string
  summaryMd?: string
  html?: string
  timingsFile?: string
  history?: boolean
}

/** `shardless report`: waits for the build, prints its one summary, writes the files asked for; returns the exit code. */
export async function report(flags: ReportFlags, io: Io): Promise<number> {
  const config = resolveTarget(flags, io.env, io.cwd)
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
    const snapshot =
      result.end === 'not-populated'
        ? {
            state: await store.state(),
            entries: [],
            outcomes: {},
            results: {},
            log: [],
            workers: {},
            progress: null,
          }
        : await store.snapshot(config.leaseMs)
    const model = buildReport(config.build, config.suite, snapshot)
    const verdict = decide(model, result.end, waited)
    if (verdict.status === 'not-populated') {
      const suites = (await suitesOfBuild(config)).filter((s) => s !== config.suite)
      io.stderr.write(
        `shardless: build ${config.build} has no populated queue for suite ${config.suite}${suites.length ? `; this build id has suites: ${suites.join(', ')} (pass --suite or SHARDLESS_SUITE)` : '; check the build id (--build / SHARDLESS_BUILD) matches the machines, and that they reached Redis'}.\n`,
      )
    }
    io.stdout.write(renderSummary(model, verdict))
    await writeOutputs(model, verdict, flags, io)
    // Only a complete build teaches the next one its durations; a partial one would skew toward the fast files.
    if (result.end === 'done' && flags.history !== false) {
      io.stderr.write(
        `${await recordHistory(store, config, snapshot, flags.timingsFile ?? config.timingsFile, io.cwd)}\n`,
      )
    }
    return verdict.exitCode
  } finally {
    await store.close()
  }
}

/** A seconds flag as milliseconds; names the flag when the value is not a number. */
export function seconds(value: number | string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback * 1000
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0)
    throw new ConfigError(flag, `${JSON.stringify(value)} must be a number of seconds (0 or more).`)
  return n * 1000
}
