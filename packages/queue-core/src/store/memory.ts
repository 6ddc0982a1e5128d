import { type Clock, systemClock } from '../clock.js'
import { storeError } from '../errors.js'
import { checkBuildId, checkName } from '../keys.js'
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
  LiveView,
  Outcome,
  Progress,
  QueuedEntry,
  QueuePolicy,
  QueueStore,
  RequestId,
  RequeueReply,
  ReserveReply,
  ReserveRequest,
  SetupState,
} from '../types.js'

interface Meta {
  status: 'setup' | 'ready'
  epoch: number
  leader: string
  setupAt: number
  digest: string | null
  total: number
  cancelled: string | null
  policy: QueuePolicy
}

interface Held {
  lease: number
  holder: string
  deadline: number
  started: number
}

/** One build's state; shared by every MemoryStore opened on the same build and suite in this process. */
class BuildState {
  meta: Meta | null = null
  staged = new Map<string, QueuedEntry>()
  entries = new Map<string, QueuedEntry>()
  queue: QueuedEntry[] = []
  retry: string[] = []
  failedBy = new Map<string, Set<string>>()
  held = new Map<string, Held>()
  attempts = new Map<string, number>()
  outcomes = new Map<string, Outcome>()
  results = new Map<string, string>()
  requeues = new Map<string, number>()
  requeuesTotal = 0
  counters = new Map<string, number>()
  log: AttemptRecord[] = []
  workers = new Map<string, number>()
  workerInfo = new Map<string, string>()
  replies = new Map<string, { requestId: string; reply: unknown }>()
  leaseSeq = 0
  timingsClaimed = false
  fallback = new Map<string, FallbackNote>()

  count(name: string, by = 1) {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by)
    return this.counters.get(name)!
  }
}

const builds = new Map<string, BuildState>()
/** Timing history per suite, outliving builds like the Redis hash does. */
const timingHistory = new Map<string, Map<string, number>>()

export interface MemoryStoreOptions {
  build: string
  suite: string
  clock?: Clock
}

/**
 * The queue protocol in process memory: the embedded store for one machine without Redis, and the fast twin
 * that test/conformance.ts holds to exactly the Redis store's semantics. Every method runs synchronously between
 * awaits, which makes each one atomic like a Lua script.
 */
export class MemoryStore implements QueueStore {
  readonly kind = 'memory'
  readonly describe: string
  private readonly name: string
  private readonly clock: Clock

  private readonly suite: string

  constructor(options: MemoryStoreOptions) {
    this.suite = options.suite
    this.name = `shardless:{${checkBuildId(options.build)}}:${checkName(options.suite, 'suite (SHARDLESS_SUITE)')}`
    this.describe = `memory ${this.name}`
    this.clock = options.clock ?? systemClock
  }

  /** Looked up on every call, like Redis keys: after `reset` the build starts empty and reads as lost. */
  private get build(): BuildState {
    let build = builds.get(this.name)
    if (!build) {
      build = new BuildState()
      builds.set(this.name, build)
    }
    return build
  }

  /** Forgets every build held in this process (tests: a build's keys lost); timing history stays, like its own key. */
  static reset() {
    builds.clear()
  }

  private meta(): Meta {
    const meta = this.build.meta
    if (!meta) throw storeError('QUEUE_LOST', this.describe)
    return meta
  }

  /** Answers a retried request (same caller and request id) with its first reply, like the Lua reply cache. */
  private answer<T>({ caller, requestId }: RequestId, compute: (meta: Meta) => T): T {
    const stored = this.build.replies.get(caller)
    if (stored?.requestId === requestId) return structuredClone(stored.reply) as T
    const reply = compute(this.meta())
    this.build.replies.set(caller, { requestId, reply: structuredClone(reply) })
    return reply
  }

  async elect(machine: string): Promise<Election> {
    const b = this.build
    if (!b.meta) {
      b.meta = {
        status: 'setup',
        epoch: 1,
        leader: machine,
        setupAt: this.clock.now(),
        digest: null,
        total: 0,
        cancelled: null,
        policy: { maxRequeues: 0, requeueBudget: 0, maxFailures: 0, maxAttempts: 0, maxTestMs: 0 },
      }
      return { role: 'leader', epoch: 1 }
    }
    if (b.meta.status === 'setup' && b.meta.leader === machine) return { role: 'leader', epoch: b.meta.epoch }
    return { role: 'follower', status: b.meta.status }
  }

