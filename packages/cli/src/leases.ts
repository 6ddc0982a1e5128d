import { buildKeys, createRedisClient, type ResolvedConfig } from '@shardless/queue-core'

export interface LiveLease {
  entry: string
  worker: string
  attempt: number
  /** Redis ms the lease was granted, and when it runs out unless heartbeated. */
  startedAt: number
  deadline: number
}

export interface LiveView {
  now: number
  leases: LiveLease[]
  /** machine → last registry heartbeat (Redis ms); machines that exited cleanly are not listed. */
  heartbeats: Record<string, number>
}

/**
 * Who holds what right now, read straight from the build's keys. QueueStore has no read for in-flight leases
 * (snapshot() carries finished attempts only), so `status` reads the lease hashes itself, read-only.
 */
export async function liveView(config: ResolvedConfig): Promise<LiveView> {
  const keys = buildKeys(config.build, config.suite)
  const client = createRedisClient(config.redisUrl!, { cluster: config.cluster })
  client.on('error', () => {})
  try {
    const [time, deadlines, holders, started, attempts, workers] = await Promise.all([
      client.time(),
      client.zrange(keys.deadline, 0, -1, 'WITHSCORES'),
      client.hgetall(keys.holder),
      client.hgetall(keys.started),
      client.hgetall(keys.attempt),
      client.zrange(keys.workers, 0, -1, 'WITHSCORES'),
    ])
    const leases: LiveLease[] = []
    for (let i = 0; i < deadlines.length; i += 2) {
      const entry = deadlines[i]!
      leases.push({
        entry,
        worker: holders[entry] ?? '?',
        attempt: Number(attempts[entry] ?? 1),
        startedAt: Number(started[entry] ?? 0),
        deadline: Number(deadlines[i + 1]),
      })
    }
    const heartbeats: Record<string, number> = {}
    for (let i = 0; i < workers.length; i += 2) heartbeats[workers[i]!] = Number(workers[i + 1])
    return { now: Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000), leases, heartbeats }
  } finally {
    client.disconnect()
  }
}
