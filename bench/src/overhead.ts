import { command, type Framework, frameworkVersion, runMachines, writeProject } from './fixtures.js'
import { benchBuild, deleteKeys, rawClient } from './redis.js'
import type { BenchOptions, Section } from './section.js'
import { quantile, round, sum } from './stats.js'

type Mode = 'plain' | 'plugin, Redis' | 'plugin, memory store'
const MODES: Mode[] = ['plain', 'plugin, Redis', 'plugin, memory store']

/**
 * One machine, a CPU-bound suite: the framework without the adapter, with it on Redis, and with the embedded
 * memory store. Modes alternate within each repetition so a slow spell of the machine hits all of them alike.
 */
export async function overhead({ quick, redisUrl }: BenchOptions): Promise<Section> {
  const reps = quick ? 1 : 3
  // 40 files of 3 tests each, a fixed computation of about 90–300 ms of CPU per file (the examples' shape, CPU instead of sleeps).
  const files = Array.from({ length: 40 }, (_, i) => ({
    path: `tests/unit-${String(i).padStart(2, '0')}.test.ts`,
    ms: 90 + ((i * 37) % 211),
    kind: 'cpu' as const,
  }))
  const rows: (string | number)[][] = []
  const results: {
    framework: Framework
    mode: Mode
    medianMs: number
    runsMs: number[]
    ratio: number
    medianCpuMs: number
    cpuRatio: number
  }[] = []
  const builds: string[] = []
  const admin = rawClient(redisUrl)
  try {
    for (const framework of ['vitest', 'jest'] as Framework[]) {
      const dir = writeProject(framework, 'cpu', files)
      await runMachines(dir, [{ args: command(framework, false) }])
      const times = new Map<Mode, { wall: number; cpu: number }[]>(MODES.map((mode) => [mode, []]))
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
          times.get(mode)!.push({ wall: run!.exitMs, cpu: run!.cpuMs })
        }
      }
      const median = (mode: Mode, key: 'wall' | 'cpu') =>
        quantile(
          times
            .get(mode)!
            .map((t) => t[key])
            .sort((x, y) => x - y),
          0.5,
        )
      for (const mode of MODES) {
        const runs = times.get(mode)!
        const wall = median(mode, 'wall')
        const cpu = median(mode, 'cpu')
        const ratio = wall / median('plain', 'wall')
        const cpuRatio = cpu / median('plain', 'cpu')
        rows.push([
          framework,
          mode,
          round(wall / 1000, 2),
          runs.map((t) => round(t.wall / 1000, 2)).join(' / '),
          round(ratio, 3),
          round(cpu / 1000, 2),
          round(cpuRatio, 3),
        ])
        results.push({
          framework,
          mode,
          medianMs: round(wall),
          runsMs: runs.map((t) => round(t.wall)),
          ratio: round(ratio, 3),
          medianCpuMs: round(cpu),
          cpuRatio: round(cpuRatio, 3),
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
    method: `40 generated files of 3 tests each, a fixed computation of about 90–300 ms of CPU per file (Σ ≈ ${round(sum(files.map((f) => f.ms)) / 1000, 1)} s), maxWorkers 2, default pools (Vitest ${frameworkVersion('vitest')}: a fork per file; Jest ${frameworkVersion('jest')}). \`plain\`: a config without the adapter; \`plugin, Redis\`: the adapter's config with SHARDLESS_REDIS_URL and a fresh build id (one machine populates and drains the queue); \`plugin, memory store\`: SHARDLESS_STORE=memory. Wall time from spawn to exit and CPU time (user + system of the whole process tree, from bash's \`times\`), medians of ${reps} repetition(s), modes interleaved; one unmeasured run first warms the transform caches. On a shared host the CPU figure is the steadier one: other processes stretch wall time but not the CPU a run uses.`,
    table: { columns: ['framework', 'mode', 'median s', 'runs s', '÷ plain', 'CPU s', 'CPU ÷ plain'], rows },
    json: { files: files.length, reps, results },
    notes: [],
    targets: results
      .filter((r) => r.mode !== 'plain')
      .map((r) => ({
        target: `${r.framework} with the adapter (${r.mode}) ≤ 1.05 × plain`,
        measured: `${r.ratio} × (CPU ${r.cpuRatio} ×)`,
        met: r.ratio <= 1.05,
      })),
  }
}
