import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { Clock } from '../clock.js'
import { ConfigError, RedisUnavailableError, ShardlessError, storeError } from '../errors.js'
import { type BuildKeys, buildKeys, timingsKey } from '../keys.js'
import { scripts } from '../lua/scripts.generated.js'
import { isTransientRedisError, withRetries } from '../retry.js'
import type {
  AckReply,
  AckRequest,
  AttemptRecord,
  BuildSnapshot,
  Election,
  FallbackNote,
  FinishRequest,
  HeartbeatReply,
  Lease,
  LiveLease,
  LiveView,
  Outcome,
  Progress,
  QueuedEntry,
  QueuePolicy,
  QueueStore,
  RequeueReply,
  ReserveReply,
  ReserveRequest,
  SetupState,
} from '../types.js'

export const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000
/** Timing history lives across builds: a suite not run for this long starts cold again. */
export const TIMINGS_TTL_MS = 30 * 24 * 60 * 60 * 1000

export interface RedisStoreOptions {
  build: string
  suite: string
  /** `redis://[:password@]host:port[/db]` or `rediss://…`; ignored when `client` is given. */
  url?: string
  /** Treat `url` as one seed node of a Redis Cluster. */
  cluster?: boolean
  /** A client to use instead of one made from `url` (the store then does not close it). */
  client?: Redis | Cluster
  /** TTL of every key, refreshed on each write. */
  ttlMs?: number
  /** How long transient Redis errors are retried (with backoff) before a call fails. */
  retryBudgetMs?: number
  /** Per-command timeout: a paused or partitioned Redis surfaces as a retryable timeout. */
  commandTimeoutMs?: number
  /**
   * Tests only: decide time on this clock instead of Redis `TIME`. Production always uses Redis time, so skewed
   * machine clocks cannot expire each other's leases.
   */
  clock?: Clock
}

type ScriptName = keyof typeof scripts
type ScriptClient = (Redis | Cluster) &
  Record<`shardless_${ScriptName}`, (...args: (string | number)[]) => Promise<unknown>>

/** Parses and checks a Redis URL up front, so a typo fails with the option's name rather than as a DNS error later. */
export function parseRedisUrl(url: string, option = 'redisUrl (SHARDLESS_REDIS_URL)'): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError(
      option,
      `${JSON.stringify(url)} is not a URL; expected redis://[:password@]host:6379[/db].`,
    )
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(option, `${JSON.stringify(url)} must start with redis:// or rediss://.`)
  }
  if (!parsed.hostname) throw new ConfigError(option, `${JSON.stringify(url)} has no host.`)
  const db = parsed.pathname.replace(/^\//, '')
  if (db && !/^\d+$/.test(db))
    throw new ConfigError(option, `${JSON.stringify(url)}: database "${db}" must be a number.`)
  return parsed
}

export function createRedisClient(
  url: string,
  options: { cluster?: boolean; commandTimeoutMs?: number } = {},
) {
  const parsed = parseRedisUrl(url)
  const common: RedisOptions = {
    lazyConnect: true,
    // Fail fast to our own retry loop (which has backoff, jitter and a time budget) instead of ioredis's.
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
  }
  if (options.cluster) {
    return new Cluster([{ host: parsed.hostname, port: Number(parsed.port || 6379) }], {
      lazyConnect: true,
      redisOptions: {
        ...common,
        password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
        username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      },
      clusterRetryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
    })
  }
  return new Redis(url, common)
}

/** The queue protocol on Redis: one Lua script per operation, called by SHA (ioredis reloads on NOSCRIPT). */
export class RedisStore implements QueueStore {
  readonly kind = 'redis'
  readonly describe: string
  readonly keys: BuildKeys
  private readonly client: ScriptClient
  private readonly ownsClient: boolean
  private readonly ttl: string
  private readonly retryBudgetMs: number

  constructor(private readonly options: RedisStoreOptions) {
    this.keys = buildKeys(options.build, options.suite)
    const client =
      options.client ??
      createRedisClient(options.url ?? 'redis://127.0.0.1:6379', {
        cluster: options.cluster,
        commandTimeoutMs: options.commandTimeoutMs,
      })
    this.ownsClient = !options.client
    // ioredis reports connection trouble both as an event and as the failed command; we handle the latter.
    if (this.ownsClient) client.on('error', () => {})
    // Prefixed: defineCommand adds methods to the client, and a bare name such as `status` would shadow its own.
    for (const [name, script] of Object.entries(scripts)) {
      client.defineCommand(`shardless_${name}`, { numberOfKeys: script.keys, lua: script.lua })
    }
    this.client = client as ScriptClient
    this.ttl = String(options.ttlMs ?? DEFAULT_TTL_MS)
    this.retryBudgetMs = options.retryBudgetMs ?? 60_000
    this.describe = `${redactUrl(options.url ?? 'redis://127.0.0.1:6379')} ${this.keys.prefix.slice(0, -1)}`
  }

  /** Connects within `budgetMs` (with backoff), or throws RedisUnavailableError. */
  async connect(budgetMs = this.retryBudgetMs): Promise<void> {
    await this.retrying(() => this.client.ping(), budgetMs)
  }

