/** Exit codes shared by workers and the report step (documented in the root README). */
export const ExitCode = {
  passed: 0,
  testFailures: 1,
  usage: 2,
  noLeader: 40,
  queueLost: 41,
  workerCrash: 42,
  reportTimeout: 43,
  maxFailures: 44,
  allWorkersDied: 45,
} as const

/** Every error shardless raises on purpose: a stable `code`, an exit code, and a message that says what to do. */
export class ShardlessError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = ExitCode.usage,
  ) {
    super(message)
  }
  override get name() {
    return this.constructor.name
  }
}

/** A user-supplied option or input is wrong. Names the option and the fix. */
export class ConfigError extends ShardlessError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super('SHARDLESS_CONFIG', `shardless: invalid ${option}: ${message}`, ExitCode.usage)
  }
}

/** The build's keys vanished mid-run (Redis restarted without persistence, evicted, or deleted by hand). */
export class QueueLostError extends ShardlessError {
  constructor(where: string) {
    super(
      'SHARDLESS_QUEUE_LOST',
      `shardless: queue state lost: ${where} no longer exists (Redis restarted without persistence, a key was evicted or deleted). Results of this build cannot be trusted; re-run it with a new build id, and use a Redis with persistence or 'maxmemory-policy noeviction'.`,
      ExitCode.queueLost,
    )
  }
}

/** This machine's setup term ended: another machine took over. It must stop acting as leader. */
export class DeposedError extends ShardlessError {
  constructor(where: string) {
    super(
      'SHARDLESS_DEPOSED',
      `shardless: this machine no longer leads setup of ${where}; another machine took over.`,
    )
  }
}

export class EmptyQueueError extends ShardlessError {
  constructor(where: string) {
    super(
      'SHARDLESS_EMPTY_QUEUE',
      `shardless: nothing to populate ${where} with: 0 test files were found. Check the include/testMatch patterns and filters; a build with no tests is not run through the queue.`,
    )
  }
}

export class NotReadyError extends ShardlessError {
  constructor(where: string) {
    super('SHARDLESS_NOT_READY', `shardless: ${where} is not populated yet; wait for setup before reserving.`)
  }
}

export class StageIncompleteError extends ShardlessError {
  constructor(where: string) {
    super(
      'SHARDLESS_STAGE_INCOMPLETE',
      `shardless: fewer entries were staged in ${where} than announced; setup will be retried.`,
    )
  }
}

export class DigestMismatchError extends ShardlessError {
  constructor(
    readonly missing: string[],
    readonly extra: string[],
  ) {
    const examples = (ids: string[]) =>
      ids
        .slice(0, 5)
        .map((id) => `    ${displayEntry(id)}`)
        .join('\n')
    super(
      'SHARDLESS_DIGEST_MISMATCH',
      [
        `shardless: this machine's test files differ from the build's queue (${missing.length + extra.length} entries differ).`,
        missing.length ? `  in the queue but not found here (${missing.length}):\n${examples(missing)}` : '',
        extra.length ? `  found here but not in the queue (${extra.length}):\n${examples(extra)}` : '',
        '  Every machine must run the same commit with the same config and filters. Check the checkout and the CLI filters of each machine, or use a new build id.',
      ]
        .filter(Boolean)
        .join('\n'),
    )
  }
}

export class QueueInitTimeoutError extends ShardlessError {
  constructor(where: string, waitedMs: number, leader: string | null) {
    super(
      'SHARDLESS_QUEUE_INIT_TIMEOUT',
      `shardless: ${where} was not populated within ${Math.round(waitedMs / 1000)} s${leader ? ` (leader: ${leader})` : ' (no leader was ever elected)'}. The leader probably failed while collecting test files (check its log), or the machines use different build ids. Raise queueInitTimeoutMs / SHARDLESS_QUEUE_INIT_TIMEOUT_MS if collection is slow.`,
      ExitCode.noLeader,
    )
  }
}

export class RedisUnavailableError extends ShardlessError {
  constructor(where: string, cause: unknown) {
    super(
      'SHARDLESS_REDIS_UNAVAILABLE',
      `shardless: Redis did not answer for ${where}: ${cause instanceof Error ? cause.message : String(cause)}. Check SHARDLESS_REDIS_URL (host, port, password) and that Redis is running.`,
      ExitCode.queueLost,
    )
    this.cause = cause
  }
}

/** Entry ids are `<project>\0<path>`; show them as `[project] path`. */
export function displayEntry(id: string): string {
  const nul = id.indexOf('\0')
  if (nul < 0) return id
  const project = id.slice(0, nul)
  return project ? `[${project}] ${id.slice(nul + 1)}` : id.slice(nul + 1)
}

/** The one mapping from store error codes (Lua `SHARDLESS_<CODE>` replies, or the memory store) to typed errors. */
export function storeError(code: string, where: string): ShardlessError {
  switch (code) {
    case 'QUEUE_LOST':
      return new QueueLostError(where)
    case 'DEPOSED':
      return new DeposedError(where)
    case 'EMPTY_QUEUE':
      return new EmptyQueueError(where)
    case 'NOT_READY':
      return new NotReadyError(where)
    case 'STAGE_INCOMPLETE':
      return new StageIncompleteError(where)
    default:
      return new ShardlessError(`SHARDLESS_${code}`, `shardless: unexpected store error ${code} in ${where}`)
  }
}
