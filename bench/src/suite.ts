import { createHash } from 'node:crypto'

export interface SuiteFile {
  /** Root-relative posix path. */
  path: string
  /** The file's duration (a sleep), milliseconds. */
  ms: number
  /** Its size in bytes: what cold estimates and the frameworks' own shard sort see. */
  bytes: number
}

export interface SuiteShape {
  files: number
  /** Σ durations, milliseconds: the suite is scaled to this so a run takes seconds. */
  totalMs: number
  seed: number
}

const AREAS = ['api', 'auth', 'billing', 'cart', 'db', 'email', 'search', 'ui', 'utils', 'workers']

/** mulberry32: a tiny seeded PRNG, so every run of the benchmark uses the same suite. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
}

/**
 * A skewed suite: log-normal durations with σ = 0.7 (the 5th and 95th percentiles about 10× apart), plus a few
 * outliers 6× a typical file. Sizes follow durations with noise (σ = 0.4), so a size-based guess is close but
 * not exact, as in real suites.
 */
export function generateSuite({ files, totalMs, seed }: SuiteShape): SuiteFile[] {
  const next = random(seed)
  const raw = Array.from({ length: files }, (_, i) => {
    const area = AREAS[i % AREAS.length]!
    const outlier = i % 67 === 13
    const weight = Math.exp(0.7 * normal(next)) * (outlier ? 6 : 1)
    return { path: `tests/${area}/${area}-${String(i).padStart(3, '0')}.test.ts`, weight }
  })
  const scale = totalMs / raw.reduce((total, file) => total + file.weight, 0)
  return raw.map(({ path, weight }) => {
    const ms = Math.max(5, Math.round(weight * scale))
    return { path, ms, bytes: Math.round(400 + ms * 30 * Math.exp(0.4 * normal(next))) }
  })
}

/** Lower bound of any schedule: the work spread evenly over all slots, or the longest file. */
export function lowerBound(files: SuiteFile[], slots: number): number {
  return Math.max(files.reduce((total, f) => total + f.ms, 0) / slots, ...files.map((f) => f.ms))
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}

/**
 * `--shard=index/count` (1-based index) as Vitest 4.1 and Jest 30 compute it: files sorted by the sha1 of their
 * path (Vitest hashes `/tests/x.test.ts`, the path below the root with its leading slash; Jest hashes the posix
 * relative path `tests/x.test.ts`), cut into `count` contiguous slices, the first `files % count` slices one file
 * longer. Inside a shard both then run larger files first (no results cache on a fresh CI machine).
 */
export function frameworkShard(
  files: SuiteFile[],
  index: number,
  count: number,
  framework: 'vitest' | 'jest',
): SuiteFile[] {
  const base = Math.floor(files.length / count)
  const rest = files.length % count
  const start = (index - 1) * base + Math.min(index - 1, rest)
  const end = start + base + (index <= rest ? 1 : 0)
  const key = (file: SuiteFile) => sha1(framework === 'vitest' ? `/${file.path}` : file.path)
  return files
    .map((file) => ({ file, hash: key(file) }))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
    .slice(start, end)
    .map(({ file }) => file)
    .sort((a, b) => b.bytes - a.bytes)
}

/**
 * The same suite in another build: every file's duration drawn again around its typical value (log-normal,
 * σ = `sigma`), since no two CI runs take the same time per file. Sizes stay as they are.
 */
export function anotherRun(files: SuiteFile[], seed: number, sigma = 0.25): SuiteFile[] {
  const next = random(seed)
  return files.map((file) => ({
    ...file,
    ms: Math.max(5, Math.round(file.ms * Math.exp(sigma * normal(next)))),
  }))
}
