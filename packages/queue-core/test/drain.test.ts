// drain: the worker loop every adapter runs, on the memory store and a manual clock (time moves only when told).
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../src/clock.js'
import {
  type DrainEvent,
  type DrainOptions,
  drain,
  type RunContext,
  type RunResult,
  stopOnSignals,
} from '../src/drain.js'
import { QueueLostError } from '../src/errors.js'
import { joinBuild } from '../src/setup.js'
import { MemoryStore } from '../src/store/memory.js'
import type { QueuePolicy } from '../src/types.js'
import { entries } from './helpers.js'

const LEASE_MS = 3000

async function setup(count: number, policy: Partial<QueuePolicy> & { requeueTolerance?: number } = {}) {
  const clock = new ManualClock()
  const build = `drain-${randomUUID()}`
  const open = () => new MemoryStore({ build, suite: 'unit', clock })
  await joinBuild(open(), {
    machine: 'leader',
    entries: entries(count),
    policy: { maxRequeues: 1, requeueTolerance: 1, maxFailures: 0, maxAttempts: 3, maxTestMs: 0, ...policy },
    clock,
  })
  const machine = (
    worker: string,
    run: (context: RunContext) => Promise<RunResult>,
    overrides: Partial<DrainOptions> = {},
  ) => {
    const events: DrainEvent[] = []
    const result = drain({
      store: open(),
      worker,
      concurrency: 2,
      leaseMs: LEASE_MS,
      run,
      clock,
      onEvent: (event) => events.push(event),
      ...overrides,
    })
    return { result, events }
  }
  /** Advances the clock until every promise settles, the way time passes for machines waiting on each other. */
  const settle = async <T>(promises: Promise<T>[], stepMs = 100): Promise<T[]> => {
    let pending = promises.length
    const all = Promise.all(
      promises.map((p) =>
        p.finally(() => {
          pending--
        }),
      ),
    )
    all.catch(() => {}) // observed by the caller after the loop; not an unhandled rejection meanwhile
    for (let i = 0; i < 10_000 && pending > 0; i++) await clock.advance(stepMs)
    return all
  }
  return { clock, open, machine, settle }
}

const passes = async (): Promise<RunResult> => ({ outcome: 'passed', durationMs: 10, payload: '{}' })

