import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ConfigError, type ResolvedConfig, resolveConfig } from '@shardless/queue-core'

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
): ResolvedConfig {
  const overrides: NodeJS.ProcessEnv = {}
  if (flags.build !== undefined) overrides.SHARDLESS_BUILD = String(flags.build)
  if (flags.suite !== undefined) overrides.SHARDLESS_SUITE = String(flags.suite)
  if (flags.redis !== undefined) overrides.SHARDLESS_REDIS_URL = String(flags.redis)
  const resolution = resolveConfig(undefined, {
    env: { ...env, ...overrides },
    suite: packageName(cwd),
    source: 'the shardless command line',
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
  return resolution.config
}

/** The nearest package.json's name: the suite name the adapters default to when run from the same directory. */
function packageName(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    try {
      const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name
      return typeof name === 'string' ? name : ''
    } catch {
      if (dirname(dir) === dir) return ''
    }
  }
}
