// Faults of Redis and the network: paused, restarted with and without persistence, unreachable, partitioned.
import { randomUUID } from 'node:crypto'
import { ExitCode, entryId, estimateWeights, lptSplit, parseEntryId } from '@shardless/queue-core'
import { afterEach, describe, expect, it } from 'vitest'
import { checkInvariants, readBuild } from '../src/invariants.js'
import { type Files, files, type Machine, startMachine } from '../src/machines.js'
import { freePort, type RedisServer, startCluster, startRedis } from '../src/redis-server.js'
import { startReport } from '../src/report.js'
import { startProxy, type TcpProxy } from '../src/tcp-proxy.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function redisServer(options: { appendonly?: boolean } = {}) {
  const server = await startRedis(options)
  cleanup.push(() => server.stop())
  return server
}

function machines(
  redis: { url: string },
  suite: Files,
  names: string[],
  overrides: Record<string, string> = {},
) {
  const build = `fault-${randomUUID()}`
  const env = {
    SHARDLESS_REDIS_URL: redis.url,
    SHARDLESS_BUILD: build,
    SHARDLESS_LEASE_MS: '3000',
    ...overrides,
  }
  const started = names.map((name) => startMachine(name, env, { files: suite }))
  cleanup.push(async () => {
    for (const machine of started) machine.child.kill('SIGKILL')
  })
  return { build, started, env }
}

/** Waits until `count` files finished across the machines, so the fault lands mid-run. */
async function finished(started: Machine[], count: number) {
  for (let seen = 0; seen < count; ) {
    await Promise.race(started.map((m) => m.waitFor(/^finish /, { fresh: true })))
    seen = started.reduce((sum, m) => sum + m.lines.filter((l) => l.startsWith('finish ')).length, 0)
  }
}

const exits = (started: Machine[]) => Promise.all(started.map((m) => m.exit))

