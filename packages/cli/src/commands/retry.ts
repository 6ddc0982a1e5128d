import { ConfigError, displayEntry, type EntryInput, ExitCode, joinBuild } from '@shardless/queue-core'
import { resolveTarget, type TargetFlags } from '../config.js'
import { buildReport } from '../model.js'
import { openBuild } from '../store.js'
import type { Io } from './io.js'

export interface RetryFlags extends TargetFlags {
  from?: string
}

/**
 * `shardless retry --build NEW --from PREVIOUS`: populates NEW with only PREVIOUS's files that did not pass
 * (failed, lost, or never finished), so a CI re-run of all machines spreads just those across all of them.
 *
 * The queue is committed under PREVIOUS's digest, the fingerprint of the full discovered file list: machines of
 * the re-run discover that same list, so their check passes and they drain only the queued subset. Run it
 * before the machines start; a machine that populated NEW first (with everything) makes this a clear error.
 */
export async function retry(flags: RetryFlags, io: Io): Promise<number> {
  const config = resolveTarget(flags, io.env, io.cwd)
  if (!flags.from) throw new ConfigError('--from', 'name the build to retry: --from <previous build id>.')
  const previous = resolveTarget({ ...flags, build: flags.from }, io.env, io.cwd)
  if (previous.build === config.build) {
    throw new ConfigError(
      '--from',
      `must differ from --build (${config.build}): a retry goes into a new build id.`,
    )
  }
  const old = await openBuild(previous)
  let entries: EntryInput[]
  let digest: string
  try {
    const snapshot = await old.snapshot(config.leaseMs).catch(() => null)
    if (!snapshot || snapshot.state.status !== 'ready' || snapshot.state.digest === null) {
      io.stderr.write(
        `shardless: build ${previous.build} (suite ${previous.suite}) has no populated queue to retry from (never run, or its keys expired).\n`,
      )
      return ExitCode.noLeader
    }
    digest = snapshot.state.digest
    const report = buildReport(previous.build, previous.suite, snapshot)
    // Weigh each retry by what it took last time, so the longest failure still starts first.
    entries = report.entries
      .filter((e) => e.outcome !== 'passed' && e.outcome !== 'skipped')
      .map((e) => ({ id: e.id, weight: e.durationMs ?? e.weight }))
  } finally {
    await old.close()
  }
  if (entries.length === 0) {
    io.stdout.write(
      `shardless: nothing to retry: every file of ${previous.build} passed or was skipped. ${config.build} is left for the machines to populate in full.\n`,
    )
    return ExitCode.passed
  }
  const store = await openBuild(config)
  try {
    const joined = await joinBuild(store, {
      machine: `shardless-retry-${process.pid}`,
      entries,
      digest,
      policy: config,
      queueInitTimeoutMs: config.queueInitTimeoutMs,
      setupStaleMs: config.setupStaleMs,
    })
    // Another `shardless retry` of the same builds may have populated it first; machines populating everything
    // may not.
    if (!joined.populated && joined.total !== entries.length) {
      throw new ConfigError(
        '--build',
        `${config.build} was already populated with ${joined.total} files, not with the ${entries.length} to retry: run shardless retry before the machines start, or use a new build id.`,
      )
    }
  } finally {
    await store.close()
  }
  io.stdout.write(
    `shardless: build ${config.build} populated with the ${entries.length} file(s) of ${previous.build} that did not pass:\n${entries.map((e) => `  ${displayEntry(e.id)}`).join('\n')}\n`,
  )
  return ExitCode.passed
}
