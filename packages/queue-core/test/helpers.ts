import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { ManualClock } from '../src/clock.js'
import { timingsKey } from '../src/keys.js'
import { MemoryStore } from '../src/store/memory.js'
import { RedisStore } from '../src/store/redis.js'
import type { EntryInput, QueuePolicy, QueueStore } from '../src/types.js'

export const REDIS_URL = process.env.SHARDLESS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface StoreKit {
  clock: ManualClock
  build: string
  /** Unique per kit, so timing-history tests never share a suite. */
  suite: string
  /** Another handle on the same build (a second machine). */
  open(): QueueStore
  /** Wipe the build's state, as a Redis restart without persistence would. */
  loseState(): Promise<void>
}

export interface StoreFactory {
  kind: 'memory' | 'redis'
  create(): StoreKit
  cleanup(): Promise<void>
}

export const memoryFactory: StoreFactory = {
  kind: 'memory',
  create() {
    const clock = new ManualClock()
    const build = `test-${randomUUID()}`
    const suite = `unit-${randomUUID()}`
    return {
      clock,
      build,
      suite,
      open: () => new MemoryStore({ build, suite, clock }),
      loseState: async () => MemoryStore.reset(),
    }
  },
  cleanup: async () => {},
}

export function redisFactory(): StoreFactory {
  const admin = new Redis(REDIS_URL)
  const stores: RedisStore[] = []
  const builds: string[] = []
  const suites: string[] = []
  return {
    kind: 'redis',
    create() {
      const clock = new ManualClock()
      const build = `test-${randomUUID()}`
      const suite = `unit-${randomUUID()}`
      builds.push(build)
      suites.push(suite)
      const open = () => {
        const store = new RedisStore({ url: REDIS_URL, build, suite, clock, retryBudgetMs: 2000 })
        stores.push(store)
        return store
      }
      return { clock, build, suite, open, loseState: async () => void (await deleteBuild(admin, build)) }
    },
    /** Closes the stores, asserts that every key the test made has a TTL, then deletes them. */
    async cleanup() {
      await Promise.all(stores.splice(0).map((store) => store.close()))
      const withoutTtl: string[] = []
      for (const build of builds.splice(0)) {
        for (const key of await buildKeysIn(admin, build))
          if ((await admin.pttl(key)) < 0) withoutTtl.push(key)
        await deleteBuild(admin, build)
      }
      for (const key of suites.splice(0).map(timingsKey)) {
        if ((await admin.exists(key)) && (await admin.pttl(key)) < 0) withoutTtl.push(key)
        await admin.del(key)
      }
      if (withoutTtl.length) throw new Error(`keys without a TTL: ${withoutTtl.join(', ')}`)
    },
  }
}

export async function buildKeysIn(redis: Redis, build: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `shardless:{${build}}:*`, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys
}

export async function deleteBuild(redis: Redis, build: string): Promise<number> {
  const keys = await buildKeysIn(redis, build)
  return keys.length ? redis.del(...keys) : 0
}

export const policy: QueuePolicy = {
  maxRequeues: 1,
  requeueBudget: 10,
  maxFailures: 0,
  maxAttempts: 3,
  maxTestMs: 0,
}

export function entries(count: number): EntryInput[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `proj\0test/f${String(i).padStart(3, '0')}.test.ts`,
    weight: (i + 1) * 10,
  }))
}