describe('Redis faults', () => {
  it('rides out Redis paused (SIGSTOP) for 10 s mid-run: clients back off and continue, nothing lost', async () => {
    const redis = await redisServer()
    const suite = files(40)
    const { build, started } = machines(redis, suite, ['m1', 'm2', 'm3'])
    await finished(started, 8)
    redis.pause()
    // The fault itself lasts 10 s: that is what the case is about, not a wait for something to happen.
    await new Promise((resolve) => setTimeout(resolve, 10_000))
    redis.resume()
    expect(await exits(started)).toEqual(started.map(() => ({ code: 0, signal: null })))
    checkInvariants(await readBuild(redis.url, build), suite, 'Redis paused')
  }, 90_000)

  it('finishes correctly across a Redis restart with AOF: reconnects and reloads its scripts', async () => {
    const redis = await redisServer({ appendonly: true })
    const suite = files(40)
    const { build, started } = machines(redis, suite, ['m1', 'm2', 'm3'])
    await finished(started, 8)
    await redis.restart()
    expect(await exits(started)).toEqual(started.map(() => ({ code: 0, signal: null })))
    checkInvariants(await readBuild(redis.url, build), suite, 'Redis restarted with AOF')
  })

  it('fails every machine with "queue state lost" (41) when Redis restarts without persistence; never green', async () => {
    const redis = await redisServer()
    const suite = files(40)
    const { started } = machines(redis, suite, ['m1', 'm2', 'm3'])
    await finished(started, 8)
    await redis.restart()
    expect(await exits(started)).toEqual(started.map(() => ({ code: ExitCode.queueLost, signal: null })))
    for (const machine of started) expect(machine.stderr()).toMatch(/queue state lost/)
  })

  it('falls back to the static LPT split within one lease when Redis is unreachable at start, announced', async () => {
    const unreachable = { url: `redis://127.0.0.1:${await freePort()}` }
    const suite = files(12)
    const names = ['m0', 'm1', 'm2']
    const build = `fault-${randomUUID()}`
    const started = names.map((name, index) =>
      startMachine(
        name,
        {
          SHARDLESS_REDIS_URL: unreachable.url,
          SHARDLESS_BUILD: build,
          SHARDLESS_LEASE_MS: '1000',
          SHARDLESS_INDEX: String(index),
          SHARDLESS_TOTAL: String(names.length),
        },
        { files: suite },
      ),
    )
    expect(await exits(started)).toEqual(started.map(() => ({ code: 0, signal: null })))
    const shares = started.map((m) =>
      JSON.parse(m.lines.find((l) => l.startsWith('fallback '))?.split(' ')[2] ?? 'null'),
    )
    // Every file exactly once across the machines, each share the one LPT gives that index.
    expect(shares.flat().sort()).toEqual(suite.map(([name]) => name).sort())
    // The fixture's file sizes are its durations: a cold build weighs by size.
    const plan = lptSplit(
      estimateWeights(
        suite.map(([name, ms]) => ({ id: entryId('fault', name), bytes: ms })),
        {},
      ),
      3,
    )
    expect(shares).toEqual(plan.map((ids) => ids.map((id) => parseEntryId(id).path)))
    for (const machine of started) expect(machine.stderr()).toMatch(/FALLBACK — Redis is unreachable/)
  })

  it('marks the build as run in fallback mode when Redis comes back before the machines finish', async () => {
    const redis = await redisServer()
    const proxy = await startProxy(redis.port)
    cleanup.push(() => proxy.close())
    await proxy.cut()
    const suite = files(12, { special: [['fail-x.test.ts', 20]] })
    const build = `fault-${randomUUID()}`
    const started = ['m0', 'm1'].map((name, index) =>
      startMachine(
        name,
        {
          SHARDLESS_REDIS_URL: proxy.url,
          SHARDLESS_BUILD: build,
          SHARDLESS_LEASE_MS: '1000',
          SHARDLESS_INDEX: String(index),
          SHARDLESS_TOTAL: '2',
        },
        { files: suite },
      ),
    )
    await Promise.all(started.map((m) => m.waitFor(/^fallback /)))
    await proxy.restore()
    expect((await exits(started)).map((e) => e.code).sort()).toEqual([0, 1])
    const { code, output } = await startReport(redis.url, build).exit
    expect(code, output).toBe(ExitCode.testFailures)
    expect(output).toMatch(/FALLBACK: Redis was unreachable .* 2 of 2 machines ran 13 files, 1 failed/)
  })

  it('runs a whole build on a 3-master Redis Cluster with no CROSSSLOT error', async () => {
    const cluster = await startCluster(3)
    cleanup.push(() => cluster.stop())
    const suite = files(30)
    const { build, started } = machines(cluster, suite, ['m1', 'm2', 'm3'], {
      SHARDLESS_REDIS_CLUSTER: 'true',
    })
    expect(await exits(started)).toEqual(started.map(() => ({ code: 0, signal: null })))
    checkInvariants(await readBuild(cluster.url, build, true), suite, 'Redis Cluster')
  })

  it('lets the others finish when one machine is cut off, and refuses its late results', async () => {
    const redis: RedisServer = await redisServer()
    const proxy: TcpProxy = await startProxy(redis.port)
    cleanup.push(() => proxy.close())
    const suite: Files = [['slow.test.ts', 2500], ...files(20)]
    const build = `fault-${randomUUID()}`
    const env = { SHARDLESS_BUILD: build, SHARDLESS_LEASE_MS: '1000' }
    const cutOff = startMachine(
      'cut-off',
      { ...env, SHARDLESS_REDIS_URL: proxy.url },
      { files: suite, slots: 1 },
    )
    await cutOff.waitFor(/^start slow\.test\.ts/)
    await proxy.cut()
    const others = ['m1', 'm2'].map((name) =>
      startMachine(name, { ...env, SHARDLESS_REDIS_URL: redis.url }, { files: suite }),
    )
    cleanup.push(async () => {
      for (const machine of [cutOff, ...others]) machine.child.kill('SIGKILL')
    })
    await Promise.race(others.map((m) => m.waitFor(/^finish slow\.test\.ts ok/)))
    await proxy.restore()
    await cutOff.waitFor(/^finish slow\.test\.ts stale/)
    expect(await exits([cutOff, ...others])).toEqual([0, 0, 0].map((code) => ({ code, signal: null })))
    const snapshot = await readBuild(redis.url, build)
    checkInvariants(snapshot, suite, 'machine cut off')
    expect(snapshot.log.filter((r) => r.stale).map((r) => r.worker)).toEqual(['cut-off'])
  })
})
