// The store conformance suite: every case runs against both the memory store and the Redis store, which must
// behave identically. Cases are named for behaviour; fencing cases cite the seed they come from.
import { afterEach, describe, expect, it } from 'vitest'
import { digestOf, orderLongestFirst } from '../src/entries.js'
import {
  DeposedError,
  EmptyQueueError,
  NotReadyError,
  QueueLostError,
  StageIncompleteError,
} from '../src/errors.js'
import type { Lease, QueuePolicy, QueueStore, ReserveReply } from '../src/types.js'
import { entries, policy, type StoreFactory, type StoreKit } from './helpers.js'

const LEASE_MS = 1000
let seq = 0
const req = (caller = 'w1#0') => ({ caller, requestId: `r${++seq}` })

async function populate(store: QueueStore, count: number, overrides: Partial<QueuePolicy> = {}) {
  const election = await store.elect('leader')
  if (election.role !== 'leader') throw new Error('expected to lead')
  const list = entries(count)
  await store.stage(election.epoch, orderLongestFirst(list))
  await store.commit(election.epoch, digestOf(list.map((e) => e.id)), count, { ...policy, ...overrides })
  return list
}

function leased(reply: ReserveReply): Lease[] {
  if (reply.status !== 'leased') throw new Error(`expected leases, got ${JSON.stringify(reply)}`)
  return reply.leases
}

const reserve = (store: QueueStore, worker = 'w1', count = 1, caller = `${worker}#0`) =>
  store.reserve({ ...req(caller), worker, count, leaseMs: LEASE_MS })

const finish = (worker: string, lease: Lease, payload = '{}') => ({
  ...req(`${worker}#0`),
  worker,
  lease,
  durationMs: 5,
  payload,
})