  async takeover(machine: string, staleMs: number): Promise<Election> {
    const meta = this.meta()
    if (meta.status === 'ready') return { role: 'follower', status: 'ready' }
    if (meta.leader === machine) return { role: 'leader', epoch: meta.epoch }
    if (this.clock.now() - meta.setupAt < staleMs) return { role: 'follower', status: 'setup' }
    this.build.staged.clear()
    meta.epoch += 1
    meta.leader = machine
    meta.setupAt = this.clock.now()
    return { role: 'leader', epoch: meta.epoch }
  }

  private leads(epoch: number) {
    const meta = this.build.meta
    return meta?.status === 'setup' && meta.epoch === epoch
  }

  async setupHeartbeat(epoch: number): Promise<boolean> {
    if (!this.leads(epoch)) return false
    this.meta().setupAt = this.clock.now()
    return true
  }

  async resign(epoch: number): Promise<boolean> {
    if (!this.leads(epoch)) return false
    Object.assign(this.meta(), { leader: '', setupAt: 0 })
    return true
  }

  async stage(epoch: number, entries: QueuedEntry[]): Promise<number> {
    this.meta()
    if (!this.leads(epoch)) throw storeError('DEPOSED', this.describe)
    for (const entry of entries) this.build.staged.set(entry.id, { ...entry })
    return this.build.staged.size
  }

  async commit(epoch: number, digest: string, total: number, policy: QueuePolicy): Promise<void> {
    const meta = this.meta()
    const b = this.build
    if (meta.status === 'ready') {
      if (meta.epoch === epoch && meta.digest === digest) return
      throw storeError('DEPOSED', this.describe)
    }
    if (meta.epoch !== epoch) throw storeError('DEPOSED', this.describe)
    if (total === 0) throw storeError('EMPTY_QUEUE', this.describe)
    if (b.staged.size !== total) throw storeError('STAGE_INCOMPLETE', this.describe)
    b.entries = b.staged
    b.staged = new Map()
    b.queue = [...b.entries.values()].sort((x, y) => x.position - y.position || (x.id < y.id ? -1 : 1))
    Object.assign(meta, { status: 'ready', digest, total, policy: { ...policy } })
  }

  async state(): Promise<SetupState> {
    const meta = this.build.meta
    if (!meta) return { status: 'absent' }
    return {
      status: meta.status,
      epoch: meta.epoch,
      leader: meta.leader,
      setupAgeMs: this.clock.now() - meta.setupAt,
      digest: meta.digest,
      total: meta.total,
      cancelled: meta.cancelled,
    }
  }

  async entries(): Promise<QueuedEntry[]> {
    return [...this.build.entries.values()]
      .sort((x, y) => x.position - y.position || (x.id < y.id ? -1 : 1))
      .map((e) => ({ ...e }))
  }

  async reserve(request: ReserveRequest): Promise<ReserveReply> {
    return this.answer(request, (meta) => {
      if (meta.status !== 'ready') throw storeError('NOT_READY', this.describe)
      return this.reserveNow(meta, request)
    })
  }

