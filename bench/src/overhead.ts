import { command, type Framework, frameworkVersion, runMachines, writeProject } from './fixtures.js'
import { benchBuild, deleteKeys, rawClient } from './redis.js'
import type { BenchOptions, Section } from './section.js'
import { round, sum } from './stats.js'

type Mode = 'plain' | 'plugin, Redis' | 'plugin, memory store'
const MODES: Mode[] = ['plain', 'plugin, Redis', 'plugin, memory store']

/**
 * One machine, a CPU-bound suite: the framework without the adapter, with it on Redis, and with the embedded
 * memory store. Modes alternate within each repetition so a slow spell of the machine hits all of them alike.
 */
export async function overhead({ quick, redisUrl }: BenchOptions): Promise<Section> {
  const reps = quick ? 1 : 3
  // 40 files of 3 tests each, 90–300 ms of busy CPU per file (the examples' shape, CPU instead of sleeps).
  const files = Array.from({ length: 40 }, (_, i) => ({
    path: `tests/unit-${String(i).padStart(2, '0')}.test.ts`,
    ms: 90 + ((i * 37) % 211),
    kind: 'cpu' as const,
  }))
  const rows: (string | number)[][] = []
  const results: { framework: Framework; mode: Mode; meanMs: number; runsMs: number[]; ratio: number }[] = []
  const builds: string[] = []
  const admin = rawClient(redisUrl)
  try {
    for (const framework of ['vitest', 'jest'] as Framework[]) {
      const dir = writeProject(framework, 'cpu', files)
      await runMachines(dir, [{ args: command(framework, false) }])
      const times = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]))
      for (let rep = 0; rep < reps; rep++) {
        for (const mode of MODES) {
          const build = benchBuild(`${framework}-overhead`)
          builds.push(build)
          const env: Record<string, string> =
            mode === 'plain'
              ? {}
              : mode === 'plugin, Redis'
                ? { SHARDLESS_REDIS_URL: redisUrl, SHARDLESS_BUILD: build, SHARDLESS_SUITE: 'bench-overhead' }
                : { SHARDLESS_STORE: 'memory' }
          const [run] = await runMachines(dir, [{ args: command(framework, mode !== 'plain'), env }])
          times.get(mode)!.push(run!.exitMs)
        }
      }
      const plain = sum(times.get('plain')!) / reps
      for (const mode of MODES) {
        const ms = times.get(mode)!
        const mean = sum(ms) / reps
        rows.push([
          framework,
          mode,
          round(mean / 1000, 2),
          ms.map((t) => round(t / 1000, 2)).join(' / '),
          round(mean / plain, 3),
        ])
        results.push({
          framework,
          mode,
          meanMs: round(mean),
          runsMs: ms.map((t) => round(t)),
          ratio: round(mean / plain, 3),
        })
      }
    }
  } finally {
    await deleteKeys(admin, builds, ['bench-overhead'])
    admin.disconnect()
  }
  return {
    id: 'overhead',
    title: 'Overhead on one machine (CPU-bound suite)',
    method: `40 generated files of 3 tests each, 90–300 ms of busy CPU per file (Σ ≈ ${round(sum(files.map((f) => f.ms)) / 1000, 1)} s), maxWorkers 2, default pools (Vitest ${frameworkVersion('vitest')}: a fork per file; Jest ${frameworkVersion('jest')}). \`plain\`: a config without the adapter; \`plugin, Redis\`: the adapter's config with SHARDLESS_REDIS_URL and a fresh build id (one machine populates and drains the queue); \`plugin, memory store\`: SHARDLESS_STORE=memory. Wall time from spawn to exit, ${reps} repetition(s), modes interleaved; one unmeasured run first warms the transform caches.`,
    table: { columns: ['framework', 'mode', 'mean s', 'runs s', '÷ plain'], rows },
    json: { files: files.length, reps, results },
    notes: [],
    targets: results
      .filter((r) => r.mode !== 'plain')
      .map((r) => ({
        target: `${r.framework} with the adapter (${r.mode}) ≤ 1.05 × plain`,
        measured: `${r.ratio} ×`,
        met: r.ratio <= 1.05,
      })),
  }
}
