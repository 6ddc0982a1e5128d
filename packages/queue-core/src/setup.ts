import { type Clock, systemClock } from './clock.js'
import { assertSameEntries, digestOf, orderLongestFirst } from './entries.js'
import { DeposedError, EmptyQueueError, QueueInitTimeoutError, QueueLostError } from './errors.js'
import type { EntryInput, QueuePolicy, QueueStore } from './types.js'

export interface JoinOptions {
  machine: string
  /** Every entry this machine discovered, with estimated durations. */
  entries: EntryInput[]
  /**
   * The fingerprint to commit and verify instead of the entries' own. A retry build populates only the failed
   * entries under the full list's digest, so the machines of the re-run, which discover the full list, match it.
   */
  digest?: string
  policy: Omit<QueuePolicy, 'requeueBudget'> & { requeueTolerance: number }
  /** How long followers wait for a populated queue before failing with exit 40. */
  queueInitTimeoutMs?: number
  /** The leader refreshes its setup heartbeat this often while populating. */
  setupHeartbeatMs?: number
  /** A setup heartbeat older than this lets another machine take over. */
  setupStaleMs?: number
  /** Entries per stage call: bounds each script's run time on big suites. */
  chunkSize?: number
  clock?: Clock
  log?: (message: string) => void
}

export interface JoinResult {
  /** True when this machine populated the queue (first leader or after a takeover). */
  populated: boolean
  total: number
  digest: string
}

/**
 * Brings this machine into a build: the first machine populates the queue, the others wait for it (taking over a
 * leader whose setup heartbeat went stale), and every machine checks that its own entry list matches the queue.
 */
export async function joinBuild(store: QueueStore, options: JoinOptions): Promise<JoinResult> {
  const {
    machine,
    entries,
    queueInitTimeoutMs = 120_000,
    setupHeartbeatMs = 5_000,
    setupStaleMs = 30_000,
    clock = systemClock,
  } = options
  if (entries.length === 0) throw new EmptyQueueError(store.describe)
  const digest = options.digest ?? digestOf(entries.map((e) => e.id))
  const start = clock.now()
  let populated = false
  let election = await store.elect(machine)
  // Followers poll a populating leader often and flat: a state read is cheap, and every 100 ms a follower sleeps
  // past the commit is 100 ms its slots stand idle (benchmarks showed up to 800 ms with exponential backoff).
  const pollMs = 100

  for (;;) {
    if (election.role === 'leader') {
      try {
        await populate(store, election.epoch, digest, options, clock, setupHeartbeatMs)
        populated = true
        break
      } catch (error) {
        // Deposed: another machine took over while we were slow; carry on as a follower of its queue.
        if (!(error instanceof DeposedError)) throw error
        options.log?.(`shardless: ${machine} lost setup leadership to another machine; following its queue.`)
      }
    }
    const state = await store.state()
    if (state.status === 'absent') throw new QueueLostError(store.describe)
    if (state.status === 'ready') break
    const waited = clock.now() - start
    if (waited >= queueInitTimeoutMs)
      throw new QueueInitTimeoutError(store.describe, waited, state.leader || null)
    election =
      state.setupAgeMs >= setupStaleMs
        ? await store.takeover(machine, setupStaleMs)
        : { role: 'follower', status: 'setup' }
    if (election.role === 'leader') {
      options.log?.(
        `shardless: setup leader ${state.leader || '(resigned)'} went silent; ${machine} takes over.`,
      )
      continue
    }
    await clock.sleep(pollMs)
  }

  const state = await store.state()
  if (state.status !== 'ready') throw new QueueLostError(store.describe)
  if (state.digest !== digest) {
    const queued = await store.entries()
    assertSameEntries(
      queued.map((e) => e.id),
      entries.map((e) => e.id),
    )
  }
  return { populated, total: state.total, digest }
}

async function populate(
  store: QueueStore,
  epoch: number,
  digest: string,
  options: JoinOptions,
  clock: Clock,
  setupHeartbeatMs: number,
): Promise<void> {
  const { entries, policy, chunkSize = 5000 } = options
  const stop = new AbortController()
  let deposed = false
  // The heartbeat runs beside the staging calls so a long setup is never mistaken for a dead leader.
  const heartbeat = (async () => {
    while (!stop.signal.aborted) {
      await clock.sleep(setupHeartbeatMs, stop.signal)
      if (stop.signal.aborted) break
      if (!(await store.setupHeartbeat(epoch).catch(() => true))) {
        deposed = true
        break
      }
    }
  })()
  try {
    const ordered = orderLongestFirst(entries)
    for (let i = 0; i < ordered.length; i += chunkSize) {
      if (deposed) throw new DeposedError(store.describe)
      await store.stage(epoch, ordered.slice(i, i + chunkSize))
    }
    await store.commit(epoch, digest, ordered.length, {
      maxRequeues: policy.maxRequeues,
      requeueBudget: Math.ceil(ordered.length * policy.requeueTolerance),
      maxFailures: policy.maxFailures,
      maxAttempts: policy.maxAttempts,
      maxTestMs: policy.maxTestMs,
    })
  } catch (error) {
    // A leader that cannot finish setup steps down so another machine takes over now, not after the stale limit.
    // resign is fenced by the epoch: a leader already replaced does nothing to its successor.
    if (!(error instanceof DeposedError)) await store.resign(epoch).catch(() => false)
    throw error
  } finally {
    stop.abort()
    await heartbeat
  }
}
