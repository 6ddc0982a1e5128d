// Inputs a user can get wrong: each fails with a message naming the problem and the fix, with the documented exit
// code, and writes nothing to Redis. (Framework-specific inputs, such as --shard, watch and -u, are covered by the
// adapters' own e2e tests; Redis-side advice such as eviction policy by `shardless doctor`'s tests.)
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ExitCode, entryId } from '@shardless/queue-core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { files, startMachine } from '../src/machines.js'
import { freePort, type RedisServer, startRedis } from '../src/redis-server.js'
import { startCli, startReport } from '../src/report.js'

let redis: RedisServer
let locked: RedisServer
let admin: Redis
let nowhere: number
beforeAll(async () => {
  ;[redis, locked] = await Promise.all([startRedis(), startRedis({ args: ['--requirepass', 's3cret'] })])
  nowhere = await freePort()
  admin = new Redis(redis.url)
})
afterAll(async () => {
  admin.disconnect()
  await Promise.all([redis.stop(), locked.stop()])
})

const corruptTimings = join(tmpdir(), `shardless-corrupt-${randomUUID()}.json`)
writeFileSync(corruptTimings, '{"v":1,"entries":')

type Row = [what: string, env: Record<string, string>, exit: number, message: RegExp, fileCount?: number]

// Placeholders, filled in once the servers run: $REDIS (ours), $LOCKED (requirepass s3cret), $NOWHERE (no server).
const rows: Row[] = [
  [
    'a Redis URL without a scheme',
    { SHARDLESS_REDIS_URL: 'localhost:6379' },
    2,
    /SHARDLESS_REDIS_URL.*must start with redis:\/\//,
  ],
  [
    'a Redis URL that is not a URL',
    { SHARDLESS_REDIS_URL: 'redis://:::' },
    2,
    /SHARDLESS_REDIS_URL.*is not a URL/,
  ],
  [
    'a Redis database that is not a number',
    { SHARDLESS_REDIS_URL: 'redis://$REDIS/zero' },
    2,
    /database "zero" must be a number/,
  ],
  [
    'a wrong password',
    { SHARDLESS_REDIS_URL: 'redis://:nope@$LOCKED' },
    2,
    /Redis refused the connection.*password/,
  ],
  [
    'a missing password',
    { SHARDLESS_REDIS_URL: 'redis://$LOCKED' },
    2,
    /Redis refused the connection.*NOAUTH/,
  ],
  ['a build id with spaces', { SHARDLESS_BUILD: 'my build' }, 2, /SHARDLESS_BUILD.*no spaces, braces/],
  ['a build id with braces', { SHARDLESS_BUILD: 'b{1}' }, 2, /SHARDLESS_BUILD.*no spaces, braces/],
  ['an empty build id outside CI', { SHARDLESS_BUILD: '' }, 2, /no build id is known: set SHARDLESS_BUILD/],
  ['a negative lease', { SHARDLESS_LEASE_MS: '-5' }, 2, /SHARDLESS_LEASE_MS.*at least 100/],
  ['a zero lease', { SHARDLESS_LEASE_MS: '0' }, 2, /SHARDLESS_LEASE_MS.*at least 100/],
  ['a lease with a unit', { SHARDLESS_LEASE_MS: '30s' }, 2, /SHARDLESS_LEASE_MS.*"30s" is not a number/],
  [
    'a heartbeat as long as the lease',
    { SHARDLESS_LEASE_MS: '1000', SHARDLESS_HEARTBEAT_MS: '1000' },
    2,
    /SHARDLESS_HEARTBEAT_MS.*shorter than leaseMs/,
  ],
  [
    'a misspelt variable',
    { SHARDLESS_LEASE: '1000' },
    2,
    /SHARDLESS_LEASE: unknown environment variable.*Did you mean SHARDLESS_LEASE_MS/,
  ],
  ['an unknown store', { SHARDLESS_STORE: 'postgres' }, 2, /SHARDLESS_STORE.*must be one of redis, memory/],
  ['a machine name with spaces', { SHARDLESS_MACHINE: 'ci node 1' }, 2, /SHARDLESS_MACHINE.*no spaces/],
  [
    'a fractional requeue count',
    { SHARDLESS_MAX_REQUEUES: '1.5' },
    2,
    /SHARDLESS_MAX_REQUEUES.*whole number/,
  ],
  [
    'a fallback index past the total',
    { SHARDLESS_INDEX: '3', SHARDLESS_TOTAL: '3' },
    2,
    /SHARDLESS_INDEX.*below total.*0-based/,
  ],
  [
    'a corrupt timing file',
    { SHARDLESS_TIMINGS_FILE: corruptTimings },
    2,
    /SHARDLESS_TIMINGS_FILE.*not valid JSON.*delete it/,
  ],
  ['no test files to populate', {}, 2, /0 test files were found.*include\/testMatch/, 0],
  [
    'an unreachable Redis with no fallback place known',
    { SHARDLESS_REDIS_URL: 'redis://$NOWHERE', SHARDLESS_LEASE_MS: '300' },
    ExitCode.queueLost,
    /Redis did not answer.*SHARDLESS_INDEX\/SHARDLESS_TOTAL.*Check SHARDLESS_REDIS_URL/,
  ],
]

