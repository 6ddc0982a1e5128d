import { joinBuild, type Lease, RedisStore } from '@shardless/queue-core'
import type { Redis } from 'ioredis'
import { closedLoop } from './load.js'
import { benchBuild, type CommandStats, commandStats, deleteKeys, rawClient, statsDelta } from './redis.js'
import type { BenchOptions, Section } from './section.js'
import { preciseNow, round } from './stats.js'

const ENTRIES = 100_000
const CONCURRENCY = [16, 64, 256]
/** Client connections shared by the simulated workers (and by the raw baseline, the same way). */
const CONNECTIONS = 8
const POLICY = { maxRequeues: 1, requeueTolerance: 0.05, maxFailures: 0, maxAttempts: 3, maxTestMs: 0 }

/**
 * Queue-core alone: populate 100,000 entries through joinBuild, then reserve+ack pairs from 16/64/256 simulated
 * workers, next to the same closed loop of two trivial EVALSHA round trips (Redis's own ceiling on this machine).
 */
export async function protocol({ quick, redisUrl }: BenchOptions): Promise<Section> {
  const pairs = quick ? 6_000 : 30_000
  const entries = Array.from({ length: ENTRIES }, (_, i) => ({
    id: `bench\0tests/area-${i % 97}/file-${i}.test.ts`,
    weight: 1 + ((i * 7919) % 5000),
  }))
  const admin = rawClient(redisUrl)
  const sha = String(await admin.script('LOAD', 'return 1'))
  const raw = Array.from({ length: CONNECTIONS }, () => rawClient(redisUrl))
  const rows: (string | number)[][] = []
  const levels: Record<string, unknown>[] = []
  const builds: string[] = []
  const populates: number[] = []
  const rates: number[] = []
  const bounds: number[] = []
  let split = { reserveUs: Number.NaN, ackUs: Number.NaN }
  let rawUs = Number.NaN
  let inside = { totalUs: Number.NaN, commandsUs: Number.NaN, perPair: [] as string[] }
  try {
    for (const concurrency of CONCURRENCY) {
      const build = benchBuild('protocol')
      builds.push(build)
      const stores = Array.from(
        { length: CONNECTIONS },
        () => new RedisStore({ url: redisUrl, build, suite: 'bench' }),
      )
      const beforePopulate = await commandStats(admin)
      const t = preciseNow()
      await joinBuild(stores[0]!, { machine: 'populate', entries, policy: POLICY })
      const populateMs = preciseNow() - t
      const populateServer = statsDelta(beforePopulate, await commandStats(admin))
      const beforeDrain = await commandStats(admin)

      const shardless = await closedLoop(concurrency, pairs, async (loop, n) => {
        const store = stores[loop % CONNECTIONS]!
        const worker = `w${loop}`
        const reply = await store.reserve({
          caller: worker,
          requestId: `r${n}`,
          worker,
          count: 1,
          leaseMs: 60_000,
        })
        if (reply.status !== 'leased') throw new Error(`reserve answered ${reply.status} with entries left`)
        const lease = reply.leases[0]!
        await store.ack({
          caller: worker,
          requestId: `a${n}`,
          worker,
          lease,
          outcome: 'passed',
          durationMs: 1,
          payload: '',
        })
      })
      const drainServer = statsDelta(beforeDrain, await commandStats(admin))
      const serverUsPerPair = drainServer.scriptUsec / pairs
      if (concurrency === CONCURRENCY[1])
        inside = { totalUs: serverUsPerPair, ...insideScripts(drainServer, pairs) }
      const beforeBaseline = await commandStats(admin)
      const baseline = await closedLoop(concurrency, pairs, async (loop) => {
        const client = raw[loop % CONNECTIONS]!
        await client.evalsha(sha, 0)
        await client.evalsha(sha, 0)
      })
      rawUs = statsDelta(beforeBaseline, await commandStats(admin)).scriptUsec / (2 * pairs)
      if (concurrency === CONCURRENCY.at(-1)) split = await splitCosts(admin, stores, Math.min(pairs, 10_000))
      await Promise.all(stores.map((store) => store.close()))
      const ratio = shardless.opsPerSec / baseline.opsPerSec
      populates.push(populateMs)
      rates.push(shardless.opsPerSec)
      bounds.push(1e6 / serverUsPerPair)
      rows.push([
        concurrency,
        round(populateMs),
        round(populateServer.scriptUsec / 1000),
        round(shardless.opsPerSec),
        round(shardless.p50Ms, 2),
        round(shardless.p99Ms, 2),
        round(serverUsPerPair),
        round(1e6 / serverUsPerPair),
        round(baseline.opsPerSec),
        round(baseline.p50Ms, 2),
        round(baseline.p99Ms, 2),
        `${round(ratio * 100)} %`,
      ])
      levels.push({
        workers: concurrency,
        populateMs: round(populateMs, 1),
        populateRedisMs: round(populateServer.scriptUsec / 1000, 1),
        redisUsPerPair: round(serverUsPerPair, 1),
        reserveAck: {
          perSec: round(shardless.opsPerSec),
          p50Ms: round(shardless.p50Ms, 3),
          p99Ms: round(shardless.p99Ms, 3),
        },
        rawEvalshaPair: {
          perSec: round(baseline.opsPerSec),
          p50Ms: round(baseline.p50Ms, 3),
          p99Ms: round(baseline.p99Ms, 3),
        },
        ratio: round(ratio, 3),
      })
    }
  } finally {
    await deleteKeys(admin, builds)
    for (const client of [admin, ...raw]) client.disconnect()
  }
  return {
    id: 'protocol',
    title: 'Protocol throughput (queue-core on Redis)',
    method: `Populate: joinBuild of ${ENTRIES.toLocaleString('en')} entries on a RedisStore (elect, staged chunks of 5,000, commit), timed from the first call to the ready queue. Then ${pairs.toLocaleString('en')} reserve+ack pairs (reserve 1 entry, ack it) from N concurrent simulated workers in one Node process over ${CONNECTIONS} connections, each worker waiting for its own previous call (closed loop). Baseline, same run, same connections and concurrency: a pair of trivial \`EVALSHA\` (\`return 1\`) round trips. Latency is per pair. Redis time comes from \`INFO commandstats\` deltas (script CPU time, including any other client of this Redis during the interval); \`Redis-bound pair/s\` = 1 s ÷ Redis µs per pair, the rate a dedicated Redis core would allow.`,
    table: {
      columns: [
        'workers',
        'populate ms',
        'of it Redis ms',
        'reserve+ack/s',
        'p50 ms',
        'p99 ms',
        'Redis µs/pair',
        'Redis-bound pair/s',
        'raw pair/s',
        'raw p50',
        'raw p99',
        'of raw',
      ],
      rows,
    },
    json: {
      entries: ENTRIES,
      pairs,
      connections: CONNECTIONS,
      levels,
      redisUsPerCall: { ...split, rawEvalsha: round(rawUs, 2) },
    },
    notes: [
      `Where a pair's Redis time goes (64 workers): the commands the two scripts run take ${round(inside.commandsUs, 1)} µs of the ${round(inside.totalUs)} µs — per pair ${inside.perPair.join(', ')}; the rest is the Lua interpreter itself (script entry, cjson, string handling).`,
      `Redis CPU per call, measured apart (${Math.min(pairs, 10_000).toLocaleString('en')} reserves from 64 workers, then their acks): reserve ${round(split.reserveUs)} µs, ack ${round(split.ackUs)} µs; the baseline's trivial EVALSHA costs Redis ${round(rawUs, 1)} µs.`,
    ],
    targets: [
      {
        target: 'populate 100,000 entries in < 1 s',
        measured: `${populates.map((ms) => round(ms)).join(', ')} ms`,
        met: Math.max(...populates) < 1000,
      },
      {
        target: '≥ 50,000 reserve+ack/s',
        measured: `best ${round(Math.max(...rates)).toLocaleString('en')}/s (Redis-bound ${round(Math.max(...bounds)).toLocaleString('en')}/s)`,
        met: Math.max(...rates) >= 50_000,
      },
    ],
  }
}

