import { hostname } from 'node:os'
import { ConfigError } from './errors.js'
import { checkBuildId, checkName } from './keys.js'
import { parseRedisUrl } from './store/redis.js'

/** Options shared by the Vitest plugin and the Jest runner; each has a SHARDLESS_* env override (env wins). */
export interface ShardlessOptions {
  /** Build id shared by every machine of one CI run. Default: detected from CI variables. */
  build?: string
  /** No URL → shardless is off (unless `store: 'memory'`). */
  redisUrl?: string
  /** `memory`: the embedded in-process store, one machine (demos, trying it out). */
  store?: 'redis' | 'memory'
  /** Treat redisUrl as a seed node of a Redis Cluster. */
  cluster?: boolean
  /** This machine's name. Default: the CI node index, else hostname-pid. */
  machine?: string
  /** Names the test suite (keys and timing history). Default: the root package's name. */
  suite?: string
  leaseMs?: number
  heartbeatMs?: number
  maxRequeues?: number
  requeueTolerance?: number
  /** Cancel the build after this many failed files (fail-fast). */
  maxFailures?: number
  /** A file running longer than this loses its lease (0 = no cap). */
  maxTestMs?: number
  /** Leases one file may get before repeated expiries (crashed machines) finish it as lost. */
  maxAttempts?: number
  /** A JSON timing history CI can cache: seeds a cold Redis and plans the static fallback split. */
  timingsFile?: string
  queueInitTimeoutMs?: number
  /** A setup leader silent for this long is replaced. */
  setupStaleMs?: number
  /** Static-split fallback when Redis is unreachable: this machine's 0-based index and the machine count. */
  index?: number
  total?: number
}

export interface ResolvedConfig {
  store: 'redis' | 'memory'
  build: string
  redisUrl: string | null
  cluster: boolean
  machine: string
  suite: string
  leaseMs: number
  heartbeatMs: number
  maxRequeues: number
  requeueTolerance: number
  maxFailures: number
  maxTestMs: number
  maxAttempts: number
  timingsFile: string | null
  queueInitTimeoutMs: number
  setupStaleMs: number
  index: number | null
  total: number | null
  /** Where the build id came from, for the startup line. */
  buildSource: string
}

export type Resolution<Extra> =
  | { enabled: false; reason: string }
  | { enabled: true; config: ResolvedConfig; extra: Extra }

type Kind = 'string' | 'integer' | 'number' | 'boolean' | readonly string[]

/** An adapter-specific option: its env name and kind (e.g. the Vitest plugin's blobDir). */
export interface OptionSpec {
  env: string
  kind: Kind
  min?: number
}

const SHARED: Record<keyof ShardlessOptions, OptionSpec> = {
  build: { env: 'SHARDLESS_BUILD', kind: 'string' },
  redisUrl: { env: 'SHARDLESS_REDIS_URL', kind: 'string' },
  store: { env: 'SHARDLESS_STORE', kind: ['redis', 'memory'] },
  cluster: { env: 'SHARDLESS_REDIS_CLUSTER', kind: 'boolean' },
  machine: { env: 'SHARDLESS_MACHINE', kind: 'string' },
  suite: { env: 'SHARDLESS_SUITE', kind: 'string' },
  leaseMs: { env: 'SHARDLESS_LEASE_MS', kind: 'integer', min: 100 },
  heartbeatMs: { env: 'SHARDLESS_HEARTBEAT_MS', kind: 'integer', min: 10 },
  maxRequeues: { env: 'SHARDLESS_MAX_REQUEUES', kind: 'integer', min: 0 },
  requeueTolerance: { env: 'SHARDLESS_REQUEUE_TOLERANCE', kind: 'number', min: 0 },
  maxFailures: { env: 'SHARDLESS_MAX_FAILURES', kind: 'integer', min: 0 },
  maxTestMs: { env: 'SHARDLESS_MAX_TEST_MS', kind: 'integer', min: 0 },
  maxAttempts: { env: 'SHARDLESS_MAX_ATTEMPTS', kind: 'integer', min: 1 },
  timingsFile: { env: 'SHARDLESS_TIMINGS_FILE', kind: 'string' },
  queueInitTimeoutMs: { env: 'SHARDLESS_QUEUE_INIT_TIMEOUT_MS', kind: 'integer', min: 0 },
  setupStaleMs: { env: 'SHARDLESS_SETUP_STALE_MS', kind: 'integer', min: 100 },
  index: { env: 'SHARDLESS_INDEX', kind: 'integer', min: 0 },
  total: { env: 'SHARDLESS_TOTAL', kind: 'integer', min: 1 },
}

