import { type ChildProcess, fork } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  ConfigError,
  MemoryStore,
  type Progress,
  parseRedisUrl,
  type QueueStore,
  RedisStore,
} from '@shardless/queue-core'
import { DEMO_LEASE_MS, runMachine } from '../demo/machine.js'
import { demoSuite } from '../demo/suite.js'
import { buildReport } from '../model.js'
import { duration } from '../output/format.js'
import { renderHtml } from '../output/html.js'
import { progressSink } from '../output/progress.js'
import { renderSummary } from '../output/terminal.js'
import { decide } from '../verdict.js'
import { waitForBuild } from '../wait.js'
import type { Io } from './io.js'

export interface DemoFlags {
  machines?: string
  slots?: string
  redis?: string
  html?: string
  speed?: string
}

const SUITE = 'shardless-demo'

/**
 * `shardless demo`: a synthetic suite drained by several local machines through one queue (one machine SIGKILLed
 * mid-run when Redis is there), with the live progress, the build's one summary and the HTML timeline.
 */
export async function demo(flags: DemoFlags, io: Io): Promise<number> {
  const machines = count(flags.machines, '--machines', 4, 32)
  const slots = count(flags.slots, '--slots', 2, 16)
  const speed = Number(flags.speed ?? 1)
  if (!(speed > 0))
    throw new ConfigError('--speed', `${JSON.stringify(flags.speed)} must be a positive number.`)
  const url = flags.redis ?? io.env.SHARDLESS_REDIS_URL ?? 'redis://127.0.0.1:6379'
  parseRedisUrl(url, flags.redis ? '--redis' : 'SHARDLESS_REDIS_URL')
  const html = flags.html ?? 'shardless-demo.html'
  const build = `demo-${Date.now()}`
  const suite = demoSuite(speed)

  const redis = new RedisStore({ url, build, suite: SUITE, retryBudgetMs: 3000 })
  const reachable = await redis.connect(3000).then(
    () => true,
    () => false,
  )
  if (!reachable) await redis.close()
  const store: QueueStore = reachable ? redis : new MemoryStore({ build, suite: SUITE })
  const work = suite.reduce((sum, file) => sum + file.ms, 0)
  io.stderr.write(
    `shardless demo: ${suite.length} test files (${duration(work)} of work) on ${machines} machines × ${slots} slots, build ${build}\n${reachable ? `  queue in Redis at ${url}; the last machine is SIGKILLed a third of the way in\n` : `  Redis is not reachable at ${url}: using the embedded in-process store (no machine is killed)\n`}`,
  )
  const names = Array.from({ length: machines }, (_, i) => `machine-${i + 1}`)
  const running = reachable
    ? names.map((name) => spawnMachine(name, { url, build, slots, speed }))
    : names.map((name) => ({
        child: null,
        exited: runMachine(new MemoryStore({ build, suite: SUITE }), name, slots, suite).then(() => {}),
      }))

  const victim = reachable ? running.at(-1)!.child : null
  let killing = false
  // A third of the way in, once the victim has finished a file of its own (so it is surely mid-work, holding
  // leases), it dies without a word, like a CI machine that ran out of memory.
  const killThirdWay = async (progress: Progress) => {
    if (!victim || killing || progress.done < suite.length / 3) return
    killing = true
    const { log } = await store.snapshot(DEMO_LEASE_MS)
    if (!log.some((record) => record.worker === names.at(-1))) {
      killing = false
      return
    }
    victim.kill('SIGKILL')
    io.stderr.write(
      `\n  ✗ ${names.at(-1)} SIGKILLed mid-run: its leases expire within ${duration(DEMO_LEASE_MS)} and the other machines run those files\n`,
    )
  }
  const sink = progressSink(io.stderr, io.env)
  const started = Date.now()
  try {
    const result = await waitForBuild(store, {
      wait: true,
      queueInitTimeoutMs: 30_000,
      timeoutMs: 0,
      livenessMs: DEMO_LEASE_MS,
      inactivityMs: 10_000,
      pollMs: 200,
      onProgress: (progress, elapsed) => {
        sink.progress(progress, elapsed)
        void killThirdWay(progress)
      },
      onWaiting: sink.waiting,
    }).finally(sink.close)
    await Promise.all(running.map((machine) => machine.exited))
    const model = buildReport(build, SUITE, await store.snapshot(DEMO_LEASE_MS))
    const verdict = decide(model, result.end, Date.now() - started)
    io.stdout.write(renderSummary(model, verdict))
    await writeFile(resolve(io.cwd, html), renderHtml(model, verdict))
    io.stderr.write(`shardless demo: timeline written to ${html} (one lane per machine slot)\n`)
    return verdict.exitCode
  } finally {
    await store.close()
  }
}

function spawnMachine(name: string, options: { url: string; build: string; slots: number; speed: number }) {
  const child: ChildProcess = fork(new URL('../demo/child.js', import.meta.url), {
    env: {
      ...process.env,
      DEMO_REDIS_URL: options.url,
      DEMO_BUILD: options.build,
      DEMO_SUITE: SUITE,
      DEMO_MACHINE: name,
      DEMO_SLOTS: String(options.slots),
      DEMO_SPEED: String(options.speed),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return { child, exited: new Promise<void>((done) => child.on('exit', () => done())) }
}

function count(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ConfigError(flag, `${JSON.stringify(value)} must be a whole number from 1 to ${max}.`)
  }
  return n
}
