import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { ConfigError, entryId } from '@shardless/queue-core'
import { parse, stringify } from 'flatted'
import type { Io } from './commands/io.js'
import type { BuildReport } from './model.js'

/** The parts of a Vitest file task the merge looks at (blobs hold the full task trees). */
interface Task {
  name: string
  filepath?: string
  projectName?: string
  result?: { startTime?: number }
  tasks?: Task[]
  file?: Task
  suite?: Task
}

export interface MergeCounts {
  kept: number
  dropped: number
  synthesized: number
  missing: number
}

/**
 * Rewrites the machines' Vitest blobs into one consistent set, then runs `vitest --merge-reports` over it (with
 * the user's extra arguments, e.g. `--coverage`) so Vitest prints its own summary and enforces coverage
 * thresholds on the merged map:
 *
 * - a file stays only in the blob of the machine whose result the queue accepted, so requeued failures, and
 *   duplicates from reclaimed leases, are not counted twice;
 * - a file whose accepting machine died before writing its blob is rebuilt from the task the adapter acked
 *   (`payload.raw`), so the merged report still has every file. Its coverage is gone with the machine.
 *
 * Blobs are named `blob-<machine>.json` by the shardless plugin. Returns Vitest's exit code.
 */
export async function mergeVitestReports(
  report: BuildReport,
  options: { blobDir: string; cwd: string; vitestArgs: string[]; io: Io },
): Promise<{ exitCode: number; counts: MergeCounts }> {
  const dir = resolve(options.cwd, options.blobDir)
  const names = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.json')).sort() : []
  if (!names.length) {
    throw new ConfigError(
      '--merge-reports',
      `${options.blobDir} has no Vitest blob files. Give each machine the blob reporter (--reporter=blob) and collect their ${'`blob-<machine>.json`'} files into one directory (a CI artifact) before the report step.`,
    )
  }
  const accepted = new Map(
    report.entries.flatMap((e) =>
      e.outcome && e.outcome !== 'lost' && e.worker ? [[e.id, e.worker] as const] : [],
    ),
  )
  const queued = new Set(report.entries.map((e) => e.id))
  const blobs = await Promise.all(
    names.map(async (name) => ({
      machine: /^blob-(.+)\.json$/.exec(name)?.[1] ?? null,
      name,
      tuple: parse(await readFile(join(dir, name), 'utf8')) as unknown[],
    })),
  )
  const counts: MergeCounts = { kept: 0, dropped: 0, synthesized: 0, missing: 0 }
  const kept = new Set<string>()
  const idOf = (task: Task) =>
    entryId(task.projectName ?? '', relative(options.cwd, task.filepath ?? task.name))
  for (const blob of blobs) {
    const files = (blob.tuple[1] as Task[]).filter((task) => {
      const id = idOf(task)
      // Browser and typecheck projects run outside the queue, on every machine: keep one copy of each.
      const keep = queued.has(id) ? accepted.get(id) === blob.machine : true
      if (!keep || kept.has(id)) {
        counts.dropped++
        return false
      }
      kept.add(id)
      counts.kept++
      return true
    })
    blob.tuple[1] = files
  }
  const synthesized: Task[] = []
  for (const entry of report.entries) {
    if (!accepted.has(entry.id) || kept.has(entry.id)) continue
    const raw = entry.payload?.raw
    if (raw && typeof raw === 'object' && Array.isArray((raw as Task).tasks)) {
      synthesized.push(relink(structuredClone(raw) as Task))
      counts.synthesized++
    } else counts.missing++
  }

  const work = await mkdtemp(join(tmpdir(), 'shardless-blobs-'))
  try {
    for (const blob of blobs) await writeFile(join(work, blob.name), stringify(blob.tuple))
    if (synthesized.length) {
      // Same tuple layout as the machines' blobs (it differs across Vitest versions): files replaced, the rest empty.
      const template = blobs[0]!.tuple
      const tuple = template.map((value, i) => (i === 0 ? value : i === 1 ? synthesized : emptyLike(value)))
      await writeFile(join(work, 'blob-shardless-from-acks.json'), stringify(tuple))
    }
    const exitCode = await runVitest(
      options.cwd,
      ['--merge-reports', work, ...options.vitestArgs],
      options.io,
    )
    return { exitCode, counts }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** The adapter acks the task tree without its parent links (they are cycles); Vitest's reporters walk them. */
function relink(file: Task): Task {
  const walk = (task: Task, parent: Task) => {
    task.file = file
    task.suite = parent
    for (const child of task.tasks ?? []) walk(child, task)
  }
  file.file = file
  for (const child of file.tasks ?? []) walk(child, file)
  return file
}

function emptyLike(value: unknown): unknown {
  if (Array.isArray(value)) return []
  if (typeof value === 'number') return 0
  if (value && typeof value === 'object') return {}
  return value
}

function runVitest(cwd: string, args: string[], io: Io): Promise<number> {
  let bin: string
  try {
    const manifest = createRequire(join(cwd, 'noop.js')).resolve('vitest/package.json')
    const { bin: bins } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      bin: string | Record<string, string>
    }
    bin = join(dirname(manifest), typeof bins === 'string' ? bins : bins.vitest!)
  } catch {
    throw new ConfigError(
      '--merge-reports',
      `vitest is not installed in ${cwd}; run the report from the project root.`,
    )
  }
  // Without SHARDLESS_* the plugin in the project's config stays off: merging must not join the build again.
  const env = Object.fromEntries(Object.entries(io.env).filter(([name]) => !name.startsWith('SHARDLESS_')))
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (chunk) => io.stdout.write(chunk))
    child.stderr.on('data', (chunk) => io.stderr.write(chunk))
    child.on('error', fail)
    child.on('close', (code) => done(code ?? 1))
  })
}