  private reserveNow(meta: Meta, { worker, count, leaseMs }: ReserveRequest): ReserveReply {
    const b = this.build
    const now = this.clock.now()
    if (meta.cancelled) return { status: 'done', cancelled: meta.cancelled }

    const grant = (entry: string, retry: boolean): Lease => {
      const lease = ++b.leaseSeq
      const attempt = (b.attempts.get(entry) ?? 0) + 1
      b.attempts.set(entry, attempt)
      b.held.set(entry, { lease, holder: worker, deadline: now + leaseMs, started: now })
      return { entry, lease, attempt, retry }
    }

    const expired = [...b.held.entries()]
      .filter(([, held]) => held.deadline <= now)
      .sort(([x, hx], [y, hy]) => hx.deadline - hy.deadline || (x < y ? -1 : 1))
      .slice(0, 64)
    for (const [entry, held] of expired) {
      const attempt = b.attempts.get(entry) ?? 0
      b.log.push({
        entry,
        lease: held.lease,
        worker: held.holder,
        outcome: 'expired',
        attempt,
        at: now,
        startedAt: held.started,
      })
      b.count('expired')
      if (attempt < meta.policy.maxAttempts) return { status: 'leased', leases: [grant(entry, true)] }
      b.held.delete(entry)
      b.outcomes.set(entry, 'lost')
      b.count('lost')
      b.log.push({ entry, outcome: 'lost', attempt, at: now })
    }

    if (b.retry.length > 0) {
      const live = [...b.workers.entries()].filter(([, seen]) => seen >= now - leaseMs).map(([w]) => w)
      for (const entry of b.retry.slice(0, 64)) {
        const failed = b.failedBy.get(entry) ?? new Set<string>()
        if (!failed.has(worker) || live.every((other) => failed.has(other))) {
          b.retry.splice(b.retry.indexOf(entry), 1)
          return { status: 'leased', leases: [grant(entry, true)] }
        }
      }
    }

    const fresh = b.queue.splice(0, count)
    if (fresh.length > 0) return { status: 'leased', leases: fresh.map((e) => grant(e.id, false)) }

    if (b.held.size > 0 || b.retry.length > 0) {
      const deadlines = [...b.held.values()].map((h) => h.deadline)
      const retryInMs = deadlines.length ? Math.max(0, Math.min(...deadlines) - now) : leaseMs
      return { status: 'wait', retryInMs }
    }
    return { status: 'done', cancelled: null }
  }

  async heartbeat(lease: Lease, leaseMs: number): Promise<HeartbeatReply> {
    const meta = this.meta()
    const held = this.build.held.get(lease.entry)
    if (held?.lease !== lease.lease) return 'stale'
    const now = this.clock.now()
    if (meta.policy.maxTestMs > 0 && now - held.started >= meta.policy.maxTestMs) return 'capped'
    held.deadline = now + leaseMs
    return 'ok'
  }

  private record(request: FinishRequest, outcome: AttemptRecord['outcome']): AttemptRecord {
    return {
      entry: request.lease.entry,
      lease: request.lease.lease,
      worker: request.worker,
      caller: request.caller,
      outcome,
      durationMs: Math.round(request.durationMs),
      attempt: request.lease.attempt,
      retry: request.lease.retry,
      at: this.clock.now(),
    }
  }

  /** Logs a result from a lease that is no longer current; it never reaches outcomes or results. */
  private stale(request: FinishRequest, outcome: AttemptRecord['outcome']) {
    this.build.log.push({ ...this.record(request, outcome), stale: true })
    this.build.count('stale')
  }

  async ack(request: AckRequest): Promise<AckReply> {
    const b = this.build
    return this.answer(request, (meta): AckReply => {
      const { entry, lease } = request.lease
      if (b.held.get(entry)?.lease !== lease) {
        this.stale(request, request.outcome)
        return { status: 'stale' }
      }
      const { started } = b.held.get(entry)!
      b.held.delete(entry)
      b.outcomes.set(entry, request.outcome)
      b.results.set(entry, request.payload)
      const failed = b.count(request.outcome)
      b.log.push({ ...this.record(request, request.outcome), startedAt: started })
      const max = meta.policy.maxFailures
      if (!meta.cancelled && request.outcome === 'failed' && max > 0 && failed >= max)
        meta.cancelled = 'max-failures'
      return { status: 'ok', cancelled: meta.cancelled }
    })
  }

  async requeue(request: FinishRequest): Promise<RequeueReply> {
    const b = this.build
    return this.answer(request, (meta): RequeueReply => {
      const { entry, lease } = request.lease
      if (b.held.get(entry)?.lease !== lease) {
        this.stale(request, 'requeued')
        return { status: 'stale' }
      }
      const count = b.requeues.get(entry) ?? 0
      if (count >= meta.policy.maxRequeues || b.requeuesTotal >= meta.policy.requeueBudget) {
        return { status: 'exhausted' }
      }
      b.requeues.set(entry, count + 1)
      b.requeuesTotal += 1
      const { started } = b.held.get(entry)!
      b.held.delete(entry)
      b.retry.push(entry)
      const failed = b.failedBy.get(entry) ?? new Set<string>()
      b.failedBy.set(entry, failed.add(request.worker))
      b.count('requeued')
      b.log.push({ ...this.record(request, 'requeued'), startedAt: started, payload: request.payload })
      return { status: 'requeued' }
    })
  }