/** The Vitest plugin's own options (blobs and the per-file watchdog); a type, so it fits resolveConfig's Extra. */
export type VitestOptions = {
  /** Where the blob reporter writes `blob-<machine>.json`. Default: the directory of the configured blob file. */
  blobDir?: string
  /** Stop a file running longer than this multiple of its expected duration (0: never). Default 10. */
  fileTimeoutFactor?: number
  /** The watchdog never fires before this many milliseconds. Default 300000. */
  fileTimeoutMinMs?: number
}

/**
 * Declared here rather than in the plugin: CI often sets them for a whole job, so every tool that reads the same
 * environment (the report step, the Jest runner of another project) must know them, while typos are still caught.
 */
export const VITEST_OPTIONS: Record<keyof VitestOptions, OptionSpec> = {
  blobDir: { env: 'SHARDLESS_BLOB_DIR', kind: 'string' },
  fileTimeoutFactor: { env: 'SHARDLESS_FILE_TIMEOUT_FACTOR', kind: 'number', min: 0 },
  fileTimeoutMinMs: { env: 'SHARDLESS_FILE_TIMEOUT_MIN_MS', kind: 'integer', min: 0 },
}

export const DEFAULTS = {
  leaseMs: 30_000,
  maxRequeues: 1,
  requeueTolerance: 0.05,
  maxAttempts: 3,
  queueInitTimeoutMs: 120_000,
  setupStaleMs: 30_000,
} as const

export interface CiFacts {
  provider: string | null
  build: string | null
  /** 0-based node index and node count, where the CI has them (static-split fallback). */
  index: number | null
  total: number | null
  node: string | null
}

/** Build id and node index from the common CI systems' own variables. */
export function detectCi(env: NodeJS.ProcessEnv): CiFacts {
  const int = (value: string | undefined) =>
    value !== undefined && /^\d+$/.test(value) ? Number(value) : null
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_RUN_ID) {
    return {
      provider: 'GitHub Actions',
      build: `gh-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`,
      index: null,
      total: null,
      node: null,
    }
  }
  if (env.GITLAB_CI && env.CI_PIPELINE_ID) {
    const index = int(env.CI_NODE_INDEX)
    return {
      provider: 'GitLab CI',
      build: `gl-${env.CI_PIPELINE_ID}-${env.CI_JOB_NAME?.replace(/ \d+\/\d+$/, '').replace(/[^A-Za-z0-9._-]/g, '_') ?? ''}`,
      index: index === null ? null : index - 1,
      total: int(env.CI_NODE_TOTAL),
      node: index === null ? null : `node-${index}`,
    }
  }
  if (env.BUILDKITE_BUILD_ID) {
    const index = int(env.BUILDKITE_PARALLEL_JOB)
    return {
      provider: 'Buildkite',
      build: `bk-${env.BUILDKITE_BUILD_ID}-${env.BUILDKITE_STEP_ID ?? ''}`,
      index,
      total: int(env.BUILDKITE_PARALLEL_JOB_COUNT),
      node: index === null ? null : `node-${index}`,
    }
  }
  if (env.CIRCLE_WORKFLOW_ID) {
    const index = int(env.CIRCLE_NODE_INDEX)
    return {
      provider: 'CircleCI',
      build: `cci-${env.CIRCLE_WORKFLOW_ID}-${env.CIRCLE_JOB ?? ''}`,
      index,
      total: int(env.CIRCLE_NODE_TOTAL),
      node: index === null ? null : `node-${index}`,
    }
  }
  if (env.BUILD_TAG && env.JENKINS_URL) {
    return {
      provider: 'Jenkins',
      build: env.BUILD_TAG.replace(/[^A-Za-z0-9._:/@+=-]/g, '_'),
      index: null,
      total: null,
      node: null,
    }
  }
  return { provider: null, build: null, index: null, total: null, node: null }
}

