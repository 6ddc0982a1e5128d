export { type Clock, ManualClock, systemClock } from './clock.js'
export {
  type DrainEvent,
  type DrainOptions,
  type DrainSummary,
  drain,
  type RunContext,
  type RunResult,
  stopOnSignals,
} from './drain.js'
export { assertSameEntries, digestOf, entryId, lptSplit, orderLongestFirst, parseEntryId } from './entries.js'
export {
  ConfigError,
  DeposedError,
  DigestMismatchError,
  displayEntry,
  EmptyQueueError,
  ExitCode,
  NotReadyError,
  QueueInitTimeoutError,
  QueueLostError,
  RedisUnavailableError,
  ShardlessError,
  StageIncompleteError,
  storeError,
} from './errors.js'
export { type BuildKeys, buildKeys, checkBuildId, checkName, timingsKey } from './keys.js'
export { type Opened, openStore } from './open.js'
export {
  type CiFacts,
  DEFAULTS,
  detectCi,
  type OptionSpec,
  type Resolution,
  type ResolvedConfig,
  resolveConfig,
  type ShardlessOptions,
  VITEST_OPTIONS,
  type VitestOptions,
} from './options.js'
export { decodePayload, encodePayload, type FilePayload, type TestCaseResult } from './payload.js'
export { backoffDelay, isTransientRedisError, type RetryOptions, withRetries } from './retry.js'
export { machineLine, openSession, type Session, type SessionOptions } from './session.js'
export { type JoinOptions, type JoinResult, joinBuild } from './setup.js'
export { MemoryStore, type MemoryStoreOptions } from './store/memory.js'
export {
  createRedisClient,
  DEFAULT_TTL_MS,
  parseRedisUrl,
  RedisStore,
  type RedisStoreOptions,
  TIMINGS_TTL_MS,
} from './store/redis.js'
export {
  estimateWeights,
  readTimingsFile,
  TIMING_ALPHA,
  timingSamples,
  type WeighedFile,
  writeTimingsFile,
} from './timings.js'
export type * from './types.js'
