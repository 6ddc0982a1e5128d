import { randomUUID } from 'node:crypto'
import { type BuildSnapshot, RedisStore, TIMING_ALPHA, timingSamples } from '@shardless/queue-core'
import { command, type Framework, frameworkVersion, runMachines, writeProject } from './fixtures.js'
import { SUITE_SEED } from './makespan.js'
import { benchBuild, deleteKeys, rawClient } from './redis.js'
import type { BenchOptions, Section } from './section.js'
import { round, sum } from './stats.js'
import { generateSuite, lowerBound } from './suite.js'

const SLOTS = 2

/**
 * Real `vitest run` and `jest` processes on a generated sleep suite: the framework's own `--shard=i/N` against
 * the adapter draining one queue (cold history, then warm after recording the cold build's timings).
 */
export async function frameworks({ quick, redisUrl }: BenchOptions): Promise<Section> {
  const totalMs = quick ? 20_000 : 60_000
  const counts = quick ? [2] : [2, 4]
  const suite = generateSuite({ files: 200, totalMs, seed: SUITE_SEED })
  const files = suite.map((f) => ({ ...f, kind: 'sleep' as const }))
  const rows: (string | number)[][] = []
  const results: {
    framework: Framework
    machines: number
    strategy: string
    makespanMs: number
    spreadMs: number
    lowerBoundMs: number
    ratioToLb: number
    machineExitMs: number[]
    cpuMs: number
    startLagMs: number | null
  }[] = []
  const notes: string[] = []
  const builds: string[] = []
  const suites: string[] = []
  const admin = rawClient(redisUrl)
  try {
    for (const framework of ['vitest', 'jest'] as Framework[]) {
      const dir = writeProject(framework, 'sleep', files, true)
      // One unmeasured run warms the transform caches, which every later run (static or queue) then shares.
      await runMachines(dir, [{ args: command(framework, false, ['--shard=1/8']) }])
      for (const count of counts) {
        const lb = lowerBound(suite, count * SLOTS)
        const suiteName = `bench-${framework}-${randomUUID().slice(0, 8)}`
        suites.push(suiteName)
        const queue = async (label: string) => {
          const build = benchBuild(`${framework}-${label}${count}`)
          builds.push(build)
          const runs = await runMachines(
            dir,
            Array.from({ length: count }, (_, i) => ({
              args: command(framework, true),
              env: {
                SHARDLESS_REDIS_URL: redisUrl,
                SHARDLESS_BUILD: build,
                SHARDLESS_SUITE: suiteName,
                SHARDLESS_MACHINE: `m${i + 1}`,
              },
            })),
          )
          const store = new RedisStore({ url: redisUrl, build, suite: suiteName })
          try {
            const snapshot = await store.snapshot(60_000)
            // The report step's job, done here so the warm build has history: the cold build's durations.
            if (label === 'cold') await store.recordTimings(timingSamples(snapshot), TIMING_ALPHA)
            return { runs, startLagMs: startLag(snapshot) }
          } finally {
            await store.close()
          }
        }
        const shard = await runMachines(
          dir,
          Array.from({ length: count }, (_, i) => ({
            args: command(framework, true, [`--shard=${i + 1}/${count}`]),
          })),
        )
        const cold = await queue('cold')
        const warm = await queue('warm')
        for (const [strategy, runs, startLagMs] of [
          [`${framework} --shard`, shard, null],
          ['shardless cold', cold.runs, cold.startLagMs],
          ['shardless warm', warm.runs, warm.startLagMs],
        ] as const) {
          const exits = runs.map((r) => r.exitMs)
          const makespanMs = Math.max(...exits)
          const spreadMs = makespanMs - Math.min(...exits)
          rows.push([
            framework,
            count,
            strategy,
            round(makespanMs / 1000, 2),
            round(spreadMs / 1000, 2),
            round(lb / 1000, 2),
            round(makespanMs / lb, 3),
            round(sum(runs.map((r) => r.cpuMs)) / 1000, 1),
            startLagMs === null ? '–' : round(startLagMs),
          ])
          results.push({
            framework,
            machines: count,
            strategy,
            makespanMs: round(makespanMs),
            spreadMs: round(spreadMs),
            lowerBoundMs: round(lb),
            ratioToLb: round(makespanMs / lb, 3),
            machineExitMs: exits.map((e) => round(e)),
            cpuMs: round(sum(runs.map((r) => r.cpuMs))),
            startLagMs: startLagMs === null ? null : round(startLagMs),
          })
        }
      }
    }
    for (const r of results.filter((r) => r.strategy === 'shardless warm')) {
      const static_ = results.find(
        (s) => s.framework === r.framework && s.machines === r.machines && s.strategy.endsWith('--shard'),
      )!
      const change = (1 - r.makespanMs / static_.makespanMs) * 100
      notes.push(
        `${r.framework}, N=${r.machines}: shardless warm finished ${round(Math.abs(change), 1)} % ${change >= 0 ? 'sooner' : 'later'} than ${static_.strategy}; its machines ended ${round(r.spreadMs)} ms apart, the --shard machines ${round(static_.spreadMs)} ms apart.`,
      )
    }
  } finally {
    await deleteKeys(admin, builds, suites)
    admin.disconnect()
  }
  return {
    id: 'frameworks',
    title: 'Real Vitest and Jest: --shard vs shardless',
    method: `The makespan suite's typical durations (200 files, Σ ${totalMs / 1000} s, one sleeping test per file, files padded to their sizes) as a Vitest ${frameworkVersion('vitest')} project (\`pool: 'threads', isolate: false\`: with a fresh fork per file, this 2-core machine spends about 250 ms of CPU per file starting workers, which swamps the sleeps for every strategy alike) and a Jest ${frameworkVersion('jest')} project, maxWorkers ${SLOTS}. N machine processes start together; makespan = last machine's exit, spread = last − first exit, both from spawn, so boot and teardown count as they do in CI. \`--shard\` rows run the framework's own \`--shard=i/N\`; shardless rows run the same command with SHARDLESS_REDIS_URL/SHARDLESS_BUILD (cold: empty history; warm: after recording the cold build's durations with recordTimings(timingSamples(snapshot)), as the report step does). CPU s = user + system CPU of all machines' process trees (bash \`times\`): the same work in every row, so a row whose makespan grew while its CPU did not was slowed by other processes on the host. Start lag (shardless rows) = from the first file start on any machine to the last machine's first file start, from the queue's attempt log: how long the followers took to see the populated queue. One unmeasured run first warms the transform caches.`,
    table: {
      columns: [
        'framework',
        'N',
        'strategy',
        'makespan s',
        'spread s',
        'LB s',
        '÷ LB',
        'CPU s',
        'start lag ms',
      ],
      rows,
    },
    json: { files: suite.length, totalMs, slots: SLOTS, results },
    notes,
    targets: results
      .filter((r) => r.strategy === 'shardless warm')
      .map((r) => {
        const static_ = results.find(
          (s) => s.framework === r.framework && s.machines === r.machines && s.strategy.endsWith('--shard'),
        )!
        return {
          target: `${r.framework}, N=${r.machines}: shardless warm ≤ 1.05 × LB (boot included)`,
          measured: `${r.ratioToLb} × LB (--shard: ${static_.ratioToLb} ×)`,
          met: r.ratioToLb <= 1.05,
        }
      }),
  }
}

/** From the first file start on any machine to the last machine's first file start (starts = ack time − duration). */
function startLag(snapshot: BuildSnapshot): number {
  const first = new Map<string, number>()
  for (const record of snapshot.log) {
    if (record.durationMs === undefined || record.worker === undefined) continue
    const start = record.at - record.durationMs
    first.set(record.worker, Math.min(first.get(record.worker) ?? start, start))
  }
  return Math.max(...first.values()) - Math.min(...first.values())
}
