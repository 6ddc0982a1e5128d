// Eight real worker processes drain 2,000 entries through Redis while some are SIGKILLed at random moments.
// Afterwards every entry has exactly one final outcome and the counters add up.
import { spawn } from 'node:child_process'
import { afterAll, expect, it } from 'vitest'
import { RedisStore } from '../src/store/redis.js'
import { REDIS_URL, redisFactory } from './helpers.js'

const WORKERS = 8
const ENTRIES = 2000
const KILLS = 3
const LEASE_MS = 500
const factory = redisFactory()
afterAll(() => factory.cleanup())

it('loses nothing when workers are SIGKILLed mid-run', async () => {
  const seed = Number(process.env.MP_SEED ?? Date.now() % 100_000)
  let state = seed
  const random = () => {
    state = (state * 48271) % 2147483647
    return state / 2147483647
  }
  const build = factory.create().build
  const store = new RedisStore({ url: REDIS_URL, build, suite: 'mp' })
  const script = new URL('./fixtures/drain-worker.mjs', import.meta.url).pathname
  const workers = Array.from({ length: WORKERS }, (_, i) => {
    const child = spawn(process.execPath, [script, build, `worker-${i}`, String(ENTRIES), String(LEASE_MS)], {
      env: { ...process.env, REDIS_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
    )
    return { child, exit }
  })

  // Kill KILLS distinct workers once the build passes random points of its progress.
  const victims = [...workers.keys()].sort(() => random() - 0.5).slice(0, KILLS)
  const thresholds = victims.map(() => Math.floor(ENTRIES * (0.1 + random() * 0.6))).sort((a, b) => a - b)
  const killed: number[] = []
  while (killed.length < KILLS) {
    const done = await store
      .progress(LEASE_MS)
      .then((p) => p.done)
      .catch(() => 0)
    while (killed.length < KILLS && done >= thresholds[killed.length]!) {
      const victim = victims[killed.length]!
      workers[victim]!.child.kill('SIGKILL')
      killed.push(victim)
    }
    if (done >= ENTRIES) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  const exits = await Promise.all(workers.map((w) => w.exit))
  const snap = await store.snapshot(LEASE_MS)
  await store.close()
  const context = `seed ${seed} (rerun with MP_SEED=${seed}); killed ${killed.join(',')}`
  for (const [i, exit] of exits.entries()) {
    if (killed.includes(i)) expect(exit.signal, context).toBe('SIGKILL')
    else expect(exit, context).toMatchObject({ code: 0, signal: null })
  }
  expect(killed, context).toHaveLength(KILLS)
  expect(Object.keys(snap.outcomes), context).toHaveLength(ENTRIES)
  expect(new Set(Object.values(snap.outcomes)), context).toEqual(new Set(['passed']))
  expect(snap.progress, context).toMatchObject({
    total: ENTRIES,
    done: ENTRIES,
    passed: ENTRIES,
    pending: 0,
    leased: 0,
    lost: 0,
  })
  const accepted = snap.log.filter((r) => r.outcome === 'passed' && !r.stale)
  expect(accepted, context).toHaveLength(ENTRIES)
  expect(new Set(accepted.map((r) => r.entry)).size, context).toBe(ENTRIES)
  // every kept result came from the lease the log accepted for that entry
  for (const record of accepted) expect(JSON.parse(snap.results[record.entry]!).machine).toBe(record.worker)
  // the kills really took leases with them, and those came back
  expect(snap.progress.expired, context).toBeGreaterThan(0)
}, 120_000)
