// Faults of machines: killed, stalled, crashing files, hanging files, fail-fast, leaders that die or stall.
import { randomUUID } from 'node:crypto'
import { ExitCode } from '@shardless/queue-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkInvariants, readBuild } from '../src/invariants.js'
import { type Files, files, killAll, type Machine, startMachine } from '../src/machines.js'
import { type RedisServer, startRedis } from '../src/redis-server.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis.stop())

function build(overrides: Record<string, string> = {}) {
  const id = `fault-${randomUUID()}`
  const env = {
    SHARDLESS_REDIS_URL: redis.url,
    SHARDLESS_BUILD: id,
    SHARDLESS_LEASE_MS: '1000',
    SHARDLESS_SETUP_STALE_MS: '1000',
    SHARDLESS_QUEUE_INIT_TIMEOUT_MS: '20000',
    ...overrides,
  }
  const machines: Machine[] = []
  const start = (
    name: string,
    suite: Files,
    options: { slots?: number; fixture?: string; env?: Record<string, string> } = {},
  ) => {
    const machine = startMachine(name, { ...env, ...options.env }, { ...options, files: suite })
    machines.push(machine)
    return machine
  }
  return { id, env, start, machines, read: () => readBuild(redis.url, id) }
}

describe('machine faults', () => {
  it('reclaims the files of a machine SIGKILLed mid-file and runs them elsewhere', async () => {
    const b = build()
    const suite = files(30)
    const [victim, ...others] = ['m1', 'm2', 'm3'].map((name) => b.start(name, suite))
    await victim!.waitFor(/^finish /)
    // Killed right as it starts a file: that lease, and its other slot's, go down with it.
    await victim!.waitFor(/^start /, { fresh: true })
    victim!.child.kill('SIGKILL')
    const exits = await Promise.all(others.map((m) => m.exit))
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ])
    const snapshot = await b.read()
    checkInvariants(snapshot, suite, 'one machine killed')
    expect(snapshot.progress.expired).toBeGreaterThan(0)
  })

  it('refuses the late result of a machine stalled past its lease, even when it finishes first', async () => {
    const b = build()
    const suite: Files = [['slow.test.ts', 600], ...files(12)]
    const stalled = b.start('stalled', suite, { slots: 1 })
    await stalled.waitFor(/^start slow\.test\.ts/)
    stalled.child.kill('SIGSTOP')
    const other = b.start('other', suite, { slots: 1 })
    // The other machine reclaims slow.test.ts once the stalled machine's lease runs out; the stalled one resumes
    // right then and, its file's time long past, finishes before the new holder does.
    await other.waitFor(/^start slow\.test\.ts/)
    stalled.child.kill('SIGCONT')
    // Its heartbeat is refused (seed 001: it must not extend the new lease) and so is its ack.
    await stalled.waitFor(/^finish slow\.test\.ts stale/)
    await other.waitFor(/^finish slow\.test\.ts ok/)
    expect(await Promise.all(b.machines.map((m) => m.exit))).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ])
    const snapshot = await b.read()
    checkInvariants(snapshot, suite, 'stalled machine')
    expect(snapshot.log.filter((r) => r.stale)).toMatchObject([
      { worker: 'stalled', entry: 'fault\0slow.test.ts' },
    ])
  })

  it('elects exactly one leader when ten machines start at once; the rest verify the digest', async () => {
    const b = build()
    const suite = files(40, { ms: 20 })
    const machines = Array.from({ length: 10 }, (_, i) => b.start(`m${i}`, suite, { slots: 1 }))
    const joined = await Promise.all(machines.map((m) => m.waitFor(/^joined /)))
    expect(joined.filter((line) => line.startsWith('joined leader'))).toHaveLength(1)
    expect(joined.filter((line) => line === 'joined follower 40')).toHaveLength(9)
    expect(new Set((await Promise.all(machines.map((m) => m.exit))).map((e) => e.code))).toEqual(new Set([0]))
    checkInvariants(await b.read(), suite, 'ten machines')
  })

  it('takes over from a leader SIGKILLed after its election, before populating; exactly one populate', async () => {
    const b = build()
    const suite = files(20)
    const leader = b.start('leader', suite, { fixture: 'setup-leader.mjs', env: { FAULT_STALL: 'elected' } })
    await leader.waitFor(/^elected/)
    leader.child.kill('SIGKILL')
    const machines = ['m1', 'm2', 'm3'].map((name) => b.start(name, suite))
    const joined = await Promise.all(machines.map((m) => m.waitFor(/^joined /)))
    expect(joined.filter((line) => line.startsWith('joined leader'))).toHaveLength(1)
    expect(machines.map((m) => m.stderr()).join('')).toMatch(
      /setup leader leader went silent; m\d takes over/,
    )
    expect((await Promise.all(machines.map((m) => m.exit))).map((e) => e.code)).toEqual([0, 0, 0])
    checkInvariants(await b.read(), suite, 'leader killed')
  })

  it('refuses the late writes of a leader paused mid-populate and resumed after a takeover', async () => {
    const b = build()
    const suite = files(20)
    const leader = b.start('leader', suite, { fixture: 'setup-leader.mjs', env: { FAULT_STALL: 'staged' } })
    await leader.waitFor(/^staged/)
    leader.child.kill('SIGSTOP')
    const machines = ['m1', 'm2'].map((name) => b.start(name, suite))
    await Promise.all(machines.map((m) => m.waitFor(/^joined /)))
    leader.child.kill('SIGCONT')
    expect(await leader.waitFor(/^(refused|committed)/)).toBe('refused SHARDLESS_DEPOSED')
    expect((await Promise.all(machines.map((m) => m.exit))).map((e) => e.code)).toEqual([0, 0])
    // No ghost entry from the old leader's staging: the queue is exactly the new leader's.
    checkInvariants(await b.read(), suite, 'paused leader')
  })

  it('fails a file that kills every machine running it as lost after its attempts, and finishes the rest', async () => {
    const b = build({ SHARDLESS_MAX_ATTEMPTS: '2' })
    const suite = files(16, { special: [['crash-boom.test.ts', 10]] })
    const machines = ['m1', 'm2', 'm3', 'm4'].map((name) => b.start(name, suite, { slots: 1 }))
    const exits = await Promise.all(machines.map((m) => m.exit))
    // Two machines died running it (two attempts); the others finished the build, never running it a third time.
    expect(exits.filter((e) => e.signal === 'SIGKILL')).toHaveLength(2)
    expect(exits.filter((e) => e.code === 0)).toHaveLength(2)
    const snapshot = await b.read()
    checkInvariants(snapshot, suite, 'crashing file')
    expect(snapshot.log.filter((r) => r.outcome === 'expired')).toHaveLength(2)
  })

  it('stops a hanging file at the max test time, reports it failed, and lets the rest continue', async () => {
    const b = build({ SHARDLESS_MAX_TEST_MS: '1500', SHARDLESS_MAX_REQUEUES: '0' })
    const suite = files(10, { special: [['hang-forever.test.ts', 10]] })
    const machines = ['m1', 'm2'].map((name) => b.start(name, suite))
    const exits = await Promise.all(machines.map((m) => m.exit))
    expect(exits.map((e) => e.code).sort()).toEqual([0, 1])
    const runner = machines.find((m) =>
      m.lines.some((l) => l.startsWith('lease-lost hang-forever.test.ts capped')),
    )
    expect(runner, 'the machine running the hanging file was told its lease hit the cap').toBeDefined()
    checkInvariants(await b.read(), suite, 'hanging file')
  })

  it('stops every machine within a lease once max failures cancel the build, exit 44', async () => {
    const b = build({ SHARDLESS_MAX_FAILURES: '2', SHARDLESS_MAX_REQUEUES: '0' })
    const suite = files(60, {
      special: [
        ['fail-a.test.ts', 400],
        ['fail-b.test.ts', 400],
      ],
    })
    const machines = ['m1', 'm2', 'm3'].map((name) => b.start(name, suite))
    const exits = await Promise.all(machines.map((m) => m.exit))
    expect(exits.map((e) => e.code)).toEqual([44, 44, 44])
    const snapshot = await b.read()
    expect(snapshot.state).toMatchObject({ cancelled: 'max-failures' })
    expect(snapshot.progress.done).toBeLessThan(suite.length)
    expect(snapshot.progress.leased).toBe(0)
  })

  it('fails every machine with exit 40 and an explanation when nobody ever populates', async () => {
    const b = build({ SHARDLESS_QUEUE_INIT_TIMEOUT_MS: '1500', SHARDLESS_SETUP_STALE_MS: '60000' })
    const suite = files(5)
    const leader = b.start('stuck', suite, { fixture: 'setup-leader.mjs', env: { FAULT_STALL: 'elected' } })
    await leader.waitFor(/^elected/)
    const machines = ['m1', 'm2'].map((name) => b.start(name, suite))
    const exits = await Promise.all(machines.map((m) => m.exit))
    await killAll([leader])
    expect(exits.map((e) => e.code)).toEqual([ExitCode.noLeader, ExitCode.noLeader])
    for (const machine of machines) expect(machine.stderr()).toMatch(/stuck/)
  })
})
