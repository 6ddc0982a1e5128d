import { createRedisClient, RedisStore, type ResolvedConfig } from '@shardless/queue-core'

/** Opens the build's store and checks Redis answers (RedisUnavailableError, exit 41, when it does not). */
export async function openBuild(config: ResolvedConfig): Promise<RedisStore> {
  const store = new RedisStore({
    url: config.redisUrl!,
    cluster: config.cluster,
    build: config.build,
    suite: config.suite,
    // A report waits for a whole build: ride out a Redis blip (failover, restart) as the machines do.
    retryBudgetMs: 60_000,
  })
  try {
    // But a Redis that is not there at all is reported quickly.
    await store.connect(10_000)
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

/** Suites that have keys under this build id: the likely fix when the report looks under the wrong suite name. */
export async function suitesOfBuild(config: ResolvedConfig): Promise<string[]> {
  if (config.cluster) return []
  const client = createRedisClient(config.redisUrl!)
  client.on('error', () => {})
  try {
    const prefix = `shardless:{${config.build}}:`
    const suites = new Set<string>()
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*:meta`, 'COUNT', 1000)
      for (const key of keys) suites.add(key.slice(prefix.length, -':meta'.length))
      cursor = next
    } while (cursor !== '0')
    return [...suites].sort()
  } catch {
    return []
  } finally {
    client.disconnect()
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
