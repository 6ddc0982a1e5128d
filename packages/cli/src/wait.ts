import {
  type Clock,
  type FallbackNote,
  type Progress,
  QueueLostError,
  type QueueStore,
  systemClock,
} from '@shardless/queue-core'

/** Why waiting stopped; the verdict maps each to an exit code. */
export type WaitEnd = 'done' | 'not-populated' | 'fallback' | 'timeout' | 'cancelled' | 'workers-died'

export interface WaitOptions {
  /** Also wait for the queue to be populated (the report started beside the machines), up to queueInitTimeoutMs. */
  wait: boolean
  queueInitTimeoutMs: number
  /** Give up after this long (0 = never): exit 43. */
  timeoutMs: number
  /** A machine heartbeating within this window counts as alive (the workers' lease length). */
  livenessMs: number
  /** No live machine and no progress for this long while entries lack an outcome: they all died (exit 45). */
  inactivityMs: number
  pollMs?: number
  clock?: Clock
  onProgress?: (progress: Progress, elapsedMs: number) => void
  onWaiting?: (status: 'absent' | 'setup', elapsedMs: number) => void
}

export interface WaitResult {
  end: WaitEnd
  progress: Progress | null
  /** With end 'fallback': what the machines that ran their static share said (Redis was unreachable at start). */
  fallback?: FallbackNote[]
}

/**
 * The supervisor loop. "Done" is every populated entry having a final outcome (the queue being empty is not
 * enough: a dead machine's leased entries are in neither the queue nor the outcomes until someone reclaims them).
 */
export async function waitForBuild(store: QueueStore, options: WaitOptions): Promise<WaitResult> {
  const { clock = systemClock, pollMs = 500 } = options
  const start = clock.now()
  let seenReady = false
  let lastActivity = start
  let last: Progress | null = null
  let notesSeen = 0
  for (; ; await clock.sleep(pollMs)) {
    const elapsed = clock.now() - start
    const timedOut = options.timeoutMs > 0 && elapsed >= options.timeoutMs
    const state = await store.state()
    if (state.status !== 'ready') {
      // Keys that existed and vanished: the build's state was lost, never "not populated".
      if (seenReady) throw new QueueLostError(store.describe)
      // No queue, but machines that ran the static fallback split say so: wait for all of them (or until none
      // has reported for the inactivity limit), then the verdict is theirs.
      const notes = state.status === 'absent' ? await store.fallbackNotes() : []
      if (notes.length) {
        if (notes.length > notesSeen) [notesSeen, lastActivity] = [notes.length, clock.now()]
        const all = notes.length >= Math.max(...notes.map((n) => n.total))
        if (all || timedOut || clock.now() - lastActivity >= options.inactivityMs)
          return { end: 'fallback', progress: null, fallback: notes }
        continue
      }
      const waiting = state.status === 'setup' || options.wait
      if (!waiting || elapsed >= options.queueInitTimeoutMs) return { end: 'not-populated', progress: null }
      if (timedOut) return { end: 'timeout', progress: null }
      options.onWaiting?.(state.status, elapsed)
      continue
    }
    seenReady = true
    const progress = await store.progress(options.livenessMs)
    options.onProgress?.(progress, elapsed)
    if (progress.done >= progress.total) return { end: 'done', progress }
    // After a cancel nobody reserves: wait only for the runs in flight (unless their machines are gone).
    if (progress.cancelled && (progress.leased === 0 || progress.liveWorkers === 0))
      return { end: 'cancelled', progress }
    const moved =
      last === null ||
      last.done !== progress.done ||
      last.leased !== progress.leased ||
      last.expired !== progress.expired
    if (progress.liveWorkers > 0 || moved) lastActivity = clock.now()
    else if (clock.now() - lastActivity >= options.inactivityMs) return { end: 'workers-died', progress }
    if (timedOut) return { end: 'timeout', progress }
    last = progress
  }
}
