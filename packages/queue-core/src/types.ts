/** How an entry (one test file of one project) finally ended. `lost`: its leases kept expiring until its attempts ran out. */
export type Outcome = 'passed' | 'failed' | 'skipped' | 'lost'

/** What a worker reports for one run of an entry. */
export type RunOutcome = Exclude<Outcome, 'lost'>

/** One unit of work as the leader populates it: the id and the estimated duration used for LPT order. */
export interface EntryInput {
  id: string
  /** Estimated milliseconds (from timing history, or a file-size guess for cold entries). */
  weight: number
}

/** A populated entry with its place in the LPT order. */
export interface QueuedEntry extends EntryInput {
  position: number
}

/** Build-wide limits, fixed by the leader at commit so every machine obeys the same ones. */
export interface QueuePolicy {
  /** How often one entry may be requeued after a failure. */
  maxRequeues: number
  /** Requeues allowed across the build, `ceil(total × requeueTolerance)`. */
  requeueBudget: number
  /** Failures after which the build is cancelled; 0 = never. */
  maxFailures: number
  /** Leases one entry may receive before an expiry finishes it as `lost`. */
  maxAttempts: number
  /** A heartbeat stops extending a lease held longer than this; 0 = no cap. */
  maxTestMs: number
}

export type Election = { role: 'leader'; epoch: number } | { role: 'follower'; status: 'setup' | 'ready' }

export type SetupState =
  | { status: 'absent' }
  | {
      status: 'setup' | 'ready'
      epoch: number
      leader: string
      setupAgeMs: number
      digest: string | null
      total: number
      cancelled: string | null
    }

export interface Lease {
  entry: string
  lease: number
  /** 1 for the first lease of an entry; higher after an expiry or a requeue. */
  attempt: number
  /** True when an earlier attempt failed or expired: durations of retries don't feed timing history. */
  retry: boolean
}

export type ReserveReply =
  | { status: 'leased'; leases: Lease[] }
  | { status: 'wait'; retryInMs: number }
  | { status: 'done'; cancelled: string | null }

export type HeartbeatReply = 'ok' | 'stale' | 'capped'
export type AckReply = { status: 'ok'; cancelled: string | null } | { status: 'stale' }
export type RequeueReply = { status: 'requeued' | 'exhausted' | 'stale' }

/** Identifies one mutating request so a retry after a lost reply is answered, not applied twice. */
export interface RequestId {
  /** One worker slot: it sends one mutating request at a time. */
  caller: string
  requestId: string
}

export interface ReserveRequest extends RequestId {
  worker: string
  count: number
  leaseMs: number
}

export interface FinishRequest extends RequestId {
  worker: string
  lease: Lease
  durationMs: number
  /** The framework's serialized result (JSON), kept for the report. */
  payload: string
}

export interface AckRequest extends FinishRequest {
  outcome: RunOutcome
}

export interface Progress {
  total: number
  pending: number
  leased: number
  done: number
  passed: number
  failed: number
  skipped: number
  lost: number
  requeued: number
  stale: number
  expired: number
  liveWorkers: number
  cancelled: string | null
}

/** One line of a build's attempt log, in the order the store saw them. */
export interface AttemptRecord {
  entry: string
  outcome: RunOutcome | 'requeued' | 'expired' | 'lost'
  at: number
  attempt: number
  lease?: number
  worker?: string
  /** The worker slot that sent the result (`<worker>#<slot>`), for one timeline lane per slot. */
  caller?: string
  /** Store time the lease was granted: known for accepted, requeued and expired attempts, not for stale ones. */
  startedAt?: number
  durationMs?: number
  retry?: boolean
  /** A result from a lease that had been reclaimed: dropped, never in the report. */
  stale?: boolean
  /** The failure payload of a requeued attempt (for flaky reporting). */
  payload?: string
}

/** A lease in flight right now (`shardless status`). */
export interface LiveLease {
  entry: string
  worker: string
  lease: number
  attempt: number
  /** Store time (ms) the lease was granted, and when it runs out unless heartbeated. */
  startedAt: number
  deadline: number
}

/** Who holds what right now, on the store's clock. */
export interface LiveView {
  now: number
  leases: LiveLease[]
  /** Machine → its last registry heartbeat; machines that exited cleanly are not listed. */
  heartbeats: Record<string, number>
}

/** What a machine that ran its static fallback share (Redis unreachable at its start) says afterwards. */
export interface FallbackNote {
  machine: string
  /** Its 0-based place in the static split, and the machine count. */
  index: number
  total: number
  files: number
  failed: number
}

/** Everything the report step needs, read in one go. */
export interface BuildSnapshot {
  state: SetupState
  entries: QueuedEntry[]
  outcomes: Record<string, Outcome>
  results: Record<string, string>
  log: AttemptRecord[]
  workers: Record<string, string>
  progress: Progress
}

/**
 * The queue protocol, one build and suite per store instance. RedisStore and MemoryStore implement it with the
 * same semantics; test/conformance.ts holds them to it.
 */
export interface QueueStore {
  readonly kind: 'redis' | 'memory'
  /** Human-readable location for messages, e.g. `redis://127.0.0.1:6379 shardless:{b1}:web`. */
  readonly describe: string
  elect(machine: string): Promise<Election>
  takeover(machine: string, staleMs: number): Promise<Election>
  /** False once the epoch no longer leads setup. */
  setupHeartbeat(epoch: number): Promise<boolean>
  resign(epoch: number): Promise<boolean>
  stage(epoch: number, entries: QueuedEntry[]): Promise<number>
  commit(epoch: number, digest: string, total: number, policy: QueuePolicy): Promise<void>
  state(): Promise<SetupState>
  entries(): Promise<QueuedEntry[]>
  reserve(request: ReserveRequest): Promise<ReserveReply>
  heartbeat(lease: Lease, leaseMs: number): Promise<HeartbeatReply>
  ack(request: AckRequest): Promise<AckReply>
  requeue(request: FinishRequest): Promise<RequeueReply>
  release(lease: Lease): Promise<boolean>
  cancel(reason: string): Promise<string>
  workerAlive(worker: string, info?: string): Promise<void>
  workerExited(worker: string, info: string): Promise<void>
  progress(livenessMs: number): Promise<Progress>
  snapshot(livenessMs: number): Promise<BuildSnapshot>
  live(): Promise<LiveView>
  /** Works without a populated queue: fallback machines never had one. */
  noteFallback(note: FallbackNote): Promise<void>
  fallbackNotes(): Promise<FallbackNote[]>
  /** The suite's timing history (entry id → estimated ms), shared by every build of the suite. */
  timings(): Promise<Record<string, number>>
  /** Folds measured durations into the history (moving average with weight `alpha` for the new sample). */
  recordTimings(samples: Record<string, number>, alpha: number): Promise<number>
  /**
   * True for the first caller in this build: the report may run on every machine, and folding one build's
   * durations in N times would weigh it N times.
   */
  claimTimings(): Promise<boolean>
  close(): Promise<void>
}
