import { randomUUID } from 'node:crypto'
import { entryId, lptSplit, RedisStore, TIMING_ALPHA } from '@shardless/queue-core'
import type { Timeline } from './chart.js'
import { type FleetMachine, type FleetRun, runFleet, timeline } from './fleet.js'
import { benchBuild, deleteKeys, rawClient } from './redis.js'
import type { BenchOptions, Section } from './section.js'
import { round, sum } from './stats.js'
import { anotherRun, frameworkShard, generateSuite, lowerBound, type SuiteFile } from './suite.js'

const SLOTS = 2
export const SUITE_SEED = 6
/** The machine count whose timelines go into the chart. */
const CHARTED = 4

/** The latest of one per-machine moment, or '–' where machines have no such moment (static runs never join). */
function slowest(
  run: FleetRun,
  moment: (machine: FleetRun['machines'][number]) => number | null,
): number | string {
  const values = run.machines.map(moment).filter((v): v is number => v !== null)
  return values.length ? round(Math.max(...values)) : '–'
}

export type Strategy =
  | 'vitest --shard'
  | 'jest --shard'
  | 'static LPT'
  | 'shardless cold'
  | 'shardless warm'
  | 'static LPT, staggered boot'
  | 'shardless warm, staggered boot'

/** Queue-mode machines: the SHARDLESS_* environment every adapter reads, one build for the whole fleet. */
export function queueFleet(
  suite: SuiteFile[],
  count: number,
  env: { redisUrl: string; build: string; suite: string; leaseMs: number },
  delays: number[] = [],
): FleetMachine[] {
  const files = suite.map((f): [string, number, number] => [f.path, f.ms, f.bytes])
  return Array.from({ length: count }, (_, i) => ({
    name: `m${i + 1}`,
    spec: { mode: 'queue', slots: SLOTS, files, delayMs: delays[i] ?? 0 },
    env: {
      SHARDLESS_REDIS_URL: env.redisUrl,
      SHARDLESS_BUILD: env.build,
      SHARDLESS_SUITE: env.suite,
      SHARDLESS_MACHINE: `m${i + 1}`,
      SHARDLESS_LEASE_MS: String(env.leaseMs),
    },
  }))
}

function staticFleet(suite: SuiteFile[], lists: string[][], delays: number[] = []): FleetMachine[] {
  const files = suite.map((f): [string, number, number] => [f.path, f.ms, f.bytes])
  return lists.map((list, i) => ({
    name: `m${i + 1}`,
    spec: { mode: 'static', slots: SLOTS, files, list, delayMs: delays[i] ?? 0 },
  }))
}

/**
 * Records a previous build's durations as the suite's timing history (what the report step does with
 * `timingSamples` of a finished build) and returns the history populate will read.
 */
export async function recordHistory(
  redisUrl: string,
  suiteName: string,
  previous: SuiteFile[],
): Promise<Record<string, number>> {
  const store = new RedisStore({ url: redisUrl, build: 'history', suite: suiteName })
  try {
    await store.recordTimings(
      Object.fromEntries(previous.map((f) => [entryId('', f.path), f.ms])),
      TIMING_ALPHA,
    )
    return await store.timings()
  } finally {
    await store.close()
  }
}

/**
 * The same 200-file suite on N machine processes × 2 slots, five ways in one run: the frameworks' own static
 * `--shard` split, a static LPT split from last run's timings, and shardless with cold and warm history.
 */
