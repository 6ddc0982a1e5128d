import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import {
  ConfigError,
  type ResolvedConfig,
  resolveConfig,
  VITEST_OPTIONS,
  type VitestOptions,
} from '@shardless/queue-core'

export type ResolvedTarget = ResolvedConfig & { blobDir: string | null }

/** The flags every build command shares; each has the env variable the workers already read. */
export interface TargetFlags {
  build?: string
  suite?: string
  redis?: string
}

/**
 * Resolves which build to read with the adapters' own rules (resolveConfig: SHARDLESS_* env, CI-detected build
 * ids, the root package's name as suite), except that a flag typed on the command line beats the environment.
 */
export function resolveTarget(
  flags: TargetFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): ResolvedTarget {
  const overrides: NodeJS.ProcessEnv = {}
  if (flags.build !== undefined) overrides.SHARDLESS_BUILD = String(flags.build)
  if (flags.suite !== undefined) overrides.SHARDLESS_SUITE = String(flags.suite)
  if (flags.redis !== undefined) overrides.SHARDLESS_REDIS_URL = String(flags.redis)
  // The Vitest plugin's options too: the report merges its blobs from SHARDLESS_BLOB_DIR.
  const resolution = resolveConfig<VitestOptions>(undefined, {
    env: { ...env, ...overrides },
    suite: defaultSuite(cwd),
    source: 'the shardless command line',
    extra: VITEST_OPTIONS,
  })
  if (!resolution.enabled) {
    throw new ConfigError(
      'redisUrl (--redis / SHARDLESS_REDIS_URL)',
      'the build lives in Redis: pass --redis redis://host:6379 or set SHARDLESS_REDIS_URL to the URL the machines used.',
    )
  }
  if (resolution.config.store === 'memory') {
    throw new ConfigError(
      'store (SHARDLESS_STORE)',
      'the memory store lives inside one test process, so no other command can read it; unset SHARDLESS_STORE=memory and use Redis.',
    )
  }
  return { ...resolution.config, blobDir: resolution.extra.blobDir ?? null }
}

/**
 * The suite name the adapters default to: the project root's package.json name, else the root folder's name.
 * Run from the same directory as the tests, the report finds the same suite without --suite.
 */
function defaultSuite(cwd: string): string {
  try {
    const { name } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { name?: unknown }
    if (typeof name === 'string' && name) return name
  } catch {
    // No package.json here: the folder name, as the adapters do.
  }
  return basename(cwd)
}

/** A seconds flag as milliseconds; names the flag when the value is not a number. */
export function seconds(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback * 1000
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new ConfigError(flag, `${JSON.stringify(value)} must be a number of seconds (0 or more).`)
  }
  return n * 1000
}
