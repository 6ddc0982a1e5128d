// Model-based test: random interleavings of reserve / heartbeat / ack / requeue / time passing across several
// workers, on both stores, checked against a small reference model of who holds which lease. Whatever happens,
// every entry ends with exactly one final outcome and no result from a stale lease is kept.
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { digestOf, orderLongestFirst } from '../src/entries.js'
import type { Lease, QueuePolicy, QueueStore, RunOutcome } from '../src/types.js'
import { entries, memoryFactory, redisFactory, type StoreFactory } from './helpers.js'

const LEASE_MS = 1000
const WORKERS = ['w0', 'w1', 'w2']
const POLICY: QueuePolicy = { maxRequeues: 1, requeueBudget: 3, maxFailures: 0, maxAttempts: 3, maxTestMs: 0 }

const op = fc.oneof(
  fc.record({ t: fc.constant('reserve' as const), w: fc.nat(2), n: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ t: fc.constant('heartbeat' as const), w: fc.nat(2), k: fc.nat(3) }),
  fc.record({
    t: fc.constant('ack' as const),
    w: fc.nat(2),
    k: fc.nat(3),
    outcome: fc.constantFrom<RunOutcome>('passed', 'failed', 'skipped'),
  }),
  fc.record({ t: fc.constant('requeue' as const), w: fc.nat(2), k: fc.nat(3) }),
  fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1500 }) }),
  fc.record({ t: fc.constant('alive' as const), w: fc.nat(2) }),
)
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never

interface Model {
  /** The lease id the store should consider current for each held entry, and when it expires. */
  current: Map<string, { lease: number; deadline: number }>
  done: Set<string>
  /** The payload the report must show for each entry: only from an accepted ack. */
  accepted: Map<string, string>
  requeues: Map<string, number>
  requeuesTotal: number
  lastLease: number
}

