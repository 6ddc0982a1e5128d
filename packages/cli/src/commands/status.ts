import {
  displayEntry,
  ExitCode,
  type RedisStore,
  type ResolvedConfig,
  systemClock,
} from '@shardless/queue-core'
import pc from 'picocolors'
import { resolveTarget, seconds, type TargetFlags } from '../config.js'
import { buildReport } from '../model.js'
import { duration, table } from '../output/format.js'
import { openBuild } from '../store.js'
import type { Io } from './io.js'

export interface StatusFlags extends TargetFlags {
  watch?: boolean
  interval?: string
}

/** `shardless status`: where the build stands (progress, leases in flight, machines, ETA), once or until done. */
export async function status(flags: StatusFlags, io: Io): Promise<number> {
  const config = resolveTarget(flags, io.env, io.cwd)
  const intervalMs = seconds(flags.interval, '--interval', 2)
  const store = await openBuild(config)
  const redraw = io.stdout.isTTY === true
  try {
    for (;;) {
      const { text, finished, exists } = await render(store, config)
      io.stdout.write(flags.watch && redraw ? `\u001b[H\u001b[2J${text}` : `${text}\n`)
      if (!flags.watch) return exists ? ExitCode.passed : ExitCode.noLeader
      if (finished) return ExitCode.passed
      await systemClock.sleep(intervalMs)
    }
  } finally {
    await store.close()
  }
}

async function render(store: RedisStore, config: ResolvedConfig) {
  const state = await store.state()
  const head = `${pc.bold('shardless status')}  ${pc.dim(`build ${config.build} · suite ${config.suite}`)}`
  if (state.status !== 'ready') {
    const why =
      state.status === 'absent'
        ? 'no queue yet: no machine has joined this build (or its keys expired)'
        : `being populated by ${state.leader} (setup heartbeat ${duration(state.setupAgeMs)} ago)`
    return { text: `${head}\n  ${why}`, finished: false, exists: state.status === 'setup' }
  }
  const [snapshot, live] = await Promise.all([store.snapshot(config.leaseMs), store.live()])
  const report = buildReport(config.build, config.suite, snapshot)
  const p = snapshot.progress
  const lines = [head]
  const counts = [
    `${p.passed} passed`,
    p.failed ? pc.red(`${p.failed} failed`) : '',
    p.skipped ? `${p.skipped} skipped` : '',
    p.lost ? pc.red(`${p.lost} lost`) : '',
  ].filter(Boolean)
  lines.push(
    `  ${pc.bold(`${p.done}/${p.total} files done`)} (${counts.join(' · ')}) · ${p.leased} running · ${p.pending} queued${p.requeued ? ` · ${p.requeued} requeued` : ''}${p.expired ? ` · ${p.expired} leases expired` : ''}${p.stale ? ` · ${p.stale} duplicates dropped` : ''}`,
  )
  const elapsed = report.startedAt === null ? null : live.now - report.startedAt
  lines.push(
    `  ${p.liveWorkers} machines alive · elapsed ${duration(elapsed)}${p.done < p.total ? ` · ETA ${eta(report.entries, elapsed)}` : ''}${p.cancelled ? pc.yellow(` · cancelled: ${p.cancelled}`) : ''}`,
  )
  if (live.leases.length) {
    const rows = live.leases
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((lease) => [
        displayEntry(lease.entry),
        lease.worker,
        duration(live.now - lease.startedAt),
        `attempt ${lease.attempt}`,
        lease.deadline >= live.now
          ? pc.dim(`lease ok, ${duration(lease.deadline - live.now)} left`)
          : pc.yellow(
              `lease expired ${duration(live.now - lease.deadline)} ago: its machine stopped heartbeating`,
            ),
      ])
    lines.push('', pc.bold('Running now'), table(rows))
  }
  if (report.machines.length) {
    const rows = [
      ['machine', 'slots', 'files', 'busy', 'heartbeat'].map((h) => pc.dim(h)),
      ...report.machines.map((m) => {
        const beat = live.heartbeats[m.name]
        return [
          m.name,
          String(m.slots),
          String(m.files),
          duration(m.busyMs),
          m.exited
            ? 'exited'
            : beat === undefined
              ? pc.yellow('never')
              : live.now - beat > config.leaseMs
                ? pc.yellow(`${duration(live.now - beat)} ago (dead?)`)
                : `${duration(live.now - beat)} ago`,
        ]
      }),
    ]
    lines.push('', pc.bold('Machines'), table(rows))
  }
  const finished = p.done >= p.total || (p.cancelled !== null && p.leased === 0)
  return { text: lines.join('\n'), finished, exists: true }
}

/** Remaining estimated work over the rate finished work went at (weights are the LPT estimates). */
function eta(entries: { weight: number; outcome: string | null }[], elapsedMs: number | null): string {
  const done = entries.filter((e) => e.outcome !== null).reduce((sum, e) => sum + e.weight, 0)
  const left = entries.filter((e) => e.outcome === null).reduce((sum, e) => sum + e.weight, 0)
  if (!elapsedMs || done === 0) return '–'
  return `≈ ${duration((left / done) * elapsedMs)}`
}
