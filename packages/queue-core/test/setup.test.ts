// joinBuild: election, populate, waiting, takeover of a dead leader, digest verification, resignation.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../src/clock.js'
import { digestOf } from '../src/entries.js'
import { DigestMismatchError, EmptyQueueError, QueueInitTimeoutError } from '../src/errors.js'
import { type JoinOptions, joinBuild } from '../src/setup.js'
import { MemoryStore } from '../src/store/memory.js'
import type { QueueStore } from '../src/types.js'
import { entries } from './helpers.js'

const policy = { maxRequeues: 1, requeueTolerance: 0.05, maxFailures: 0, maxAttempts: 3, maxTestMs: 0 }

function setup() {
  const clock = new ManualClock()
  const build = `join-${randomUUID()}`
  const open = () => new MemoryStore({ build, suite: 'unit', clock })
  const options = (machine: string, overrides: Partial<JoinOptions> = {}): JoinOptions => ({
    machine,
    entries: entries(10),
    policy,
    clock,
    setupStaleMs: 30_000,
    setupHeartbeatMs: 5_000,
    queueInitTimeoutMs: 120_000,
    ...overrides,
  })
  /** Advances the clock until `promise` settles, the way time would pass for a waiting machine. */
  const settle = async <T>(promise: Promise<T>, stepMs = 500): Promise<T> => {
    let settled = false
    const tracked = promise.finally(() => {
      settled = true
    })
    for (let i = 0; i < 10_000 && !settled; i++) await clock.advance(stepMs)
    return tracked
  }
  return { clock, open, options, settle }
}

describe('joinBuild', () => {
  it('lets the first machine populate in LPT order with the build-wide policy', async () => {
    const { open, options } = setup()
    const store = open()
    const joined = await joinBuild(store, options('a'))
    expect(joined).toMatchObject({ populated: true, total: 10 })
    expect((await store.entries()).map((e) => e.weight)).toEqual([100, 90, 80, 70, 60, 50, 40, 30, 20, 10])
  })

  it('makes later machines wait for the queue and verify the same digest', async () => {
    const { open, options, settle } = setup()
    const joined = await settle(Promise.all(['a', 'b', 'c'].map((m) => joinBuild(open(), options(m)))))
    expect(joined.filter((j) => j.populated)).toHaveLength(1)
    expect(new Set(joined.map((j) => j.digest)).size).toBe(1)
  })

  it('fails a machine whose files differ, naming how many and which', async () => {
    const { open, options } = setup()
    await joinBuild(open(), options('a'))
    const mine = [...entries(9), { id: 'proj\0test/extra.test.ts', weight: 1 }]
    const error = await joinBuild(open(), options('b', { entries: mine })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DigestMismatchError)
    expect((error as Error).message).toContain('2 entries differ')
    expect((error as Error).message).toContain('[proj] test/f009.test.ts')
    expect((error as Error).message).toContain('[proj] test/extra.test.ts')
  })

  it('refuses to populate 0 entries and writes nothing', async () => {
    const { open, options } = setup()
    const store = open()
    await expect(joinBuild(store, options('a', { entries: [] }))).rejects.toBeInstanceOf(EmptyQueueError)
    expect(await store.state()).toEqual({ status: 'absent' })
  })

  it('takes over from a leader that died after its election, and populates exactly once (seed 000)', async () => {
    const { clock, open, options, settle } = setup()
    expect(await open().elect('dead-leader')).toEqual({ role: 'leader', epoch: 1 })
    const start = clock.now()
    const joined = await settle(Promise.all(['b', 'c', 'd'].map((m) => joinBuild(open(), options(m)))))
    expect(joined.filter((j) => j.populated)).toHaveLength(1)
    expect(clock.now() - start).toBeGreaterThanOrEqual(30_000)
    expect(await open().state()).toMatchObject({ status: 'ready', epoch: 2, total: 10 })
  })

  it('keeps a slow but alive leader: its setup heartbeat prevents a takeover', async () => {
    const { clock, open, options, settle } = setup()
    // The leader's stage calls take 50 s in all, far beyond the stale limit, but it heartbeats all along.
    const slow = open()
    const stage = slow.stage.bind(slow)
    slow.stage = async (epoch, chunk) => {
      await clock.sleep(10_000)
      return stage(epoch, chunk)
    }
    const [leader, follower] = await settle(
      Promise.all([joinBuild(slow, options('slow', { chunkSize: 2 })), joinBuild(open(), options('b'))]),
    )
    expect(leader.populated).toBe(true)
    expect(follower.populated).toBe(false)
    expect(await open().state()).toMatchObject({ status: 'ready', epoch: 1 })
  })

  it('lets a leader that cannot finish setup resign, so another machine takes over at once', async () => {
    const { open, options, settle } = setup()
    const broken: QueueStore = open()
    broken.stage = async () => {
      throw new Error('disk on fire')
    }
    await expect(joinBuild(broken, options('broken'))).rejects.toThrow('disk on fire')
    expect(await open().state()).toMatchObject({ status: 'setup', leader: '' })
    const joined = await settle(joinBuild(open(), options('b')), 100)
    expect(joined.populated).toBe(true)
  })

  it('gives up with exit 40 when nobody populates within queueInitTimeoutMs', async () => {
    const { clock, open, options } = setup()
    const leader = open()
    await leader.elect('stuck')
    let error: unknown = null
    const joining = joinBuild(open(), options('b', { queueInitTimeoutMs: 60_000 })).catch((e: unknown) => {
      error = e
    })
    // a leader that heartbeats forever but never populates
    while (error === null) {
      await leader.setupHeartbeat(1)
      await clock.advance(1000)
    }
    await joining
    expect(error).toBeInstanceOf(QueueInitTimeoutError)
    expect(error).toMatchObject({ exitCode: 40 })
    expect((error as Error).message).toContain('leader: stuck')
  })

  it("populates a subset under the full list's digest, which machines discovering the full list accept", async () => {
    const { open, options, settle } = setup()
    const full = entries(10)
    const retry = await joinBuild(open(), {
      ...options('retry'),
      entries: full.slice(0, 3),
      digest: digestOf(full.map((e) => e.id)),
    })
    expect(retry).toMatchObject({ populated: true, total: 3 })
    const machine = await settle(joinBuild(open(), options('m1')))
    expect(machine).toMatchObject({ populated: false, total: 3 })
    expect((await open().entries()).map((e) => e.id).sort()).toEqual(
      full
        .slice(0, 3)
        .map((e) => e.id)
        .sort(),
    )
  })
})