  private retrying<T>(operation: () => Promise<T>, budgetMs = this.retryBudgetMs): Promise<T> {
    return withRetries(operation, { budgetMs, isTransient: isTransientRedisError }).catch(
      (error: unknown) => {
        const code = error instanceof Error ? /\bSHARDLESS_([A-Z_]+)/.exec(error.message)?.[1] : undefined
        if (code) throw storeError(code, this.describe)
        if (error instanceof ShardlessError) throw error
        throw new RedisUnavailableError(this.describe, error)
      },
    )
  }

  private run(name: ScriptName, keys: string[], ...args: (string | number)[]): Promise<unknown> {
    const now = this.options.clock ? String(this.options.clock.now()) : ''
    return this.retrying(() => this.client[`shardless_${name}`](...keys, this.ttl, now, ...args))
  }

  private async json<T>(name: ScriptName, keys: string[], ...args: (string | number)[]): Promise<T> {
    return JSON.parse(String(await this.run(name, keys, ...args))) as T
  }

  elect(machine: string): Promise<Election> {
    return this.json('elect', [this.keys.meta], machine)
  }

  takeover(machine: string, staleMs: number): Promise<Election> {
    const k = this.keys
    return this.json('takeover', [k.meta, k.staged, k.stagedWeights], machine, staleMs)
  }

  async setupHeartbeat(epoch: number): Promise<boolean> {
    return (await this.run('setupHeartbeat', [this.keys.meta], epoch)) === 1
  }

  async resign(epoch: number): Promise<boolean> {
    return (await this.run('resign', [this.keys.meta], epoch)) === 1
  }

  async stage(epoch: number, entries: QueuedEntry[]): Promise<number> {
    const k = this.keys
    const args = entries.flatMap((e) => [e.id, e.position, e.weight])
    return Number(await this.run('stage', [k.meta, k.staged, k.stagedWeights], epoch, ...args))
  }

  async commit(epoch: number, digest: string, total: number, policy: QueuePolicy): Promise<void> {
    const k = this.keys
    await this.run(
      'commit',
      [k.meta, k.staged, k.stagedWeights, k.entries, k.weights, k.queue],
      epoch,
      digest,
      total,
      policy.maxRequeues,
      policy.requeueBudget,
      policy.maxFailures,
      policy.maxAttempts,
      policy.maxTestMs,
    )
  }

  async state(): Promise<SetupState> {
    const state = await this.json<SetupState & { cancelled?: string; digest?: string }>('state', [
      this.keys.meta,
    ])
    if (state.status === 'absent') return state
    return { ...state, digest: state.digest || null, cancelled: state.cancelled || null }
  }

  async entries(): Promise<QueuedEntry[]> {
    const [positions, weights] = await this.retrying(() =>
      Promise.all([
        this.client.zrange(this.keys.entries, 0, -1, 'WITHSCORES'),
        this.client.hgetall(this.keys.weights),
      ]),
    )
    const entries: QueuedEntry[] = []
    for (let i = 0; i < positions.length; i += 2) {
      const id = positions[i]!
      entries.push({ id, position: Number(positions[i + 1]), weight: Number(weights[id] ?? 0) })
    }
    return entries
  }

  async reserve(request: ReserveRequest): Promise<ReserveReply> {
    const k = this.keys
    const reply = await this.json<ReserveReply>(
      'reserve',
      [
        k.meta,
        k.queue,
        k.retry,
        k.failedBy,
        k.lease,
        k.holder,
        k.deadline,
        k.started,
        k.attempt,
        k.outcome,
        k.counters,
        k.log,
        k.workers,
        k.replies,
      ],
      request.worker,
      request.caller,
      request.requestId,
      request.count,
      request.leaseMs,
    )
    return reply.status === 'done' ? { status: 'done', cancelled: reply.cancelled || null } : reply
  }

  async heartbeat(lease: Lease, leaseMs: number): Promise<HeartbeatReply> {
    const k = this.keys
    return (await this.run(
      'heartbeat',
      [k.meta, k.lease, k.deadline, k.started],
      lease.entry,
      lease.lease,
      leaseMs,
    )) as HeartbeatReply
  }

  async ack(request: AckRequest): Promise<AckReply> {
    const k = this.keys
    const reply = await this.json<AckReply>(
      'ack',
      [k.meta, k.lease, k.holder, k.deadline, k.started, k.outcome, k.result, k.counters, k.log, k.replies],
      request.worker,
      request.caller,
      request.requestId,
      request.lease.entry,
      request.lease.lease,
      request.outcome,
      Math.round(request.durationMs),
      request.payload,
      request.lease.attempt,
      request.lease.retry ? 1 : 0,
    )
    return reply.status === 'ok' ? { status: 'ok', cancelled: reply.cancelled || null } : reply
  }