describe('drain', () => {
  it('runs every entry exactly once across machines and slots', async () => {
    const { open, machine, settle } = await setup(25)
    const ran: string[] = []
    const run = async ({ entry }: RunContext) => {
      ran.push(entry)
      return passes()
    }
    const [a, b] = await settle([machine('a', run).result, machine('b', run).result])
    expect(ran.sort()).toEqual(entries(25).map((e) => e.id))
    expect(a!.passed + b!.passed).toBe(25)
    const progress = await open().progress(LEASE_MS)
    expect(progress).toMatchObject({ total: 25, done: 25, passed: 25, pending: 0, leased: 0 })
  })

  it('hands a failure to another live machine, which runs it alone, and reports the retry as such', async () => {
    const { open, clock, machine, settle } = await setup(1)
    let failA: () => void = () => {}
    const a = machine(
      'a',
      () =>
        new Promise<RunResult>((resolve) => {
          failA = () => resolve({ outcome: 'failed', durationMs: 5, payload: '{"try":1}' })
        }),
    )
    await clock.advance(10)
    const attempts: RunContext[] = []
    const b = machine('b', async (context) => {
      attempts.push(context)
      return passes()
    })
    await clock.advance(10)
    failA()
    const [summaryA, summaryB] = await settle([a.result, b.result])
    expect(summaryA).toMatchObject({ requeued: 1, failed: 0, passed: 0 })
    expect(summaryB).toMatchObject({ passed: 1 })
    expect(attempts).toMatchObject([{ attempt: 2, retry: true }])
    const snapshot = await open().snapshot(LEASE_MS)
    expect(Object.values(snapshot.outcomes)).toEqual(['passed'])
    expect(snapshot.log.map((r) => [r.outcome, r.worker])).toEqual([
      ['requeued', 'a'],
      ['passed', 'b'],
    ])
  })

  it('retries a failure on the same machine when it is the only one alive', async () => {
    const { machine, settle } = await setup(1)
    let runs = 0
    const [summary] = await settle([
      machine('a', async () => (++runs === 1 ? { outcome: 'failed', durationMs: 5 } : passes())).result,
    ])
    expect(summary).toMatchObject({ requeued: 1, passed: 1 })
  })

  it('hands in-flight leases back unrun when told to stop, without costing an attempt', async () => {
    const { open, clock, machine, settle } = await setup(3)
    const stop = new AbortController()
    const started: string[] = []
    const a = machine(
      'a',
      (context) =>
        new Promise<RunResult>((resolve) => {
          started.push(context.entry)
          // The file notices the stop through its signal, as an adapter's run would.
          context.signal.addEventListener('abort', () => resolve({ outcome: 'failed', durationMs: 1 }))
        }),
      { signal: stop.signal },
    )
    await clock.advance(10)
    expect(started).toHaveLength(2)
    stop.abort()
    const [summary] = await settle([a.result])
    expect(summary).toMatchObject({ released: 2, stopped: true, failed: 0, requeued: 0 })
    expect(await open().progress(LEASE_MS)).toMatchObject({ pending: 3, leased: 0, done: 0 })
    const attempts: number[] = []
    await settle([
      machine('b', async (context) => {
        attempts.push(context.attempt)
        return passes()
      }).result,
    ])
    expect(attempts).toEqual([1, 1, 1])
  })

  it('signals a lost lease, lets the file finish, and drops its late result as stale', async () => {
    // Heartbeats far apart: a's lease expires and b reclaims the entry before a's first heartbeat.
    const { open, clock, machine, settle } = await setup(1)
    let finishA: (result: RunResult) => void = () => {}
    const lostSignal: { aborted: boolean }[] = []
    const a = machine(
      'a',
      (context) =>
        new Promise<RunResult>((resolve) => {
          lostSignal.push(context.signal)
          finishA = resolve
        }),
      { heartbeatMs: 10_000, concurrency: 1 },
    )
    await clock.advance(LEASE_MS + 1)
    const b = machine('b', passes, { concurrency: 1 })
    await settle([b.result])
    await clock.advance(10_000)
    expect(a.events).toContainEqual(expect.objectContaining({ type: 'lease-lost', reason: 'stale' }))
    expect(lostSignal[0]!.aborted).toBe(true)
    finishA({ outcome: 'failed', durationMs: 13_000, payload: '{"late":true}' })
    const [summaryA] = await settle([a.result])
    expect(summaryA).toMatchObject({ stale: 1, failed: 0, passed: 0 })
    const snapshot = await open().snapshot(LEASE_MS)
    expect(snapshot.outcomes).toEqual({ [entries(1)[0]!.id]: 'passed' })
    expect(JSON.stringify(snapshot.results)).not.toContain('late')
  })

  it('stops every slot of every machine once max failures cancel the build', async () => {
    const { open, machine, settle } = await setup(20, { maxFailures: 1, maxRequeues: 0 })
    const fails = async (): Promise<RunResult> => ({ outcome: 'failed', durationMs: 1, requeue: false })
    const a = machine('a', fails)
    const b = machine('b', passes)
    const [summaryA, summaryB] = await settle([a.result, b.result])
    expect(summaryA!.cancelled).toBe('max-failures')
    expect(summaryB!.cancelled).toBe('max-failures')
    const progress = await open().progress(LEASE_MS)
    expect(progress.done).toBeLessThan(20)
    expect(a.events).toContainEqual(expect.objectContaining({ type: 'cancelled' }))
  })

  it('records a run that throws as a failed file, with the error in its payload', async () => {
    const { open, machine, settle } = await setup(1, { maxRequeues: 0 })
    const [summary] = await settle([
      machine('a', async () => {
        throw new Error('worker exploded')
      }).result,
    ])
    expect(summary).toMatchObject({ failed: 1 })
    const snapshot = await open().snapshot(LEASE_MS)
    expect(Object.values(snapshot.results)[0]).toContain('worker exploded')
  })

  it('fails with queue state lost when the build vanishes mid-run', async () => {
    const { machine, settle } = await setup(4)
    const a = machine('a', async () => {
      MemoryStore.reset()
      return passes()
    })
    await expect(settle([a.result])).rejects.toBeInstanceOf(QueueLostError)
  })

  it('aborts on a signal with its name as the reason, for ending by that same signal', () => {
    const stop = stopOnSignals(['SIGUSR2'])
    process.emit('SIGUSR2', 'SIGUSR2')
    expect(stop.signal.aborted).toBe(true)
    expect(stop.signal.reason).toBe('SIGUSR2')
    stop.dispose()
  })
})