/**
 * Validates the user's options, applies SHARDLESS_* env overrides (env wins so CI can set them), fills defaults,
 * and decides whether shardless is on: a Redis URL and a build id (explicit or from CI), or `store: 'memory'`.
 */
export function resolveConfig<Extra extends Record<string, unknown> = Record<string, never>>(
  user: unknown,
  context: {
    env?: NodeJS.ProcessEnv
    /** Default suite name (the root package's name). */
    suite: string
    /** Where the options were written, for error messages: `shardless({...})` or `runnerOptions`. */
    source: string
    extra?: Record<keyof Extra, OptionSpec>
  },
): Resolution<Extra> {
  const env = context.env ?? process.env
  const specs: Record<string, OptionSpec> = { ...SHARED, ...context.extra }
  if (user !== undefined && (typeof user !== 'object' || user === null || Array.isArray(user))) {
    throw new ConfigError(context.source, `expected an object of options, got ${JSON.stringify(user)}.`)
  }
  const given = (user ?? {}) as Record<string, unknown>
  for (const name of Object.keys(given)) {
    if (!(name in specs)) {
      const hint = closest(name, Object.keys(specs))
      throw new ConfigError(
        `option "${name}" in ${context.source}`,
        `unknown option.${hint ? ` Did you mean "${hint}"?` : ''} Valid options: ${Object.keys(specs).join(', ')}.`,
      )
    }
  }
  const knownEnv = [...Object.values(specs), ...Object.values(VITEST_OPTIONS)].map((s) => s.env)
  for (const name of Object.keys(env)) {
    if (name.startsWith('SHARDLESS_') && !knownEnv.includes(name) && !IGNORED_ENV.has(name)) {
      const hint = closest(name, knownEnv)
      throw new ConfigError(name, `unknown environment variable.${hint ? ` Did you mean ${hint}?` : ''}`)
    }
  }
  const values: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(specs)) {
    const fromEnv = env[spec.env]
    if (fromEnv !== undefined && fromEnv !== '') values[name] = parse(fromEnv, spec, spec.env)
    else if (given[name] !== undefined)
      values[name] = check(given[name], spec, `option "${name}" in ${context.source}`)
  }
  const options = values as ShardlessOptions & Record<string, unknown>
  const ci = detectCi(env)
  const store = options.store ?? (options.redisUrl ? 'redis' : null)
  if (store === null) return { enabled: false, reason: 'no Redis URL (SHARDLESS_REDIS_URL) set' }
  if (store === 'redis' && !options.redisUrl) {
    throw new ConfigError(
      'redisUrl (SHARDLESS_REDIS_URL)',
      'store is "redis" but no Redis URL is set; set SHARDLESS_REDIS_URL=redis://host:6379.',
    )
  }
  if (options.redisUrl) parseRedisUrl(options.redisUrl)
  const build = options.build ?? ci.build ?? (store === 'memory' ? 'local' : null)
  if (build === null) {
    throw new ConfigError(
      'build (SHARDLESS_BUILD)',
      'a Redis URL is set but no build id is known: set SHARDLESS_BUILD to an id all machines of this run share (e.g. the CI pipeline id). It is detected automatically on GitHub Actions, GitLab CI, Buildkite, CircleCI and Jenkins.',
    )
  }
  checkBuildId(build)
  const leaseMs = options.leaseMs ?? DEFAULTS.leaseMs
  const heartbeatMs = options.heartbeatMs ?? Math.floor(leaseMs / 3)
  if (heartbeatMs >= leaseMs) {
    throw new ConfigError(
      'heartbeatMs (SHARDLESS_HEARTBEAT_MS)',
      `${heartbeatMs} must be shorter than leaseMs (${leaseMs}); at most a third of it leaves room for lost heartbeats.`,
    )
  }
  const machine = checkName(
    options.machine ?? ci.node ?? `${hostname()}-${process.pid}`,
    'machine (SHARDLESS_MACHINE)',
  )
  const index = options.index ?? ci.index
  const total = options.total ?? ci.total
  if (index !== null && total !== null && index >= total) {
    throw new ConfigError(
      'index (SHARDLESS_INDEX)',
      `${index} must be below total (${total}); indexes are 0-based.`,
    )
  }
  const config: ResolvedConfig = {
    store,
    build,
    redisUrl: options.redisUrl ?? null,
    cluster: options.cluster ?? false,
    machine,
    suite: checkName(options.suite ?? sanitize(context.suite), 'suite (SHARDLESS_SUITE)'),
    leaseMs,
    heartbeatMs,
    maxRequeues: options.maxRequeues ?? DEFAULTS.maxRequeues,
    requeueTolerance: options.requeueTolerance ?? DEFAULTS.requeueTolerance,
    maxFailures: options.maxFailures ?? 0,
    maxTestMs: options.maxTestMs ?? 0,
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    timingsFile: options.timingsFile ?? null,
    queueInitTimeoutMs: options.queueInitTimeoutMs ?? DEFAULTS.queueInitTimeoutMs,
    setupStaleMs: options.setupStaleMs ?? DEFAULTS.setupStaleMs,
    index: index ?? null,
    total: total ?? null,
    buildSource: options.build
      ? env.SHARDLESS_BUILD
        ? 'SHARDLESS_BUILD'
        : 'option'
      : (ci.provider ?? 'default'),
  }
  const extra = Object.fromEntries(
    Object.keys(context.extra ?? {}).map((name) => [name, values[name]]),
  ) as Extra
  return { enabled: true, config, extra }
}

