import { createHash } from 'node:crypto'
import { DigestMismatchError } from './errors.js'
import type { EntryInput, QueuedEntry } from './types.js'

/** Entry id of one test file: `<project>\0<root-relative posix path>`; the same path in two projects is two entries. */
export function entryId(project: string, relativePath: string): string {
  return `${project}\0${relativePath.replaceAll('\\', '/')}`
}

export function parseEntryId(id: string): { project: string; path: string } {
  const nul = id.indexOf('\0')
  return nul < 0 ? { project: '', path: id } : { project: id.slice(0, nul), path: id.slice(nul + 1) }
}

/** Order-independent fingerprint of an entry list: every machine must discover the same one. */
export function digestOf(ids: Iterable<string>): string {
  const hash = createHash('sha256')
  for (const id of [...ids].sort()) hash.update(id).update('\n')
  return hash.digest('hex')
}

/** Longest first (LPT), ties by id, so every machine computes the same order from the same weights. */
export function orderLongestFirst(entries: EntryInput[]): QueuedEntry[] {
  return [...entries]
    .sort((x, y) => y.weight - x.weight || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    .map((entry, position) => ({ id: entry.id, weight: entry.weight, position }))
}

/** Throws a DigestMismatchError naming what differs between the queue's entries and this machine's. */
export function assertSameEntries(queued: Iterable<string>, local: Iterable<string>): void {
  const queuedSet = new Set(queued)
  const localSet = new Set(local)
  const missing = [...queuedSet].filter((id) => !localSet.has(id)).sort()
  const extra = [...localSet].filter((id) => !queuedSet.has(id)).sort()
  if (missing.length || extra.length) throw new DigestMismatchError(missing, extra)
}

/**
 * The static fallback split: entries longest first, each to the least-loaded machine (ties: lowest index), so
 * every machine computes the same plan without talking to anyone. Returns the entry ids of each machine.
 */
export function lptSplit(entries: EntryInput[], machines: number): string[][] {
  const plan = Array.from({ length: machines }, () => ({ load: 0, ids: [] as string[] }))
  for (const entry of orderLongestFirst(entries)) {
    let target = plan[0]!
    for (const machine of plan) if (machine.load < target.load) target = machine
    target.load += Math.max(entry.weight, 1)
    target.ids.push(entry.id)
  }
  return plan.map((machine) => machine.ids)
}
