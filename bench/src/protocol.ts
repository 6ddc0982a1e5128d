import { joinBuild, RedisStore } from '@shardless/queue-core'
import { closedLoop } from './load.js'
import { benchBuild, commandStats, deleteKeys, rawClient, statsDelta } from './redis.js'
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
  try {
    for (const concurrency of CONCURRENCY) {
      const build = benchBuild('protocol')
      builds.push(build)
      const stores = Array.from(
        { length: CONNECTIONS },
        () => new RedisStore({ url: redisUrl, build, suite: 'bench' }),
      )
      const t = preciseNow()
      const beforePopulate = await commandStats(admin)
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
      const baseline = await closedLoop(concurrency, pairs, async (loop) => {
        const client = raw[loop % CONNECTIONS]!
        await client.evalsha(sha, 0)
        await client.evalsha(sha, 0)
      })
      await Promise.all(stores.map((store) => store.close()))
      const ratio = shardless.opsPerSec / baseline.opsPerSec
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
    json: { entries: ENTRIES, pairs, connections: CONNECTIONS, levels },
    notes: [],
  }
}
