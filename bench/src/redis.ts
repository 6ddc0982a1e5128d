import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env.SHARDLESS_REDIS_URL || 'redis://127.0.0.1:6379'

/** A build id no other run (or test) shares, so the benchmark only ever touches its own keys. */
export function benchBuild(label: string): string {
  return `bench-${label}-${randomUUID().slice(0, 8)}`
}

export function rawClient(url = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 })
}

/** Deletes every key of the given builds and timing-history suites. */
export async function deleteKeys(client: Redis, builds: string[], suites: string[] = []): Promise<void> {
  const patterns = [
    ...builds.map((build) => `shardless:{${build}}:*`),
    ...suites.map((suite) => `shardless:timings:{${suite}}`),
  ]
  for (const pattern of patterns) {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = next
      if (keys.length) await client.unlink(...keys)
    } while (cursor !== '0')
  }
}

export interface CommandStats {
  /** Commands executed since Redis started, Lua-internal calls included. */
  calls: number
  /** Server CPU time spent in scripts (EVAL/EVALSHA), microseconds. */
  scriptUsec: number
  scriptCalls: number
  /** Calls and µs per command name (commands run inside scripts are counted under their own names too). */
  byCommand: Record<string, { calls: number; usec: number }>
}

/** Totals from INFO commandstats; deltas of two readings measure what happened in between (all clients). */
export async function commandStats(client: Redis): Promise<CommandStats> {
  const info = await client.info('commandstats')
  const stats: CommandStats = { calls: 0, scriptUsec: 0, scriptCalls: 0, byCommand: {} }
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats.calls += Number(match[2])
    stats.byCommand[match[1]!] = { calls: Number(match[2]), usec: Number(match[3]) }
    if (match[1] === 'eval' || match[1] === 'evalsha') {
      stats.scriptCalls += Number(match[2])
      stats.scriptUsec += Number(match[3])
    }
  }
  return stats
}

export function statsDelta(before: CommandStats, after: CommandStats): CommandStats {
  const byCommand: CommandStats['byCommand'] = {}
  for (const [name, { calls, usec }] of Object.entries(after.byCommand)) {
    const old = before.byCommand[name] ?? { calls: 0, usec: 0 }
    if (calls > old.calls) byCommand[name] = { calls: calls - old.calls, usec: usec - old.usec }
  }
  return {
    calls: after.calls - before.calls,
    scriptUsec: after.scriptUsec - before.scriptUsec,
    scriptCalls: after.scriptCalls - before.scriptCalls,
    byCommand,
  }
}

export async function redisVersion(client: Redis): Promise<string> {
  const info = await client.info('server')
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'
}
