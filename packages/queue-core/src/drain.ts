import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { type Clock, systemClock } from './clock.js'
import { QueueLostError } from './errors.js'
import type { Lease, QueueStore, RunOutcome } from './types.js'

export interface RunContext extends Lease {
  slot: number
  /** Aborts when this lease is lost (reclaimed, capped) or the worker is stopping: stop the file if you can. */
  signal: AbortSignal
}

export interface RunResult {
  outcome: RunOutcome
  durationMs: number
  /** JSON the report step rebuilds the build from (the framework's per-file result). */
  payload?: string
  /** Whether a failure may be retried elsewhere (default: every failure may, within the budgets). */
  requeue?: boolean
}

export type DrainEvent =
  | { type: 'start'; slot: number; lease: Lease }
  | {
      type: 'finish'
      slot: number
      lease: Lease
      outcome: RunOutcome
      durationMs: number
      reply: 'ok' | 'requeued' | 'stale'
    }
  | { type: 'lease-lost'; slot: number; lease: Lease; reason: 'stale' | 'capped' }
  | { type: 'released'; slot: number; lease: Lease }
  | { type: 'cancelled'; reason: string }

export interface DrainOptions {
  store: QueueStore
  /** This machine's name: the unit of liveness and of "don't retry a failure where it failed". */
  worker: string
  /** Files in flight at once on this machine. */
  concurrency: number
  leaseMs: number
  /** Default leaseMs / 3: two heartbeats may be lost before the lease runs out. */
  heartbeatMs?: number
  run: (context: RunContext) => Promise<RunResult>
  /** Abort to stop: no new reservations, and in-flight leases are handed back for other machines. */
  signal?: AbortSignal
  /** Longest pause between reserve attempts while other machines hold the last leases. */
  maxWaitMs?: number
  clock?: Clock
  onEvent?: (event: DrainEvent) => void
  /** Extra facts about this machine for the report (framework, version…). */
  info?: Record<string, unknown>
}

export interface DrainSummary {
  /** Runs whose result the queue accepted, by outcome. */
  passed: number
  failed: number
  skipped: number
  requeued: number
  /** Runs whose lease had been reclaimed: their results were dropped. */
  stale: number
  released: number
  busyMs: number
  cancelled: string | null
  stopped: boolean
}

/**
 * Runs this machine's share of the queue: `concurrency` slots each loop reserve → run → ack until the queue is
 * done, heartbeating every held lease, handing failures to another machine within the requeue budget, and
 * handing in-flight leases back when `signal` aborts.
 */