async function runScenario(factory: StoreFactory, ops: Op[]) {
  const kit = factory.create()
  const store: QueueStore = kit.open()
  const list = entries(5)
  const election = await store.elect('leader')
  if (election.role !== 'leader') throw new Error('expected to lead')
  await store.stage(election.epoch, orderLongestFirst(list))
  await store.commit(election.epoch, digestOf(list.map((e) => e.id)), list.length, POLICY)

  const model: Model = {
    current: new Map(),
    done: new Set(),
    accepted: new Map(),
    requeues: new Map(),
    requeuesTotal: 0,
    lastLease: 0,
  }
  const held: Lease[][] = WORKERS.map(() => [])
  let seq = 0
  const request = (w: number) => ({
    caller: `${WORKERS[w]}#0`,
    requestId: String(++seq),
    worker: WORKERS[w]!,
  })
  const finishing = (w: number, k: number) => {
    const leases = held[w]!
    return leases.length ? leases.splice(k % leases.length, 1)[0]! : null
  }
  const isCurrent = (lease: Lease) => model.current.get(lease.entry)?.lease === lease.lease
  /**
   * What the store must answer a holder: 'current' (lease live), 'stale' (reclaimed), or 'either' for a current
   * lease past its deadline: still valid until a reserve reclaims it, gone if a reserve finished it as lost.
   */
  const expectation = (lease: Lease) => {
    if (!isCurrent(lease)) return 'stale'
    return model.current.get(lease.entry)!.deadline > kit.clock.now() ? 'current' : 'either'
  }
  /** A stale answer to an expired lease means its entry ran out of attempts and was finished as lost. */
  const check = (lease: Lease, stale: boolean) => {
    const expected = expectation(lease)
    expect(stale, `lease ${lease.lease} of ${lease.entry}: expected ${expected}`).toBe(
      expected === 'stale' ? true : expected === 'current' ? false : stale,
    )
    if (stale && expected === 'either') model.current.delete(lease.entry)
    return !stale
  }

  async function reserve(w: number, n: number) {
    const reply = await store.reserve({ ...request(w), count: n, leaseMs: LEASE_MS })
    if (reply.status !== 'leased') return reply
    for (const lease of reply.leases) {
      expect(lease.lease).toBeGreaterThan(model.lastLease)
      model.lastLease = lease.lease
      expect(model.done.has(lease.entry)).toBe(false)
      // an entry still held may only be handed out again once its lease has expired
      const previous = model.current.get(lease.entry)
      if (previous) expect(previous.deadline).toBeLessThanOrEqual(kit.clock.now())
      model.current.set(lease.entry, { lease: lease.lease, deadline: kit.clock.now() + LEASE_MS })
      held[w]!.push(lease)
    }
    return reply
  }

  for (const step of ops) {
    if (step.t === 'reserve') await reserve(step.w, step.n)
    else if (step.t === 'advance') await kit.clock.advance(step.ms)
    else if (step.t === 'alive') await store.workerAlive(WORKERS[step.w]!)
    else if (step.t === 'heartbeat') {
      const leases = held[step.w]!
      const lease = leases[step.k % Math.max(leases.length, 1)]
      if (!lease) continue
      const reply = await store.heartbeat(lease, LEASE_MS)
      if (check(lease, reply === 'stale'))
        model.current.set(lease.entry, { lease: lease.lease, deadline: kit.clock.now() + LEASE_MS })
    } else if (step.t === 'ack') {
      const lease = finishing(step.w, step.k)
      if (!lease) continue
      const payload = `{"lease":${lease.lease}}`
      const ack = { ...request(step.w), lease, durationMs: 1, payload, outcome: step.outcome }
      const reply = await store.ack(ack)
      expect(await store.ack(ack)).toEqual(reply) // a retried request gets the same answer
      if (check(lease, reply.status === 'stale')) {
        model.current.delete(lease.entry)
        model.done.add(lease.entry)
        model.accepted.set(lease.entry, payload)
      }
    } else {
      const lease = finishing(step.w, step.k)
      if (!lease) continue
      const reply = await store.requeue({ ...request(step.w), lease, durationMs: 1, payload: '{}' })
      if (!check(lease, reply.status === 'stale')) continue
      const count = model.requeues.get(lease.entry) ?? 0
      if (count >= POLICY.maxRequeues || model.requeuesTotal >= POLICY.requeueBudget) {
        expect(reply).toEqual({ status: 'exhausted' })
        held[step.w]!.push(lease) // still ours: it must be acked
      } else {
        expect(reply).toEqual({ status: 'requeued' })
        model.requeues.set(lease.entry, count + 1)
        model.requeuesTotal++
        model.current.delete(lease.entry)
      }
    }
  }

  // Drive the build to the end: acks for what is held, then fresh workers until the store says done.
  for (let w = 0; w < WORKERS.length; w++) {
    for (const lease of held[w]!.splice(0)) {
      const payload = `{"lease":${lease.lease}}`
      const reply = await store.ack({ ...request(w), lease, durationMs: 1, payload, outcome: 'passed' })
      if (reply.status === 'ok') model.accepted.set(lease.entry, payload)
    }
  }
  for (let guard = 0; guard < 200; guard++) {
    const reply = await reserve(0, 5)
    if (reply.status === 'done') break
    if (reply.status === 'wait') await kit.clock.advance(LEASE_MS)
    for (const lease of held[0]!.splice(0)) {
      const payload = `{"lease":${lease.lease}}`
      const ack = await store.ack({ ...request(0), lease, durationMs: 1, payload, outcome: 'passed' })
      expect(ack.status).toBe('ok')
      model.accepted.set(lease.entry, payload)
    }
  }

  const snap = await store.snapshot(LEASE_MS)
  expect(Object.keys(snap.outcomes).sort()).toEqual(list.map((e) => e.id).sort())
  for (const [entry, outcome] of Object.entries(snap.outcomes)) {
    if (outcome === 'lost') expect(model.accepted.has(entry)).toBe(false)
    else expect(snap.results[entry]).toBe(model.accepted.get(entry))
  }
  const p = snap.progress
  expect(p.passed + p.failed + p.skipped + p.lost).toBe(list.length)
  expect(p).toMatchObject({ done: list.length, pending: 0, leased: 0 })
  const finishes = snap.log.filter(
    (r) => !r.stale && ['passed', 'failed', 'skipped', 'lost'].includes(r.outcome),
  )
  expect(finishes).toHaveLength(list.length)
}

describe.each([
  { factory: memoryFactory, runs: 300 },
  { factory: redisFactory(), runs: 60 },
])('$factory.kind store against the reference model', ({ factory, runs }) => {
  afterAll(() => factory.cleanup())
  it('keeps exactly one final outcome per entry and never a stale result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 80 }), async (ops) => {
        if (process.env.MODEL_REPLAY) ops = JSON.parse(process.env.MODEL_REPLAY) // replay a printed counterexample
        try {
          await runScenario(factory, ops)
        } finally {
          await factory.cleanup()
        }
      }),
      { numRuns: runs },
    )
  })
})
