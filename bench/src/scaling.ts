import { randomUUID } from 'node:crypto'
import { recordHistory, SUITE_SEED } from './makespan.js'
import { benchBuild, commandStats, deleteKeys, rawClient, statsDelta } from './redis.js'
import type { BenchOptions, Section } from './section.js'
import { runQueue } from './simulated.js'
import { preciseNow, round } from './stats.js'
import { anotherRun, generateSuite, lowerBound } from './suite.js'

const SLOTS = 2
const FILES_PER_SLOT = 12

/**
 * Weak scaling: 2 → 32 machines × 2 slots, each slot with the same amount of work, all simulated in this process
 * (one Redis connection per machine). Flat makespan and flat Redis cost per file mean the queue is not the limit.
 */
export async function scaling({ quick, redisUrl }: BenchOptions): Promise<Section> {
  const counts = quick ? [2, 8, 32] : [2, 4, 8, 16, 32]
  const msPerSlot = quick ? 1_000 : 2_500
  const rows: (string | number)[][] = []
  const results: Record<string, unknown>[] = []
  const builds: string[] = []
  const suites: string[] = []
  const admin = rawClient(redisUrl)
  try {
    for (const count of counts) {
      const slots = count * SLOTS
      const typical = generateSuite({
        files: FILES_PER_SLOT * slots,
        totalMs: msPerSlot * slots,
        seed: SUITE_SEED,
      })
      const suite = anotherRun(typical, 2)
      const files = suite.map((f): [string, number, number] => [f.path, f.ms, f.bytes])
      const suiteName = `bench-scaling-${randomUUID().slice(0, 8)}`
      const build = benchBuild(`scale${count}`)
      suites.push(suiteName)
      builds.push(build)
      await recordHistory(redisUrl, suiteName, anotherRun(typical, 1))
      const lastEnd = new Array<number>(count).fill(0)
      const firstStart = new Array<number>(count).fill(Number.POSITIVE_INFINITY)
      const before = await commandStats(admin)
      const t0 = preciseNow()
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          runQueue(
            {
              files,
              slots: SLOTS,
              onFile: (event) => {
                if (event.e === 'end') lastEnd[i] = Math.max(lastEnd[i]!, event.at - t0)
                else firstStart[i] = Math.min(firstStart[i]!, event.at - t0)
              },
            },
            {
              SHARDLESS_REDIS_URL: redisUrl,
              SHARDLESS_BUILD: build,
              SHARDLESS_SUITE: suiteName,
              SHARDLESS_MACHINE: `m${i + 1}`,
              SHARDLESS_LEASE_MS: '10000',
            },
          ),
        ),
      )
      const wallMs = preciseNow() - t0
      const redis = statsDelta(before, await commandStats(admin))
      const makespanMs = Math.max(...lastEnd)
      const lb = lowerBound(suite, slots)
      const perFile = (value: number) => value / suite.length
      rows.push([
        count,
        suite.length,
        round(makespanMs / 1000, 2),
        round(makespanMs / lb, 3),
        round((Math.max(...lastEnd) - Math.min(...lastEnd)) / 1000, 2),
        round(Math.max(...firstStart)),
        round((redis.calls / wallMs) * 1000),
        round(perFile(redis.scriptCalls), 1),
        round(perFile(redis.calls), 1),
        round(perFile(redis.scriptUsec)),
      ])
      results.push({
        machines: count,
        files: suite.length,
        makespanMs: round(makespanMs),
        lowerBoundMs: round(lb),
        ratioToLb: round(makespanMs / lb, 3),
        spreadMs: round(Math.max(...lastEnd) - Math.min(...lastEnd)),
        lastFirstStartMs: round(Math.max(...firstStart)),
        redisOpsPerSec: round((redis.calls / wallMs) * 1000),
        scriptCallsPerFile: round(perFile(redis.scriptCalls), 2),
        commandsPerFile: round(perFile(redis.calls), 2),
        redisUsPerFile: round(perFile(redis.scriptUsec), 1),
      })
    }
  } finally {
    await deleteKeys(admin, builds, suites)
    admin.disconnect()
  }
  return {
    id: 'scaling',
    title: 'Scaling: 2 → 32 machines (simulated in one process)',
    method: `Weak scaling: N machines × ${SLOTS} slots, ${FILES_PER_SLOT} files and about ${msPerSlot / 1000} s of sleep per slot (the makespan suite's shape, warm history), so the ideal makespan stays the same as N grows. Every machine is an in-process resolveConfig → openSession → drain with its own Redis connection (32 real Node processes do not fit 2 cores without measuring the CPU contention instead of the queue). Redis figures are \`INFO commandstats\` deltas over the run (commands executed inside scripts included; other clients of this Redis in that interval included): ops/s over the wall time, script calls and commands per test file, and Redis CPU µs per test file.`,
    table: {
      columns: [
        'N',
        'files',
        'makespan s',
        '÷ LB',
        'spread s',
        'last first-start ms',
        'Redis ops/s',
        'script calls/file',
        'commands/file',
        'Redis µs/file',
      ],
      rows,
    },
    json: { slots: SLOTS, filesPerSlot: FILES_PER_SLOT, msPerSlot, results },
    notes: [],
  }
}
