import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { ConfigError } from './errors.js'
import type { BuildSnapshot, EntryInput } from './types.js'

/** Weight of a new sample in the moving average: recent runs count most, one outlier does not rule. */
export const TIMING_ALPHA = 0.3
/** Cold entries with no size either: a guess so they sort among warm ones rather than last. */
const COLD_MS_PER_BYTE = 0.05

/** A discovered entry: its file size, or a better cold guess when size says nothing (e.g. one `tsc` run). */
export interface WeighedFile {
  id: string
  bytes: number
  /** The estimate while the entry has no history, instead of one from its size. */
  coldMs?: number
}

/**
 * Estimated durations for populate: history where known; cold entries scaled from file size by the median
 * ms-per-byte of the warm ones (files of one suite grow slower the same way), so LPT order is right on the
 * first build and sensible for new files after.
 */
export function estimateWeights(files: WeighedFile[], history: Record<string, number>): EntryInput[] {
  const ratios = files
    .filter((f) => history[f.id] !== undefined && f.bytes > 0)
    .map((f) => history[f.id]! / f.bytes)
    .sort((a, b) => a - b)
  const msPerByte = ratios.length ? ratios[Math.floor(ratios.length / 2)]! : COLD_MS_PER_BYTE
  return files.map((f) => ({
    id: f.id,
    weight: Math.max(1, Math.round(history[f.id] ?? f.coldMs ?? f.bytes * msPerByte)),
  }))
}

/**
 * Durations of a finished build worth learning from: the first attempt of each entry that finished (passed or
 * failed). Retries, expired (crashed) attempts and stale duplicates are left out: they measure the fault, not the
 * file, and would poison the next build's order.
 */
export function timingSamples(snapshot: Pick<BuildSnapshot, 'log'>): Record<string, number> {
  const samples: Record<string, number> = {}
  for (const record of snapshot.log) {
    if (record.stale || record.retry || record.durationMs === undefined) continue
    if (record.outcome !== 'passed' && record.outcome !== 'failed') continue
    samples[record.entry] ??= record.durationMs
  }
  return samples
}

interface TimingsFile {
  v: 1
  suite: string
  entries: Record<string, number>
}

/**
 * The history as a JSON file CI can cache: it seeds a cold Redis and drives the static fallback split when Redis
 * is unreachable. A missing file is an empty history; a malformed one is an error naming the file.
 */
export function readTimingsFile(path: string, option = 'SHARDLESS_TIMINGS_FILE'): Record<string, number> {
  if (!existsSync(path)) return {}
  let parsed: Partial<TimingsFile>
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<TimingsFile>
  } catch (error) {
    throw new ConfigError(
      option,
      `${path} is not valid JSON (${(error as Error).message}); delete it to start from cold timings.`,
    )
  }
  const entries = parsed.entries
  if (parsed.v !== 1 || typeof entries !== 'object' || entries === null) {
    throw new ConfigError(
      option,
      `${path} is not a shardless timings file (expected {"v":1,"suite":…,"entries":{…}}); delete it or point ${option} elsewhere.`,
    )
  }
  return Object.fromEntries(Object.entries(entries).filter(([, ms]) => typeof ms === 'number' && ms >= 0))
}

/** Writes atomically (temp file + rename), so a cancelled CI step never leaves a half-written cache. */
export function writeTimingsFile(path: string, suite: string, entries: Record<string, number>): void {
  mkdirSync(dirname(path), { recursive: true })
  const body: TimingsFile = { v: 1, suite, entries }
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`)
  renameSync(temp, path)
}
