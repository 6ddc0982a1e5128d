// The check every fault case ends with: whatever happened to machines or Redis, the build's record is true.
import { type BuildSnapshot, decodePayload, entryId, type Outcome, RedisStore } from '@shardless/queue-core'
import { expect } from 'vitest'
import type { Files } from './machines.js'

/** What a synthetic file must finally be, from its name (see fixtures/machine.mjs). */
export function truth(name: string): Outcome {
  // A file that kills every machine running it uses up its attempts on expired leases.
  if (name.startsWith('crash-')) return 'lost'
  if (name.startsWith('fail-') || name.startsWith('hang-')) return 'failed'
  return 'passed'
}

export async function readBuild(url: string, build: string, cluster = false): Promise<BuildSnapshot> {
  const store = new RedisStore({ url, build, suite: 'fault', retryBudgetMs: 5000, cluster })
  try {
    return await store.snapshot(1000)
  } finally {
    await store.close()
  }
}

/**
 * Every populated entry has exactly one final outcome, the one its file really has; exactly one accepted result
 * per finished entry, and the kept result is the accepted run's (never a stale lease's); the counters add up.
 */
export function checkInvariants(snapshot: BuildSnapshot, files: Files, context = ''): void {
  const ids = files.map(([name]) => entryId('fault', name)).sort()
  expect(snapshot.state.status, context).toBe('ready')
  expect(snapshot.entries.map((e) => e.id).sort(), context).toEqual(ids)
  expect(Object.keys(snapshot.outcomes).sort(), `${context}: every entry has a final outcome`).toEqual(ids)
  for (const [name] of files) {
    const id = entryId('fault', name)
    const outcome = snapshot.outcomes[id]
    expect(outcome, `${context}: ${name}`).toBe(truth(name))
    const accepted = snapshot.log.filter(
      (r) =>
        r.entry === id &&
        !r.stale &&
        (r.outcome === 'passed' || r.outcome === 'failed' || r.outcome === 'skipped'),
    )
    if (outcome === 'lost') {
      expect(accepted, `${context}: ${name} is lost, so no run of it was accepted`).toEqual([])
      continue
    }
    expect(accepted, `${context}: ${name} has exactly one accepted result`).toHaveLength(1)
    // The accepted run held the newest lease of the entry: a lease that expired or was replaced never finishes it.
    const leases = snapshot.log.filter((r) => r.entry === id && r.lease !== undefined).map((r) => r.lease!)
    expect(accepted[0]!.lease, `${context}: ${name} was finished by its newest lease`).toBe(
      Math.max(...leases),
    )
    const kept = decodePayload(snapshot.results[id] ?? '')?.raw as { lease: number; machine: string }
    expect(kept, `${context}: ${name}'s kept result is the accepted run's`).toEqual({
      lease: accepted[0]!.lease,
      machine: accepted[0]!.worker,
    })
  }
  const { progress } = snapshot
  expect(progress, context).toMatchObject({ total: files.length, done: files.length, pending: 0, leased: 0 })
  expect(progress.passed + progress.failed + progress.skipped + progress.lost, context).toBe(files.length)
}

/** The verdict the report step must give: green only if every file passed. */
export function verdict(snapshot: BuildSnapshot): 'passed' | 'failed' {
  return Object.values(snapshot.outcomes).every((o) => o === 'passed' || o === 'skipped') &&
    Object.keys(snapshot.outcomes).length === snapshot.progress.total
    ? 'passed'
    : 'failed'
}