  requeue(request: FinishRequest): Promise<RequeueReply> {
    const k = this.keys
    return this.json(
      'requeue',
      [
        k.meta,
        k.lease,
        k.holder,
        k.deadline,
        k.started,
        k.retry,
        k.failedBy,
        k.requeues,
        k.counters,
        k.log,
        k.replies,
      ],
      request.worker,
      request.caller,
      request.requestId,
      request.lease.entry,
      request.lease.lease,
      Math.round(request.durationMs),
      request.payload,
      request.lease.attempt,
      request.lease.retry ? 1 : 0,
    )
  }

  async release(lease: Lease): Promise<boolean> {
    const k = this.keys
    const keys = [
      k.meta,
      k.lease,
      k.holder,
      k.deadline,
      k.started,
      k.attempt,
      k.queue,
      k.entries,
      k.retry,
      k.failedBy,
      k.counters,
    ]
    return (await this.run('release', keys, lease.entry, lease.lease)) === 1
  }

  async cancel(reason: string): Promise<string> {
    return String(await this.run('cancel', [this.keys.meta], reason))
  }

  async workerAlive(worker: string, info = ''): Promise<void> {
    await this.run('worker', [this.keys.workers, this.keys.workerInfo], worker, 'alive', info)
  }

  async workerExited(worker: string, info: string): Promise<void> {
    await this.run('worker', [this.keys.workers, this.keys.workerInfo], worker, 'exited', info)
  }

  async progress(livenessMs: number): Promise<Progress> {
    const k = this.keys
    const progress = await this.json<Progress>(
      'progress',
      [k.meta, k.queue, k.retry, k.deadline, k.outcome, k.counters, k.workers],
      livenessMs,
    )
    return { ...progress, cancelled: progress.cancelled || null }
  }

  async snapshot(livenessMs: number): Promise<BuildSnapshot> {
    const k = this.keys
    const [state, entries, progress] = await Promise.all([
      this.state(),
      this.entries(),
      this.progress(livenessMs),
    ])
    const [outcomes, results, log, workers] = await this.retrying(() =>
      Promise.all([
        this.client.hgetall(k.outcome),
        this.client.hgetall(k.result),
        this.client.lrange(k.log, 0, -1),
        this.client.hgetall(k.workerInfo),
      ]),
    )
    return {
      state,
      entries,
      outcomes: outcomes as Record<string, Outcome>,
      results,
      log: log.map((line) => JSON.parse(line) as AttemptRecord),
      workers,
      progress,
    }
  }

  async live(): Promise<LiveView> {
    const k = this.keys
    // Read-only and advisory (a status line): separate reads may straddle a reserve, which is harmless here.
    const [time, deadlines, leases, holders, started, attempts, workers] = await this.retrying(() =>
      Promise.all([
        this.client.time(),
        this.client.zrange(k.deadline, 0, -1, 'WITHSCORES'),
        this.client.hgetall(k.lease),
        this.client.hgetall(k.holder),
        this.client.hgetall(k.started),
        this.client.hgetall(k.attempt),
        this.client.zrange(k.workers, 0, -1, 'WITHSCORES'),
      ]),
    )
    const live: LiveLease[] = []
    for (let i = 0; i < deadlines.length; i += 2) {
      const entry = deadlines[i]!
      live.push({
        entry,
        worker: holders[entry] ?? '',
        lease: Number(leases[entry] ?? 0),
        attempt: Number(attempts[entry] ?? 1),
        startedAt: Number(started[entry] ?? 0),
        deadline: Number(deadlines[i + 1]),
      })
    }
    const heartbeats: Record<string, number> = {}
    for (let i = 0; i < workers.length; i += 2) heartbeats[workers[i]!] = Number(workers[i + 1])
    const now = this.options.clock?.now() ?? Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000)
    return { now, leases: live, heartbeats }
  }

  async noteFallback(note: FallbackNote): Promise<void> {
    await this.run('fallbackNote', [this.keys.fallback], note.machine, JSON.stringify(note))
  }

  async fallbackNotes(): Promise<FallbackNote[]> {
    const notes = await this.retrying(() => this.client.hgetall(this.keys.fallback))
    return Object.values(notes)
      .map((note) => JSON.parse(note) as FallbackNote)
      .sort((x, y) => x.index - y.index)
  }

  async claimTimings(): Promise<boolean> {
    const claimed = await this.retrying(() =>
      this.client.set(this.keys.timingsClaimed, '1', 'PX', Number(this.ttl), 'NX'),
    )
    return claimed === 'OK'
  }

  async timings(): Promise<Record<string, number>> {
    const stored = await this.retrying(() => this.client.hgetall(timingsKey(this.options.suite)))
    return Object.fromEntries(Object.entries(stored).map(([id, ms]) => [id, Number(ms)]))
  }

  async recordTimings(samples: Record<string, number>, alpha: number): Promise<number> {
    const pairs = Object.entries(samples).flatMap(([id, ms]) => [id, Math.round(ms)])
    if (pairs.length === 0) return 0
    return Number(
      await this.retrying(() =>
        this.client.shardless_timingsRecord(
          timingsKey(this.options.suite),
          TIMINGS_TTL_MS,
          '',
          alpha,
          ...pairs,
        ),
      ),
    )
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.disconnect()
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@')
}
