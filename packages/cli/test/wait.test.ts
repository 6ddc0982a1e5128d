import { entryId, joinBuild, ManualClock, MemoryStore } from '@shardless/queue-core'
import { describe, expect, it } from 'vitest'
import { type WaitOptions, type WaitResult, waitForBuild } from '../src/wait.js'
import { newBuild, POLICY } from './helpers.js'

const ids = ['a.test.ts', 'b.test.ts'].map((f) => entryId('', f))

/** A populated two-entry build on the in-memory store, on a clock only the test moves. */
async function setup() {
  const clock = new ManualClock()
  // Memory stores of one build id share state: each test gets its own build.
  const store = new MemoryStore({ build: newBuild(), suite: 's', clock })
  await joinBuild(store, {
    machine: 'm1',
    entries: ids.map((id) => ({ id, weight: 1 })),
    policy: POLICY,
    clock,
  })
  await store.workerAlive('m1')
  const reply = await store.reserve({
    caller: 'm1#0',
    requestId: 'r1',
    worker: 'm1',
    count: 1,
    leaseMs: 60_000,
  })
  if (reply.status !== 'leased') throw new Error(reply.status)
  return { clock, store, lease: reply.leases[0]! }
}

/** Starts the supervisor and moves the clock in poll-sized steps, letting `each` act between steps. */
async function supervise(
  clock: ManualClock,
  wait: Promise<WaitResult>,
  each: (elapsedMs: number) => Promise<void> | void = () => {},
): Promise<{ end: WaitResult['end']; elapsedMs: number }> {
  let result: WaitResult | null = null
  void wait.then((r) => {
    result = r
  })
  const start = clock.now()
  for (let step = 0; step < 1000; step++) {
    await clock.advance(0)
    if (result) return { end: (result as WaitResult).end, elapsedMs: clock.now() - start }
    await each(clock.now() - start)
    await clock.advance(500)
  }
  throw new Error('the supervisor never stopped')
}

const options = (clock: ManualClock, extra: Partial<WaitOptions> = {}): WaitOptions => ({
  wait: false,
  queueInitTimeoutMs: 0,
  timeoutMs: 0,
  livenessMs: 1000,
  inactivityMs: 5000,
  pollMs: 500,
  clock,
  ...extra,
})

describe('waiting for a build', () => {
  it('waits while a machine heartbeats, and declares them all dead an inactivity window after it stops', async () => {
    const { clock, store } = await setup()
    const { end, elapsedMs } = await supervise(
      clock,
      waitForBuild(store, options(clock)),
      async (elapsed) => {
        if (elapsed < 20_000) await store.workerAlive('m1')
      },
    )
    expect(end).toBe('workers-died')
    // Last beat at 19.5 s; it counts as alive for the liveness second, then 5 s without anyone.
    expect(elapsedMs).toBeGreaterThanOrEqual(19_500 + 1000 + 5000)
    expect(elapsedMs).toBeLessThanOrEqual(19_500 + 1000 + 5000 + 1000)
  })

  it('ends when every entry has a final outcome, not when the queue is merely empty', async () => {
    const { clock, store, lease } = await setup()
    const { end } = await supervise(clock, waitForBuild(store, options(clock)), async (elapsed) => {
      await store.workerAlive('m1')
      if (elapsed === 1000) {
        await store.ack({
          caller: 'm1#0',
          requestId: 'a1',
          worker: 'm1',
          lease,
          outcome: 'passed',
          durationMs: 1,
          payload: '',
        })
        const next = await store.reserve({
          caller: 'm1#0',
          requestId: 'r2',
          worker: 'm1',
          count: 1,
          leaseMs: 60_000,
        })
        if (next.status !== 'leased') throw new Error(next.status)
        // Queue empty, one entry leased: not done yet.
        expect((await store.progress(1000)).pending).toBe(0)
        await clock.advance(3000)
        await store.ack({
          caller: 'm1#0',
          requestId: 'a2',
          worker: 'm1',
          lease: next.leases[0]!,
          outcome: 'failed',
          durationMs: 1,
          payload: '',
        })
      }
    })
    expect(end).toBe('done')
  })

  it('stops at --timeout while a live machine still holds an entry, and after a cancel once nothing runs', async () => {
    const timed = await setup()
    const timeout = await supervise(
      timed.clock,
      waitForBuild(timed.store, options(timed.clock, { timeoutMs: 8000 })),
      () => timed.store.workerAlive('m1'),
    )
    expect(timeout).toMatchObject({ end: 'timeout' })
    expect(timeout.elapsedMs).toBeGreaterThanOrEqual(8000)

    const cancelled = await setup()
    const result = await supervise(
      cancelled.clock,
      waitForBuild(cancelled.store, options(cancelled.clock)),
      async (elapsed) => {
        await cancelled.store.workerAlive('m1')
        if (elapsed === 1000) await cancelled.store.cancel('max-failures')
        if (elapsed === 3000) await cancelled.store.release(cancelled.lease)
      },
    )
    // Cancelled at 1 s, but the file in flight kept it waiting until it was handed back at 3 s.
    expect(result.end).toBe('cancelled')
    expect(result.elapsedMs).toBeGreaterThanOrEqual(3000)
  })

  it('with --wait, waits for the queue to appear up to the queue init timeout; without, reports it missing at once', async () => {
    const clock = new ManualClock()
    const store = new MemoryStore({ build: newBuild(), suite: 's', clock })
    expect((await supervise(clock, waitForBuild(store, options(clock)))).end).toBe('not-populated')
    const waited = await supervise(
      clock,
      waitForBuild(store, options(clock, { wait: true, queueInitTimeoutMs: 4000 })),
    )
    expect(waited.end).toBe('not-populated')
    expect(waited.elapsedMs).toBeGreaterThanOrEqual(4000)
  })
})