export function conformance(factory: StoreFactory) {
  describe(`${factory.kind} store conformance`, () => {
    let kit: StoreKit
    let store: QueueStore
    const fresh = () => {
      kit = factory.create()
      store = kit.open()
    }
    afterEach(() => factory.cleanup())

    describe('election and setup', () => {
      it('elects the first caller with epoch 1 and makes the rest followers', async () => {
        fresh()
        expect(await store.elect('a')).toEqual({ role: 'leader', epoch: 1 })
        expect(await kit.open().elect('b')).toEqual({ role: 'follower', status: 'setup' })
      })

      it('answers a retried election of the same machine with its own term (ci-queue #327)', async () => {
        fresh()
        await store.elect('a')
        expect(await store.elect('a')).toEqual({ role: 'leader', epoch: 1 })
      })

      it('refuses a takeover while the setup heartbeat is fresh', async () => {
        fresh()
        await store.elect('a')
        await kit.clock.advance(20_000)
        expect(await store.setupHeartbeat(1)).toBe(true)
        await kit.clock.advance(20_000)
        expect(await kit.open().takeover('b', 30_000)).toEqual({ role: 'follower', status: 'setup' })
      })

      it('lets exactly one of ten concurrent candidates take over a stale leader (seed 000)', async () => {
        fresh()
        await store.elect('a')
        await kit.clock.advance(30_000)
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => kit.open().takeover(`m${i}`, 30_000)),
        )
        const leaders = results.filter((r) => r.role === 'leader')
        expect(leaders).toEqual([{ role: 'leader', epoch: 2 }])
        expect(results.filter((r) => r.role === 'follower')).toHaveLength(9)
      })

      it("refuses the deposed leader's late stage and commit, so no queue mixes two lists (seed 000)", async () => {
        fresh()
        await store.elect('old')
        const list = entries(4)
        await store.stage(1, orderLongestFirst(list.slice(0, 2)))
        await kit.clock.advance(31_000)
        const successor = kit.open()
        expect(await successor.takeover('new', 30_000)).toEqual({ role: 'leader', epoch: 2 })
        await expect(store.stage(1, orderLongestFirst(list))).rejects.toBeInstanceOf(DeposedError)
        await expect(store.commit(1, digestOf(list.map((e) => e.id)), 4, policy)).rejects.toBeInstanceOf(
          DeposedError,
        )
        expect(await store.setupHeartbeat(1)).toBe(false)
        expect(await store.resign(1)).toBe(false)
        await successor.stage(2, orderLongestFirst(list.slice(2)))
        await successor.commit(2, digestOf(list.slice(2).map((e) => e.id)), 2, policy)
        expect((await store.entries()).map((e) => e.id)).toEqual(
          orderLongestFirst(list.slice(2)).map((e) => e.id),
        )
      })

      it('tells a new leader that the queue is already ready, so it skips populate', async () => {
        fresh()
        await populate(store, 3)
        await kit.clock.advance(60_000)
        expect(await kit.open().takeover('late', 30_000)).toEqual({ role: 'follower', status: 'ready' })
      })

      it('lets a resigned leader be replaced at once', async () => {
        fresh()
        await store.elect('a')
        expect(await store.resign(1)).toBe(true)
        expect(await kit.open().takeover('b', 30_000)).toEqual({ role: 'leader', epoch: 2 })
      })

      it('refuses to commit 0 entries, or fewer than were announced', async () => {
        fresh()
        await store.elect('a')
        await expect(store.commit(1, digestOf([]), 0, policy)).rejects.toBeInstanceOf(EmptyQueueError)
        await store.stage(1, orderLongestFirst(entries(2)))
        await expect(store.commit(1, 'x', 3, policy)).rejects.toBeInstanceOf(StageIncompleteError)
      })

      it('accepts a retry of its own commit and reports state, digest and LPT-ordered entries', async () => {
        fresh()
        const list = await populate(store, 5)
        const digest = digestOf(list.map((e) => e.id))
        await store.commit(1, digest, 5, policy)
        const state = await store.state()
        expect(state).toMatchObject({
          status: 'ready',
          epoch: 1,
          leader: 'leader',
          digest,
          total: 5,
          cancelled: null,
        })
        const queued = await store.entries()
        expect(queued.map((e) => e.weight)).toEqual([50, 40, 30, 20, 10])
        expect(queued.map((e) => e.position)).toEqual([0, 1, 2, 3, 4])
      })

      it('reports an absent build and refuses to reserve before populate', async () => {
        fresh()
        expect(await store.state()).toEqual({ status: 'absent' })
        await store.elect('a')
        await expect(reserve(store)).rejects.toBeInstanceOf(NotReadyError)
      })
    })

    describe('reserve and ack', () => {
      it('hands out entries longest first, singly or as an atomic batch, with monotonic lease ids', async () => {
        fresh()
        await populate(store, 5)
        const [first] = leased(await reserve(store))
        const batch = leased(await reserve(store, 'w2', 3))
        expect(first).toMatchObject({ entry: 'proj\0test/f004.test.ts', attempt: 1, retry: false })
        expect(batch.map((l) => l.entry)).toEqual([
          'proj\0test/f003.test.ts',
          'proj\0test/f002.test.ts',
          'proj\0test/f001.test.ts',
        ])
        const ids = [first!, ...batch].map((l) => l.lease)
        expect([...ids].sort((a, b) => a - b)).toEqual(ids)
        expect(new Set(ids).size).toBe(4)
      })

      it('says wait while others hold leases and done once every entry has an outcome', async () => {
        fresh()
        await populate(store, 1)
        const [lease] = leased(await reserve(store))
        const wait = await reserve(store, 'w2')
        expect(wait).toEqual({ status: 'wait', retryInMs: LEASE_MS })
        expect(await store.ack({ ...finish('w1', lease!), outcome: 'passed' })).toEqual({
          status: 'ok',
          cancelled: null,
        })
        expect(await reserve(store, 'w2')).toEqual({ status: 'done', cancelled: null })
      })

      it('answers a retried reserve with the same lease instead of a second one', async () => {
        fresh()
        await populate(store, 3)
        const request = { ...req('w1#0'), worker: 'w1', count: 1, leaseMs: LEASE_MS }
        const first = await store.reserve(request)
        expect(await store.reserve(request)).toEqual(first)
        expect((await store.progress(LEASE_MS)).leased).toBe(1)
      })

      it('answers a retried ack with its first reply, not stale', async () => {
        fresh()
        await populate(store, 1)
        const [lease] = leased(await reserve(store))
        const ack = { ...finish('w1', lease!), outcome: 'passed' as const }
        expect(await store.ack(ack)).toEqual({ status: 'ok', cancelled: null })
        expect(await store.ack(ack)).toEqual({ status: 'ok', cancelled: null })
        expect((await store.progress(LEASE_MS)).passed).toBe(1)
      })

      it('refuses a second ack of the same lease: first valid finisher wins', async () => {
        fresh()
        await populate(store, 1)
        const [lease] = leased(await reserve(store))
        await store.ack({ ...finish('w1', lease!, '{"n":1}'), outcome: 'failed' })
        expect(await store.ack({ ...finish('w1', lease!, '{"n":2}'), outcome: 'passed' })).toEqual({
          status: 'stale',
        })
        const snap = await store.snapshot(LEASE_MS)
        expect(snap.outcomes).toEqual({ [lease!.entry]: 'failed' })
        expect(snap.results[lease!.entry]).toBe('{"n":1}')
      })
    })

    describe('leases: expiry, heartbeat, fencing', () => {
      it('reclaims an expired lease for another worker with a new lease id and attempt', async () => {
        fresh()
        await populate(store, 2)
        const [old] = leased(await reserve(store, 'dead'))
        await kit.clock.advance(LEASE_MS)
        const [taken] = leased(await reserve(store, 'alive'))
        expect(taken).toMatchObject({ entry: old!.entry, attempt: 2, retry: true })
        expect(taken!.lease).toBeGreaterThan(old!.lease)
      })

      it('keeps a heartbeating lease and refuses the old holder after a reclaim (seed 001: heartbeat poisoning)', async () => {
        fresh()
        await populate(store, 1)
        const [old] = leased(await reserve(store, 'slow'))
        await kit.clock.advance(LEASE_MS - 1)
        expect(await store.heartbeat(old!, LEASE_MS)).toBe('ok')
        await kit.clock.advance(LEASE_MS - 1)
        expect((await reserve(store, 'other')).status).toBe('wait')
        await kit.clock.advance(1)
        const [current] = leased(await reserve(store, 'other'))
        expect(await store.heartbeat(old!, LEASE_MS)).toBe('stale')
        // the stale heartbeat did not extend anything: the new holder's deadline is untouched
        await kit.clock.advance(LEASE_MS)
        const [third] = leased(await reserve(store, 'third'))
        expect(third).toMatchObject({ entry: current!.entry, attempt: 3 })
      })

      it("drops a stale ack after a reclaim and keeps the new holder's result (ci-queue §7.4)", async () => {
        fresh()
        await populate(store, 1)
        const [old] = leased(await reserve(store, 'slow'))
        await kit.clock.advance(LEASE_MS)
        const [current] = leased(await reserve(store, 'fast'))
        expect(await store.ack({ ...finish('slow', old!, '{"from":"slow"}'), outcome: 'failed' })).toEqual({
          status: 'stale',
        })
        expect(await store.heartbeat(current!, LEASE_MS)).toBe('ok')
        expect(
          await store.ack({ ...finish('fast', current!, '{"from":"fast"}'), outcome: 'passed' }),
        ).toEqual({
          status: 'ok',
          cancelled: null,
        })
        const snap = await store.snapshot(LEASE_MS)
        expect(snap.outcomes).toEqual({ [old!.entry]: 'passed' })
        expect(snap.results).toEqual({ [old!.entry]: '{"from":"fast"}' })
        expect(snap.log.filter((r) => r.stale)).toEqual([
          expect.objectContaining({
            entry: old!.entry,
            lease: old!.lease,
            worker: 'slow',
            outcome: 'failed',
            stale: true,
          }),
        ])
        expect(snap.progress).toMatchObject({ done: 1, passed: 1, failed: 0, stale: 1, expired: 1 })
      })

      it("accepts the original holder's ack if its expired lease was not reclaimed yet", async () => {
        fresh()
        await populate(store, 1)
        const [lease] = leased(await reserve(store))
        await kit.clock.advance(LEASE_MS * 5)
        expect(await store.ack({ ...finish('w1', lease!), outcome: 'passed' })).toEqual({
          status: 'ok',
          cancelled: null,
        })
      })

      it('finishes an entry as lost once its attempts run out', async () => {
        fresh()
        await populate(store, 1, { maxAttempts: 2 })
        leased(await reserve(store, 'a'))
        await kit.clock.advance(LEASE_MS)
        leased(await reserve(store, 'b'))
        await kit.clock.advance(LEASE_MS)
        expect(await reserve(store, 'c')).toEqual({ status: 'done', cancelled: null })
        const snap = await store.snapshot(LEASE_MS)
        expect(snap.outcomes).toEqual({ 'proj\0test/f000.test.ts': 'lost' })
        expect(snap.progress).toMatchObject({ done: 1, lost: 1, expired: 2, leased: 0 })
      })

      it('stops extending a lease held longer than maxTestMs (ci-queue #395)', async () => {
        fresh()
        await populate(store, 1, { maxTestMs: 2500 })
        const [lease] = leased(await reserve(store))
        await kit.clock.advance(900)
        expect(await store.heartbeat(lease!, LEASE_MS)).toBe('ok')
        await kit.clock.advance(900)
        expect(await store.heartbeat(lease!, LEASE_MS)).toBe('ok')
        await kit.clock.advance(900)
        expect(await store.heartbeat(lease!, LEASE_MS)).toBe('capped')
      })

      it('hands a released lease back without spending an attempt', async () => {
        fresh()
        await populate(store, 2)
        const [lease] = leased(await reserve(store))
        expect(await store.release(lease!)).toBe(true)
        expect(await store.release(lease!)).toBe(false)
        const [again] = leased(await reserve(store, 'w2'))
        expect(again).toMatchObject({ entry: lease!.entry, attempt: 1 })
      })
    })

    describe('requeue', () => {
      it('retries a failure alone on another worker, not where it failed while others are alive', async () => {
        fresh()
        await populate(store, 2)
        await store.workerAlive('w1')
        await store.workerAlive('w2')
        const [lease] = leased(await reserve(store, 'w1'))
        expect(await store.requeue(finish('w1', lease!, '{"error":"boom"}'))).toEqual({ status: 'requeued' })
        const [next] = leased(await reserve(store, 'w1', 5))
        expect(next!.entry).not.toBe(lease!.entry)
        const retried = leased(await reserve(store, 'w2', 5))
        expect(retried).toEqual([expect.objectContaining({ entry: lease!.entry, retry: true, attempt: 2 })])
        const snap = await store.snapshot(LEASE_MS)
        expect(snap.log.find((r) => r.outcome === 'requeued')).toMatchObject({
          worker: 'w1',
          payload: '{"error":"boom"}',
        })
      })

      it('lets the failing worker retry it when no other worker is alive', async () => {
        fresh()
        await populate(store, 1)
        await store.workerAlive('w1')
        const [lease] = leased(await reserve(store, 'w1'))
        await store.requeue(finish('w1', lease!))
        expect(leased(await reserve(store, 'w1'))).toEqual([
          expect.objectContaining({ entry: lease!.entry, retry: true }),
        ])
      })

      it('waits instead of retrying where it failed while another worker is alive', async () => {
        fresh()
        await populate(store, 1)
        await store.workerAlive('w1')
        await store.workerAlive('w2')
        const [lease] = leased(await reserve(store, 'w1'))
        await store.requeue(finish('w1', lease!))
        expect((await reserve(store, 'w1')).status).toBe('wait')
      })

      it('refuses requeues beyond the per-entry budget', async () => {
        fresh()
        await populate(store, 1, { maxRequeues: 1 })
        const [first] = leased(await reserve(store, 'w1'))
        expect(await store.requeue(finish('w1', first!))).toEqual({ status: 'requeued' })
        const [second] = leased(await reserve(store, 'w2'))
        expect(await store.requeue(finish('w2', second!))).toEqual({ status: 'exhausted' })
        expect(await store.ack({ ...finish('w2', second!), outcome: 'failed' })).toEqual({
          status: 'ok',
          cancelled: null,
        })
      })

      it('refuses requeues beyond the build-wide budget', async () => {
        fresh()
        await populate(store, 3, { maxRequeues: 5, requeueBudget: 1 })
        const [a, b] = leased(await reserve(store, 'w1', 2))
        expect(await store.requeue(finish('w1', a!))).toEqual({ status: 'requeued' })
        expect(await store.requeue(finish('w1', b!))).toEqual({ status: 'exhausted' })
      })

      it('refuses a requeue from a stale holder (ci-queue #12)', async () => {
        fresh()
        await populate(store, 1)
        const [old] = leased(await reserve(store, 'slow'))
        await kit.clock.advance(LEASE_MS)
        leased(await reserve(store, 'fast'))
        expect(await store.requeue(finish('slow', old!))).toEqual({ status: 'stale' })
        expect((await store.progress(LEASE_MS)).requeued).toBe(0)
      })
    })

    describe('cancel, registry, progress, lost state', () => {
      it('stops every reserve after cancel', async () => {
        fresh()
        await populate(store, 3)
        expect(await store.cancel('user')).toBe('user')
        expect(await store.cancel('other')).toBe('user')
        expect(await reserve(store)).toEqual({ status: 'done', cancelled: 'user' })
      })

      it('cancels the build when the failure that reaches maxFailures is acked', async () => {
        fresh()
        await populate(store, 4, { maxFailures: 2 })
        const [a, b] = leased(await reserve(store, 'w1', 2))
        expect(await store.ack({ ...finish('w1', a!), outcome: 'failed' })).toEqual({
          status: 'ok',
          cancelled: null,
        })
        expect(await store.ack({ ...finish('w1', b!), outcome: 'failed' })).toEqual({
          status: 'ok',
          cancelled: 'max-failures',
        })
        expect(await reserve(store, 'w2')).toEqual({ status: 'done', cancelled: 'max-failures' })
      })

      it('counts live workers by their last heartbeat and forgets exited ones', async () => {
        fresh()
        await populate(store, 1)
        await store.workerAlive('a', '{"host":"x"}')
        await store.workerAlive('b')
        await kit.clock.advance(LEASE_MS + 1)
        await store.workerAlive('b')
        expect((await store.progress(LEASE_MS)).liveWorkers).toBe(1)
        await store.workerExited('b', '{"done":true}')
        const snap = await store.snapshot(LEASE_MS)
        expect(snap.progress.liveWorkers).toBe(0)
        expect(snap.workers).toEqual({ a: '{"host":"x"}', b: '{"done":true}' })
      })

      it('keeps total = pending + leased + done', async () => {
        fresh()
        await populate(store, 6)
        const leases = leased(await reserve(store, 'w1', 3))
        await store.ack({ ...finish('w1', leases[0]!), outcome: 'skipped' })
        expect(await store.progress(LEASE_MS)).toMatchObject({
          total: 6,
          pending: 3,
          leased: 2,
          done: 1,
          skipped: 1,
        })
      })

      it("fails with queue state lost once the build's state is gone", async () => {
        fresh()
        await populate(store, 2)
        const [lease] = leased(await reserve(store))
        await kit.loseState()
        await expect(reserve(store)).rejects.toBeInstanceOf(QueueLostError)
        await expect(store.ack({ ...finish('w1', lease!), outcome: 'passed' })).rejects.toBeInstanceOf(
          QueueLostError,
        )
        await expect(store.heartbeat(lease!, LEASE_MS)).rejects.toBeInstanceOf(QueueLostError)
        await expect(store.progress(LEASE_MS)).rejects.toBeInstanceOf(QueueLostError)
      })
    })

    describe('attempt log', () => {
      it('records every attempt with its lease, slot and start, in the order the store saw them', async () => {
        fresh()
        await populate(store, 1)
        await store.workerAlive('w1')
        await store.workerAlive('w2')
        const t0 = kit.clock.now()
        const [first] = leased(await reserve(store, 'w1'))
        await kit.clock.advance(100)
        await store.requeue({ ...finish('w1', first!, 'boom'), caller: 'w1#0' })
        const [second] = leased(await reserve(store, 'w2', 1, 'w2#1'))
        await kit.clock.advance(LEASE_MS + 1)
        const [third] = leased(await reserve(store, 'w3', 1, 'w3#0'))
        await kit.clock.advance(50)
        await store.ack({ ...finish('w3', third!), caller: 'w3#0', outcome: 'passed' })
        await store.ack({ ...finish('w2', second!), caller: 'w2#1', outcome: 'failed' })
        const common = { entry: first!.entry, durationMs: 5 }
        expect((await store.snapshot(LEASE_MS)).log).toEqual([
          {
            ...common,
            lease: first!.lease,
            worker: 'w1',
            caller: 'w1#0',
            outcome: 'requeued',
            attempt: 1,
            retry: false,
            at: t0 + 100,
            startedAt: t0,
            payload: 'boom',
          },
          {
            entry: first!.entry,
            lease: second!.lease,
            worker: 'w2',
            outcome: 'expired',
            attempt: 2,
            at: t0 + LEASE_MS + 101,
            startedAt: t0 + 100,
          },
          {
            ...common,
            lease: third!.lease,
            worker: 'w3',
            caller: 'w3#0',
            outcome: 'passed',
            attempt: 3,
            retry: true,
            at: t0 + LEASE_MS + 151,
            startedAt: t0 + LEASE_MS + 101,
          },
          {
            ...common,
            lease: second!.lease,
            worker: 'w2',
            caller: 'w2#1',
            outcome: 'failed',
            attempt: 2,
            retry: true,
            at: t0 + LEASE_MS + 151,
            stale: true,
          },
        ])
      })
    })

    describe('fallback notes', () => {
      it('keeps what fallback machines ran, with no queue populated, in split order', async () => {
        fresh()
        expect(await store.fallbackNotes()).toEqual([])
        await store.noteFallback({ machine: 'b', index: 1, total: 2, files: 3, failed: 1 })
        await kit.open().noteFallback({ machine: 'a', index: 0, total: 2, files: 4, failed: 0 })
        expect(await store.fallbackNotes()).toEqual([
          { machine: 'a', index: 0, total: 2, files: 4, failed: 0 },
          { machine: 'b', index: 1, total: 2, files: 3, failed: 1 },
        ])
        expect(await store.state()).toEqual({ status: 'absent' })
      })
    })

    describe('live view', () => {
      it('lists the leases in flight, deadline first, and the machines heartbeating', async () => {
        fresh()
        await populate(store, 3)
        await store.workerAlive('w1')
        const [first] = leased(await reserve(store, 'w1'))
        await kit.clock.advance(100)
        await store.workerAlive('w2')
        const [second] = leased(await reserve(store, 'w2'))
        const start = kit.clock.now()
        expect(await store.live()).toEqual({
          now: start,
          leases: [
            {
              entry: first!.entry,
              worker: 'w1',
              lease: first!.lease,
              attempt: 1,
              startedAt: start - 100,
              deadline: start - 100 + LEASE_MS,
            },
            {
              entry: second!.entry,
              worker: 'w2',
              lease: second!.lease,
              attempt: 1,
              startedAt: start,
              deadline: start + LEASE_MS,
            },
          ],
          heartbeats: { w1: start - 100, w2: start },
        })
        await store.ack({ ...finish('w1', first!), outcome: 'passed' })
        await store.workerExited('w1', '{}')
        expect(await store.live()).toMatchObject({ leases: [{ worker: 'w2' }], heartbeats: { w2: start } })
      })
    })

    describe('timing history', () => {
      it('starts empty, takes the first sample as is, then moves by alpha toward each new one', async () => {
        fresh()
        expect(await store.timings()).toEqual({})
        expect(await store.recordTimings({ a: 1000, b: 200.4 }, 0.5)).toBe(2)
        expect(await store.timings()).toEqual({ a: 1000, b: 200 })
        await store.recordTimings({ a: 2001 }, 0.5)
        expect(await kit.open().timings()).toEqual({ a: 1501, b: 200 })
      })

      it('lets exactly one caller per build claim the recording of its timings', async () => {
        fresh()
        await populate(store, 1)
        expect(await store.claimTimings()).toBe(true)
        expect(await store.claimTimings()).toBe(false)
        expect(await kit.open().claimTimings()).toBe(false)
      })

      it('keeps the history when a build is lost: it belongs to the suite, not the build', async () => {
        fresh()
        await populate(store, 1)
        await store.recordTimings({ a: 10 }, 0.3)
        await kit.loseState()
        expect(await store.timings()).toEqual({ a: 10 })
      })
    })
  })
}