describe('bad input', () => {
  it('has at least 20 cases', () => {
    expect(rows.length).toBeGreaterThanOrEqual(20)
  })

  it.each(rows.map((row) => [row[0], row] as const))('%s', async (_, [, env, exit, message, fileCount]) => {
    const build = `bad-${randomUUID()}`
    const filled = Object.fromEntries(
      Object.entries({ SHARDLESS_REDIS_URL: redis.url, SHARDLESS_BUILD: build, ...env }).map(
        ([name, value]) => [
          name,
          value
            .replace('redis://$REDIS', redis.url)
            .replace('$LOCKED', `127.0.0.1:${locked.port}`)
            .replace('$NOWHERE', `127.0.0.1:${nowhere}`),
        ],
      ),
    )
    const machine = startMachine('bad', filled, { files: files(fileCount ?? 3) })
    expect(await machine.exit).toEqual({ code: exit, signal: null })
    expect(machine.stderr()).toMatch(message)
    expect(await admin.keys('shardless:*'), 'nothing written to Redis').toEqual([])
  })

  it('names how many files differ, and which, when a machine discovered other files than the queue', async () => {
    const build = `bad-${randomUUID()}`
    const env = { SHARDLESS_REDIS_URL: redis.url, SHARDLESS_BUILD: build }
    const first = startMachine('first', env, { files: files(6) })
    await first.waitFor(/^joined leader/)
    const other = startMachine('other', env, { files: [...files(5), ['extra.test.ts', 10]] })
    expect(await other.exit).toEqual({ code: 2, signal: null })
    expect(other.stderr()).toMatch(/differ from the build's queue \(2 entries differ\)/)
    expect(other.stderr()).toMatch(/in the queue but not found here \(1\):\n\s+\[fault\] f005\.test\.ts/)
    expect(other.stderr()).toMatch(/found here but not in the queue \(1\):\n\s+\[fault\] extra\.test\.ts/)
    await first.exit
    await admin.del(...(await admin.keys(`shardless:{${build}}:*`)))
  })

  it('fails every machine with "queue state lost" when a key of the build is deleted mid-run', async () => {
    const build = `bad-${randomUUID()}`
    const machine = startMachine(
      'm1',
      { SHARDLESS_REDIS_URL: redis.url, SHARDLESS_BUILD: build },
      { files: files(30) },
    )
    await machine.waitFor(/^finish /)
    await admin.del(`shardless:{${build}}:fault:meta`)
    expect(await machine.exit).toEqual({ code: ExitCode.queueLost, signal: null })
    expect(machine.stderr()).toMatch(/queue state lost/)
    const left = await admin.keys(`shardless:{${build}}:*`)
    if (left.length) await admin.del(...left)
  })

  it('names a result in Redis that is not a shardless result, and still gives the verdict', async () => {
    const build = `bad-${randomUUID()}`
    const suite = files(4)
    const machine = startMachine(
      'm1',
      { SHARDLESS_REDIS_URL: redis.url, SHARDLESS_BUILD: build },
      { files: suite },
    )
    expect(await machine.exit).toEqual({ code: 0, signal: null })
    await admin.hset(`shardless:{${build}}:fault:result`, entryId('fault', suite[0]![0]), '{"garbage":')
    const { code, output } = await startReport(redis.url, build).exit
    expect(code, output).toBe(0)
    expect(output).toMatch(
      /the result of \[fault\] f000\.test\.ts in Redis is not a shardless result .* Re-run/,
    )
    await admin.del(...(await admin.keys(`shardless:{${build}}:*`)))
  })

  it('warns (without failing) about a Redis that may evict a running build: maxmemory-policy allkeys-lru', async () => {
    const evicting = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] })
    try {
      const { code, output } = await startCli(['doctor', '--redis', evicting.url]).exit
      expect(code, output).toBe(0)
      expect(output).toMatch(/allkeys-lru/)
    } finally {
      await evicting.stop()
    }
  })
})