/** SHARDLESS_* variables that are not options: debugging, the examples' "make a test fail" switch, the tests' Redis. */
const IGNORED_ENV = new Set(['SHARDLESS_DEBUG', 'SHARDLESS_FAIL', 'SHARDLESS_TEST_REDIS_URL'])

function parse(raw: string, spec: OptionSpec, name: string): unknown {
  if (spec.kind === 'boolean') {
    if (['1', 'true', 'yes'].includes(raw)) return true
    if (['0', 'false', 'no'].includes(raw)) return false
    throw new ConfigError(name, `${JSON.stringify(raw)} must be true or false (or 1/0).`)
  }
  if (spec.kind === 'integer' || spec.kind === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(raw.trim()))
      throw new ConfigError(name, `${JSON.stringify(raw)} is not a number.`)
    return check(Number(raw), spec, name)
  }
  return check(raw, spec, name)
}

function check(value: unknown, spec: OptionSpec, name: string): unknown {
  const { kind } = spec
  if (Array.isArray(kind)) {
    if (!kind.includes(value as string))
      throw new ConfigError(name, `${JSON.stringify(value)} must be one of ${kind.join(', ')}.`)
    return value
  }
  if (kind === 'string') {
    if (typeof value !== 'string' || value === '')
      throw new ConfigError(name, `${JSON.stringify(value)} must be a non-empty string.`)
    return value
  }
  if (kind === 'boolean') {
    if (typeof value !== 'boolean')
      throw new ConfigError(name, `${JSON.stringify(value)} must be true or false.`)
    return value
  }
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (kind === 'integer' && !Number.isInteger(value))
  ) {
    throw new ConfigError(
      name,
      `${JSON.stringify(value)} must be ${kind === 'integer' ? 'a whole number' : 'a number'}.`,
    )
  }
  if (spec.min !== undefined && value < spec.min)
    throw new ConfigError(name, `${value} must be at least ${spec.min}.`)
  return value
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._:/@+=-]/g, '_').slice(0, 200) || 'default'
}

/** The candidate within edit distance 3, for "did you mean". */
function closest(word: string, candidates: string[]): string | null {
  let best: string | null = null
  let bestDistance = 4
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}
