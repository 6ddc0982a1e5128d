import { ConfigError, RedisUnavailableError } from './errors.js'
import type { ResolvedConfig } from './options.js'
import { isTransientRedisError } from './retry.js'
import { MemoryStore } from './store/memory.js'
import { RedisStore } from './store/redis.js'
import type { QueueStore } from './types.js'

export type Opened =
  | { mode: 'queue'; store: QueueStore }
  /** Redis could not be reached: run the static LPT split for machine `index` of `total` (announce it loudly). */
  | { mode: 'fallback'; index: number; total: number; reason: string }

/**
 * Opens the configured store. An unreachable Redis (after backoff, within one lease) falls back to the static
 * split when this machine knows its index and the machine count; without them it fails rather than letting
 * every machine run everything.
 */
export async function openStore(config: ResolvedConfig): Promise<Opened> {
  if (config.store === 'memory') {
    return { mode: 'queue', store: new MemoryStore({ build: config.build, suite: config.suite }) }
  }
  const store = new RedisStore({
    url: config.redisUrl!,
    cluster: config.cluster,
    build: config.build,
    suite: config.suite,
  })
  try {
    await store.connect(config.leaseMs)
    return { mode: 'queue', store }
  } catch (error) {
    await store.close()
    const cause = error instanceof RedisUnavailableError ? error.cause : error
    if (!isTransientRedisError(cause)) {
      throw new ConfigError(
        'redisUrl (SHARDLESS_REDIS_URL)',
        `Redis refused the connection: ${cause instanceof Error ? cause.message : String(cause)}. Check the host, password (redis://:password@host:6379) and database.`,
      )
    }
    if (config.index === null || config.total === null) {
      throw new RedisUnavailableError(
        `${store.describe} (and no SHARDLESS_INDEX/SHARDLESS_TOTAL or CI node index is known for a static fallback split)`,
        cause,
      )
    }
    // ioredis's own message here is about its retry counter, not the server: say what happened instead.
    const reason = `${store.describe} did not answer within ${config.leaseMs} ms`
    return { mode: 'fallback', index: config.index, total: config.total, reason }
  }
}
