// Randomised chaos: many builds, each with a random mix of the faults above (machines killed or stalled past their
// lease, Redis paused or restarted with AOF) at random moments, each ending with the invariant check.
// CHAOS_SEED=<n> replays one build; CHAOS_BUILDS=<n> changes how many run.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { checkInvariants, readBuild } from '../src/invariants.js'
import { type Files, type Machine, startMachine } from '../src/machines.js'
import { type RedisServer, startRedis } from '../src/redis-server.js'

const BUILDS = Number(process.env.CHAOS_BUILDS ?? 50)
const FIRST_SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000)
const SEEDS = process.env.CHAOS_SEED ? [FIRST_SEED] : Array.from({ length: BUILDS }, (_, i) => FIRST_SEED + i)

type Fault = 'kill' | 'stall' | 'pause-redis' | 'restart-redis'
const FAULTS: Fault[] = ['kill', 'stall', 'pause-redis', 'restart-redis']

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis({ appendonly: true })
})
/** Totals over the run for docs/reliability.md: what was injected and what the invariant checks found. */
const totals = {
  builds: 0,
  entries: 0,
  faults: {} as Record<string, number>,
  expired: 0,
  staleDropped: 0,
  requeued: 0,
}
afterAll(async () => {
  await redis.stop()
  console.log(`chaos totals ${JSON.stringify(totals)}`)
})

/** Park–Miller: the same seed draws the same build and the same faults. */
function random(seed: number) {
  let state = (seed % 2147483646) + 1
  const next = () => {
    state = (state * 48271) % 2147483647
    return state / 2147483647
  }
  return {
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: T[]) => items[Math.floor(next() * items.length)]!,
  }
}

const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it.each(SEEDS)('build with seed %i keeps every invariant', async (seed) => {
  const r = random(seed)
  const leaseMs = r.int(500, 1000)
  const suite: Files = Array.from({ length: r.int(12, 24) }, (_, i) => {
    const kind = r.pick(['', '', '', '', '', 'flaky-', 'fail-'])
    return [`${kind}c${i}.test.ts`, r.int(20, 160)]
  })
  const faults = Array.from({ length: r.int(1, 3) }, () => ({
    fault: r.pick(FAULTS),
    afterFinished: r.int(1, 8),
  }))
  const context = `seed ${seed} (replay: CHAOS_SEED=${seed}); faults ${JSON.stringify(faults)}`
  const build = `chaos-${randomUUID()}`
  const env = {
    SHARDLESS_REDIS_URL: redis.url,
    SHARDLESS_BUILD: build,
    SHARDLESS_LEASE_MS: String(leaseMs),
    SHARDLESS_SETUP_STALE_MS: '1000',
    // Budgets wide enough that the faults, not the budgets, decide: a flaky file always gets its retry and no
    // entry runs out of attempts to three faults.
    SHARDLESS_REQUEUE_TOLERANCE: '1',
    SHARDLESS_MAX_ATTEMPTS: '10',
  }
  const machines: Machine[] = []
  const start = (name: string) => {
    const machine = startMachine(name, env, { files: suite, slots: r.int(1, 2) })
    machines.push(machine)
    return machine
  }
  for (let i = 0; i < r.int(2, 4); i++) start(`m${i}`)
  const killed = new Set<Machine>()
  const finishedCount = () =>
    machines.reduce((n, m) => n + m.lines.filter((l) => l.startsWith('finish ')).length, 0)

  try {
    for (const { fault, afterFinished } of faults) {
      while (
        finishedCount() < afterFinished &&
        machines.some((m) => m.child.exitCode === null && !killed.has(m))
      ) {
        await Promise.race([...machines.map((m) => m.waitFor(/^finish /, { fresh: true })), after(2000)])
      }
      const alive = machines.filter((m) => m.child.exitCode === null && !killed.has(m))
      if (fault === 'kill' && alive.length) {
        const victim = r.pick(alive)
        victim.child.kill('SIGKILL')
        killed.add(victim)
      } else if (fault === 'stall' && alive.length) {
        const victim = r.pick(alive)
        victim.child.kill('SIGSTOP')
        await after(leaseMs + r.int(100, 800))
        victim.child.kill('SIGCONT')
      } else if (fault === 'pause-redis') {
        redis.pause()
        await after(r.int(300, 2000))
        redis.resume()
      } else if (fault === 'restart-redis') {
        await redis.restart()
      }
    }
    // A machine that joins after the faults: the build finishes even if every first machine was killed.
    start('late')
    const exits = await Promise.all(machines.map((m) => m.exit))
    for (const [i, machine] of machines.entries()) {
      if (killed.has(machine)) continue
      // A machine fails exactly when the queue accepted a failure from it.
      const acceptedFailure = machine.lines.some((l) => /^finish fail-\S+ ok$/.test(l))
      expect(exits[i], `${context}: ${machine.name}\n${machine.stderr()}`).toEqual({
        code: acceptedFailure ? 1 : 0,
        signal: null,
      })
    }
    const snapshot = await readBuild(redis.url, build)
    checkInvariants(snapshot, suite, context)
    totals.builds++
    totals.entries += suite.length
    for (const { fault } of faults) totals.faults[fault] = (totals.faults[fault] ?? 0) + 1
    totals.expired += snapshot.progress.expired
    totals.staleDropped += snapshot.progress.stale
    totals.requeued += snapshot.progress.requeued
  } finally {
    for (const machine of machines) machine.child.kill('SIGKILL')
    redis.resume()
  }
}, 60_000)