/** Redis CPU µs of one reserve and of one ack, each measured in its own phase on the same queue. */
async function splitCosts(admin: Redis, stores: RedisStore[], count: number) {
  const leases: { worker: string; lease: Lease }[] = []
  let before = await commandStats(admin)
  await closedLoop(64, count, async (loop, n) => {
    const worker = `split${loop}`
    const reply = await stores[loop % CONNECTIONS]!.reserve({
      caller: worker,
      requestId: `sr${n}`,
      worker,
      count: 1,
      leaseMs: 60_000,
    })
    if (reply.status === 'leased') leases.push({ worker, lease: reply.leases[0]! })
  })
  const reserveUs = statsDelta(before, await commandStats(admin)).scriptUsec / count
  before = await commandStats(admin)
  await closedLoop(64, leases.length, async (loop, n) => {
    const { worker, lease } = leases[n]!
    await stores[loop % CONNECTIONS]!.ack({
      caller: worker,
      requestId: `sa${n}`,
      worker,
      lease,
      outcome: 'passed',
      durationMs: 1,
      payload: '',
    })
  })
  const ackUs = statsDelta(before, await commandStats(admin)).scriptUsec / leases.length
  return { reserveUs, ackUs }
}

/** The commands run inside the scripts, per reserve+ack pair: calls and µs by command, busiest first. */
function insideScripts(delta: CommandStats, pairs: number) {
  const commands = Object.entries(delta.byCommand)
    .filter(([name]) => name !== 'evalsha' && name !== 'eval' && !name.startsWith('info'))
    .map(([name, { calls, usec }]) => ({ name, calls: calls / pairs, usec: usec / pairs }))
    .filter((c) => c.calls >= 0.5)
    .sort((a, b) => b.usec - a.usec)
  return {
    commandsUs: commands.reduce((total, c) => total + c.usec, 0),
    perPair: commands.map((c) => `${round(c.calls, 1)} ${c.name.toUpperCase()} ${round(c.usec, 1)} µs`),
  }
}