  async release(lease: Lease): Promise<boolean> {
    this.meta()
    const b = this.build
    if (b.held.get(lease.entry)?.lease !== lease.lease) return false
    b.held.delete(lease.entry)
    b.attempts.set(lease.entry, (b.attempts.get(lease.entry) ?? 1) - 1)
    if (b.failedBy.has(lease.entry)) {
      b.retry.unshift(lease.entry)
    } else {
      const entry = b.entries.get(lease.entry)!
      const at = b.queue.findIndex((e) => e.position > entry.position)
      b.queue.splice(at < 0 ? b.queue.length : at, 0, entry)
    }
    b.count('released')
    return true
  }

  async cancel(reason: string): Promise<string> {
    const meta = this.meta()
    meta.cancelled ??= reason
    return meta.cancelled
  }

  async workerAlive(worker: string, info = ''): Promise<void> {
    this.build.workers.set(worker, this.clock.now())
    if (info) this.build.workerInfo.set(worker, info)
  }

  async workerExited(worker: string, info: string): Promise<void> {
    this.build.workers.delete(worker)
    if (info) this.build.workerInfo.set(worker, info)
  }

  async progress(livenessMs: number): Promise<Progress> {
    const meta = this.meta()
    const b = this.build
    const now = this.clock.now()
    const counter = (name: string) => b.counters.get(name) ?? 0
    return {
      total: meta.total,
      pending: b.queue.length + b.retry.length,
      leased: b.held.size,
      done: b.outcomes.size,
      passed: counter('passed'),
      failed: counter('failed'),
      skipped: counter('skipped'),
      lost: counter('lost'),
      requeued: counter('requeued'),
      stale: counter('stale'),
      expired: counter('expired'),
      liveWorkers: [...b.workers.values()].filter((seen) => seen >= now - livenessMs).length,
      cancelled: meta.cancelled,
    }
  }

  async snapshot(livenessMs: number): Promise<BuildSnapshot> {
    const b = this.build
    return {
      state: await this.state(),
      entries: await this.entries(),
      outcomes: Object.fromEntries(b.outcomes),
      results: Object.fromEntries(b.results),
      log: structuredClone(b.log),
      workers: Object.fromEntries(b.workerInfo),
      progress: await this.progress(livenessMs),
    }
  }

  async live(): Promise<LiveView> {
    const b = this.build
    const leases = [...b.held.entries()]
      .map(([entry, held]) => ({
        entry,
        worker: held.holder,
        lease: held.lease,
        attempt: b.attempts.get(entry) ?? 1,
        startedAt: held.started,
        deadline: held.deadline,
      }))
      // Deadline order, like the Redis sorted set.
      .sort((x, y) => x.deadline - y.deadline || (x.entry < y.entry ? -1 : 1))
    return { now: this.clock.now(), leases, heartbeats: Object.fromEntries(b.workers) }
  }

  async noteFallback(note: FallbackNote): Promise<void> {
    this.build.fallback.set(note.machine, { ...note })
  }

  async fallbackNotes(): Promise<FallbackNote[]> {
    return [...this.build.fallback.values()].map((note) => ({ ...note })).sort((x, y) => x.index - y.index)
  }

  async claimTimings(): Promise<boolean> {
    const first = !this.build.timingsClaimed
    this.build.timingsClaimed = true
    return first
  }

  async timings(): Promise<Record<string, number>> {
    return Object.fromEntries(timingHistory.get(this.suite) ?? [])
  }

  async recordTimings(samples: Record<string, number>, alpha: number): Promise<number> {
    const history = timingHistory.get(this.suite) ?? new Map<string, number>()
    timingHistory.set(this.suite, history)
    for (const [id, sample] of Object.entries(samples)) {
      const old = history.get(id)
      // Same rounding as the Lua script (floor of x + 0.5), so both stores agree to the millisecond.
      history.set(
        id,
        Math.floor((old === undefined ? Math.round(sample) : old + alpha * (Math.round(sample) - old)) + 0.5),
      )
    }
    return Object.keys(samples).length
  }

  async close(): Promise<void> {}
}