export async function makespan({ quick, redisUrl }: BenchOptions): Promise<Section> {
  const totalMs = quick ? 16_000 : 40_000
  const typical = generateSuite({ files: 200, totalMs, seed: SUITE_SEED })
  // The timing history comes from a previous build; this build's durations differ from it, as they do in CI.
  const previous = anotherRun(typical, 1)
  const suite = anotherRun(typical, 2)
  const counts = [2, 4, 8]
  const rows: (string | number)[][] = []
  const results: { machines: number; strategy: Strategy; makespanMs: number; [field: string]: unknown }[] = []
  const timelines: Timeline[] = []
  const builds: string[] = []
  const suites: string[] = []
  const warm: { count: number; run: FleetRun; lb: number; longest: number }[] = []
  const admin = rawClient(redisUrl)
  try {
    for (const count of counts) {
      const suiteName = `bench-makespan-${randomUUID().slice(0, 8)}`
      suites.push(suiteName)
      const lb = lowerBound(suite, count * SLOTS)
      const queueRun = async (label: string, delays: number[] = []) => {
        const build = benchBuild(`${label}${count}`)
        builds.push(build)
        return runFleet(
          queueFleet(suite, count, { redisUrl, build, suite: suiteName, leaseMs: 10_000 }, delays),
        )
      }
      const cold = await queueRun('cold')
      const history = await recordHistory(redisUrl, suiteName, previous)
      const byPath = new Map(suite.map((f) => [entryId('', f.path), f.path]))
      const lpt = lptSplit(
        suite.map((f) => ({ id: entryId('', f.path), weight: history[entryId('', f.path)] ?? 1 })),
        count,
      ).map((ids) => ids.map((id) => byPath.get(id)!))
      const shards = (framework: 'vitest' | 'jest') =>
        Array.from({ length: count }, (_, i) =>
          frameworkShard(suite, i + 1, count, framework).map((f) => f.path),
        )
      const runs: [Strategy, FleetRun, number][] = [
        ['vitest --shard', await runFleet(staticFleet(suite, shards('vitest'))), lb],
        ['jest --shard', await runFleet(staticFleet(suite, shards('jest'))), lb],
        ['static LPT', await runFleet(staticFleet(suite, lpt)), lb],
        ['shardless cold', cold, lb],
        ['shardless warm', await queueRun('warm'), lb],
      ]
      warm.push({ count, run: runs[4]![1], lb, longest: Math.max(...suite.map((f) => f.ms)) })
      if (count === CHARTED) {
        // Machine i boots i × 5 % of the ideal makespan after the first; each slot is unavailable until then.
        const delays = Array.from({ length: count }, (_, i) => Math.round(i * 0.05 * lb))
        const staggeredLb = Math.max(lb, (lb * count * SLOTS + SLOTS * sum(delays)) / (count * SLOTS))
        runs.push(
          ['static LPT, staggered boot', await runFleet(staticFleet(suite, lpt, delays)), staggeredLb],
          ['shardless warm, staggered boot', await queueRun('stagger', delays), staggeredLb],
        )
      }
      for (const [strategy, run, lb] of runs) {
        rows.push([
          count,
          strategy,
          round(run.makespanMs / 1000, 2),
          round(run.spreadMs / 1000, 2),
          `${round((run.spreadMs / run.makespanMs) * 100, 1)} %`,
          round(lb / 1000, 2),
          round(run.makespanMs / lb, 3),
          slowest(run, (m) => m.joinedMs),
          slowest(run, (m) => m.files[0]?.startMs ?? null),
        ])
        results.push({
          machines: count,
          strategy,
          makespanMs: round(run.makespanMs),
          spreadMs: round(run.spreadMs),
          lowerBoundMs: round(lb),
          ratioToLb: round(run.makespanMs / lb, 3),
          machineFinishMs: run.machines.map((m) => round(m.lastEndMs)),
          joinedMs: run.machines.map((m) => (m.joinedMs === null ? null : round(m.joinedMs))),
          firstStartMs: run.machines.map((m) => round(m.files[0]?.startMs ?? 0)),
        })
        if (count === CHARTED && strategy !== 'jest --shard' && strategy !== 'shardless cold') {
          timelines.push(timeline(`${strategy} (${count} machines × ${SLOTS} slots)`, run, lb))
        }
      }
    }
  } finally {
    await deleteKeys(admin, builds, suites)
    admin.disconnect()
  }
  const sorted = suite.map((f) => f.ms).sort((a, b) => a - b)
  return {
    id: 'makespan',
    title: 'Makespan vs static shards (queue level, sleep files)',
    method: `A generated suite of ${suite.length} files (seed ${SUITE_SEED}): log-normal durations (σ 0.7) plus 3 outliers 6× a typical file, scaled to Σ ${totalMs / 1000} s; this build's durations are redrawn around those (σ 0.25 per file), so the timing history (a previous build, another draw, recorded with store.recordTimings) is close but not exact. This build: p5→p95 ${round(sorted[Math.floor(sorted.length * 0.05)]!)}→${round(sorted[Math.floor(sorted.length * 0.95)]!)} ms, longest ${sorted.at(-1)} ms, Σ ${round(sum(sorted) / 1000, 1)} s. Each file is a sleep. N machine processes × ${SLOTS} slots start together once all of them have booted. The \`--shard\` rows reproduce Vitest 4.1's and Jest 30's own split (sha1 of the path — Vitest hashes \`/tests/…\`, Jest \`tests/…\` — cut into contiguous slices; larger files first inside a shard, as both sort without a results cache); static LPT is lptSplit over the timing history; shardless machines run resolveConfig → openSession → drain against Redis (cold: weights from file size only; warm: the timing history). Makespan = end of the last file; spread = latest − earliest machine finish; LB = max(Σd ÷ (N × ${SLOTS}), longest file) of this build's durations; slowest join = when the last machine's openSession returned (connect, timing history, populate or wait for the populated queue); slowest 1st file = when the last machine started its first file. The two *staggered boot* rows (N = ${CHARTED}) start machine i at i × 5 % of the ideal makespan, as CI runners come up one after another; their LB adds the slot time lost before each machine starts.`,
    table: {
      columns: [
        'N',
        'strategy',
        'makespan s',
        'spread s',
        'spread %',
        'LB s',
        '÷ LB',
        'slowest join ms',
        'slowest 1st file ms',
      ],
      rows,
    },
    json: { files: suite.length, totalMs, slots: SLOTS, results },
    notes: comparisons(results),
    timelines,
    targets: warm.flatMap(({ count, run, lb, longest }) => [
      {
        target: `N=${count}: shardless warm ≤ 1.05 × LB`,
        measured: `${round(run.makespanMs / lb, 3)} × LB`,
        met: run.makespanMs <= 1.05 * lb,
      },
      {
        target: `N=${count}: spread ≤ 5 % of makespan or ≤ the longest file (${round(longest)} ms)`,
        measured: `${round(run.spreadMs)} ms (${round((run.spreadMs / run.makespanMs) * 100, 1)} %)`,
        met: run.spreadMs <= 0.05 * run.makespanMs || run.spreadMs <= longest,
      },
    ]),
  }
}

/** One sentence per machine count: how much sooner shardless warm finished than each static split. */
function comparisons(results: { machines: number; strategy: Strategy; makespanMs: number }[]): string[] {
  const counts = [...new Set(results.map((r) => r.machines))]
  return counts.map((count) => {
    const of = (strategy: Strategy) =>
      results.find((r) => r.machines === count && r.strategy === strategy)?.makespanMs ?? Number.NaN
    const warm = of('shardless warm')
    const versus = (['vitest --shard', 'jest --shard', 'static LPT'] as const).map((strategy) => {
      const change = (1 - warm / of(strategy)) * 100
      return `${round(Math.abs(change), 1)} % ${change >= 0 ? 'sooner' : 'later'} than ${strategy}`
    })
    return `N=${count}: shardless warm finished ${versus.join(', ')}.`
  })
}
