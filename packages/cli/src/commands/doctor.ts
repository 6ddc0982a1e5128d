import { createRequire } from 'node:module'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  ConfigError,
  checkBuildId,
  createRedisClient,
  parseRedisUrl,
  ShardlessError,
} from '@shardless/queue-core'
import pc from 'picocolors'
import { hashSlot } from '../slot.js'
import type { Io } from './io.js'

export interface DoctorFlags {
  redis?: string
  build?: string
}

type Status = 'ok' | 'warn' | 'fail' | 'info'
interface Check {
  status: Status
  text: string
}

const MARK: Record<Status, string> = {
  ok: pc.green('✓'),
  warn: pc.yellow('⚠'),
  fail: pc.red('✗'),
  info: pc.dim('·'),
}

/**
 * `shardless doctor`: checks what a shardless build needs from this machine and its Redis. Exit 1 when a check
 * fails (warnings don't), so it can gate a CI setup step.
 */
export async function doctor(flags: DoctorFlags, io: Io): Promise<number> {
  const checks: Check[] = [node()]
  const frameworks = installedFrameworks(io.cwd)
  checks.push(...frameworks)
  checks.push(...(await redis(flags, io.env)))
  io.stdout.write(
    `${pc.bold('shardless doctor')}\n${checks.map((c) => `  ${MARK[c.status]} ${c.text}`).join('\n')}\n`,
  )
  const failed = checks.filter((c) => c.status === 'fail').length
  const warned = checks.filter((c) => c.status === 'warn').length
  io.stdout.write(
    failed
      ? pc.red(`\n${failed} check(s) failed.\n`)
      : `\nAll checks passed${warned ? ` (${warned} warning(s))` : ''}.\n`,
  )
  return failed ? 1 : 0
}

function node(): Check {
  const version = process.versions.node
  return atLeast(version, [20, 19])
    ? { status: 'ok', text: `Node ${version} (shardless needs >= 20.19; Vitest 5 needs >= 22.12)` }
    : { status: 'fail', text: `Node ${version} is too old: shardless needs Node >= 20.19.` }
}

function installedFrameworks(cwd: string): Check[] {
  const require = createRequire(join(cwd, 'noop.js'))
  const version = (name: string): string | null => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version
    } catch {
      return null
    }
  }
  const checks: Check[] = []
  const vitest = version('vitest')
  if (vitest) {
    const [major] = parse(vitest)
    if (major! < 4 || major! >= 6) {
      checks.push({
        status: 'fail',
        text: `vitest ${vitest} is not supported (supported: >= 4.0 < 6); upgrade Vitest.`,
      })
    } else if (major === 5 && !atLeast(process.versions.node, [22, 12])) {
      checks.push({
        status: 'fail',
        text: `vitest ${vitest} needs Node >= 22.12; this is Node ${process.versions.node}.`,
      })
    } else checks.push({ status: 'ok', text: `vitest ${vitest} (supported: >= 4.0 < 6)` })
  }
  const jest = version('jest')
  if (jest) {
    const [major, minor] = parse(jest)
    const supported = (major === 29 && minor! >= 7) || major === 30
    checks.push(
      supported
        ? { status: 'ok', text: `jest ${jest} (supported: ^29.7 || ^30)` }
        : { status: 'fail', text: `jest ${jest} is not supported (supported: ^29.7 || ^30); upgrade Jest.` },
    )
  }
  if (!vitest && !jest)
    checks.push({ status: 'info', text: `neither vitest nor jest is installed from ${cwd}` })
  return checks
}

async function redis(flags: DoctorFlags, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const url = flags.redis ?? env.SHARDLESS_REDIS_URL
  if (!url) {
    return [
      {
        status: 'fail',
        text: 'no Redis URL: pass --redis redis://host:6379 or set SHARDLESS_REDIS_URL (without it shardless stays off).',
      },
    ]
  }
  try {
    parseRedisUrl(url, flags.redis ? '--redis' : 'SHARDLESS_REDIS_URL')
  } catch (error) {
    if (error instanceof ConfigError)
      return [{ status: 'fail', text: error.message.replace(/^shardless: /, '') }]
    throw error
  }
  const shown = url.replace(/\/\/([^@/]*)@/, '//***@')
  const client = createRedisClient(url, { commandTimeoutMs: 3000 })
  client.on('error', () => {})
  const checks: Check[] = []
  try {
    try {
      await client.connect()
      const rounds: number[] = []
      for (let i = 0; i < 5; i++) {
        const start = performance.now()
        await client.ping()
        rounds.push(performance.now() - start)
      }
      const median = rounds.sort((a, b) => a - b)[2]!
      checks.push({
        status: median > 50 ? 'warn' : 'ok',
        text: `Redis at ${shown} answers · round trip ${median.toFixed(2)} ms (median of 5)${median > 50 ? ': slow; every reserve and ack pays this, so place Redis near the CI machines' : ''}`,
      })
    } catch (error) {
      return [
        {
          status: 'fail',
          text: `Redis at ${shown} does not answer: ${error instanceof Error ? error.message : String(error)}. Check host, port and password.`,
        },
      ]
    }
    const info = await client.info()
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim()
    const version = field('redis_version') ?? '?'
    checks.push(
      atLeast(version, [6, 2])
        ? { status: 'ok', text: `Redis ${version} (needs >= 6.2)` }
        : { status: 'fail', text: `Redis ${version} is too old: shardless's scripts need Redis >= 6.2.` },
    )
    checks.push(await evictionPolicy(client))
    const build = flags.build ?? env.SHARDLESS_BUILD
    const slotOf = build
      ? `build ${build} lives in hash slot ${hashSlot(`shardless:{${checkBuildId(build)}}:`)}`
      : ''
    if (field('cluster_enabled') === '1') {
      const declared = ['1', 'true', 'yes'].includes(env.SHARDLESS_REDIS_CLUSTER ?? '')
      checks.push(
        declared
          ? {
              status: 'ok',
              text: `Redis Cluster${slotOf ? ` · ${slotOf} (one slot per build, via its {hash tag})` : ''}`,
            }
          : {
              status: 'fail',
              text: 'this Redis runs in cluster mode: set SHARDLESS_REDIS_CLUSTER=true on every machine and the report step.',
            },
      )
    } else {
      checks.push({
        status: 'ok',
        text: `standalone Redis (no cluster)${slotOf ? ` · on a cluster, ${slotOf}` : ''}`,
      })
    }
  } finally {
    client.disconnect()
  }
  return checks
}

async function evictionPolicy(client: ReturnType<typeof createRedisClient>): Promise<Check> {
  let policy: string
  try {
    const reply = (await client.config('GET', 'maxmemory-policy')) as string[]
    policy = reply[1] ?? '?'
  } catch (error) {
    if (error instanceof ShardlessError) throw error
    return {
      status: 'warn',
      text: 'could not read maxmemory-policy (CONFIG is disabled here): make sure it is noeviction or volatile-*.',
    }
  }
  if (policy === 'noeviction' || policy.startsWith('volatile-')) {
    return {
      status: 'ok',
      text: `maxmemory-policy ${policy} (safe: live build keys are never evicted early)`,
    }
  }
  return {
    status: 'warn',
    text: `maxmemory-policy ${policy}: under memory pressure Redis may evict a running build's keys, and that build fails with exit 41. Use noeviction or volatile-lru.`,
  }
}

function parse(version: string): number[] {
  return version.split(/[.-]/).slice(0, 3).map(Number)
}

function atLeast(version: string, [major, minor]: [number, number]): boolean {
  const [a = 0, b = 0] = parse(version)
  return a > major || (a === major && b >= minor)
}