export async function drain(options: DrainOptions): Promise<DrainSummary> {
  const { store, worker, concurrency, leaseMs, run, clock = systemClock, maxWaitMs = 1000 } = options
  const heartbeatMs = options.heartbeatMs ?? Math.floor(leaseMs / 3)
  const summary: DrainSummary = {
    passed: 0,
    failed: 0,
    skipped: 0,
    requeued: 0,
    stale: 0,
    released: 0,
    busyMs: 0,
    cancelled: null,
    stopped: false,
  }
  const emit = (event: DrainEvent) => options.onEvent?.(event)
  // Request ids are unique per process, so a restarted machine with the same name never gets its predecessor's
  // cached replies.
  const nonce = randomBytes(6).toString('hex')
  let requests = 0
  const nextRequest = (slot: number) => ({ caller: `${worker}#${slot}`, requestId: `${nonce}:${++requests}` })

  const finished = new AbortController()
  let fatal: unknown = null
  const fail = (error: unknown) => {
    fatal ??= error
    finished.abort()
  }
  const stopping = () =>
    finished.signal.aborted || options.signal?.aborted === true || summary.cancelled !== null
  const info = JSON.stringify({
    host: hostname(),
    pid: process.pid,
    slots: concurrency,
    startedAt: clock.now(),
    ...options.info,
  })
  await store.workerAlive(worker, info)

  // One timer keeps this machine visible in the worker registry while it drains.
  const registry = (async () => {
    while (!finished.signal.aborted) {
      await clock.sleep(heartbeatMs, finished.signal)
      // A missed registry beat is harmless; a Redis that stays away fails the slots' own calls.
      if (!finished.signal.aborted) await store.workerAlive(worker).catch(() => {})
    }
  })()

  async function runLeased(slot: number, lease: Lease) {
    const lost = new AbortController()
    const done = new AbortController()
    const stop = () => lost.abort()
    options.signal?.addEventListener('abort', stop, { once: true })
    finished.signal.addEventListener('abort', stop, { once: true })
    let leaseLost = false
    const heartbeat = (async () => {
      while (!done.signal.aborted && !leaseLost) {
        await clock.sleep(heartbeatMs, done.signal)
        if (done.signal.aborted) return
        try {
          const reply = await store.heartbeat(lease, leaseMs)
          if (reply !== 'ok') {
            // The file may still finish; its ack will be refused as stale if someone else took the entry.
            leaseLost = true
            emit({ type: 'lease-lost', slot, lease, reason: reply })
            lost.abort()
          }
        } catch (error) {
          if (error instanceof QueueLostError) fail(error)
          // Other errors: the ack will retry or fail; the lease simply runs out if Redis stays away.
        }
      }
    })()

    emit({ type: 'start', slot, lease })
    const started = clock.now()
    let result: RunResult
    try {
      result = await run({ ...lease, slot, signal: lost.signal })
    } catch (error) {
      result = {
        outcome: 'failed',
        durationMs: clock.now() - started,
        payload: JSON.stringify({ error: errorText(error) }),
      }
    } finally {
      done.abort()
      options.signal?.removeEventListener('abort', stop)
      finished.signal.removeEventListener('abort', stop)
    }
    await heartbeat
    summary.busyMs += clock.now() - started
    if (options.signal?.aborted && !leaseLost) {
      // Stopping (SIGTERM/SIGINT): the entry goes back unrun for another machine, without costing an attempt.
      if (await store.release(lease)) {
        summary.released++
        emit({ type: 'released', slot, lease })
        return
      }
    }
    await finish(slot, lease, result)
  }

  async function finish(slot: number, lease: Lease, result: RunResult) {
    const request = {
      ...nextRequest(slot),
      worker,
      lease,
      durationMs: result.durationMs,
      payload: result.payload ?? '',
    }
    const finishEvent = (reply: 'ok' | 'requeued' | 'stale') =>
      emit({ type: 'finish', slot, lease, outcome: result.outcome, durationMs: result.durationMs, reply })
    if (result.outcome === 'failed' && result.requeue !== false) {
      const requeued = await store.requeue(request)
      if (requeued.status === 'requeued') {
        summary.requeued++
        return finishEvent('requeued')
      }
      if (requeued.status === 'stale') {
        summary.stale++
        return finishEvent('stale')
      }
    }
    const reply = await store.ack({ ...request, ...nextRequest(slot), outcome: result.outcome })
    if (reply.status === 'stale') {
      summary.stale++
      return finishEvent('stale')
    }
    summary[result.outcome]++
    finishEvent('ok')
    if (reply.cancelled) cancel(reply.cancelled)
  }

  function cancel(reason: string) {
    if (summary.cancelled !== null) return
    summary.cancelled = reason
    emit({ type: 'cancelled', reason })
  }

  async function slotLoop(slot: number) {
    let idle = 0
    while (!stopping()) {
      const reply = await store.reserve({ ...nextRequest(slot), worker, count: 1, leaseMs })
      if (reply.status === 'done') {
        if (reply.cancelled) cancel(reply.cancelled)
        return
      }
      if (reply.status === 'wait') {
        // Others hold the last leases: poll again when the earliest could expire, but at least every maxWaitMs
        // (a requeued failure may turn up), with jitter so idle slots don't poll in lockstep.
        const wait = Math.min(reply.retryInMs, maxWaitMs, 50 * 2 ** idle++)
        await clock.sleep(Math.max(10, Math.round(wait * (0.5 + Math.random() / 2))), options.signal)
        continue
      }
      idle = 0
      for (const lease of reply.leases) await runLeased(slot, lease)
    }
  }

  try {
    await Promise.all(Array.from({ length: concurrency }, (_, slot) => slotLoop(slot).catch(fail)))
  } finally {
    finished.abort()
    await registry
  }
  summary.stopped = options.signal?.aborted === true
  await store
    .workerExited(worker, JSON.stringify({ ...JSON.parse(info), endedAt: clock.now(), summary }))
    .catch(() => {})
  if (fatal) throw fatal
  return summary
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}

/**
 * An AbortSignal that aborts on SIGTERM or SIGINT, for `drain({ signal })`, with the signal's name as its
 * `reason` (so a stopped machine can end by that same signal); call `dispose` when done.
 */
export function stopOnSignals(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): {
  signal: AbortSignal
  dispose: () => void
} {
  const controller = new AbortController()
  const onSignal = (name: NodeJS.Signals) => controller.abort(name)
  for (const signal of signals) process.once(signal, onSignal)
  return {
    signal: controller.signal,
    dispose: () => {
      for (const signal of signals) process.off(signal, onSignal)
    },
  }
}
