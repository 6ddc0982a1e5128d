// One "CI machine": joins the build, drains its share of the queue, reports what it ran to the parent.
import { drain, joinBuild, RedisStore } from '@shardless/queue-core'
import { FLAKY, syntheticSuite } from './suite.js'

const [build, machine, slots] = [
  process.env.DEMO_BUILD,
  process.env.DEMO_MACHINE,
  Number(process.env.DEMO_SLOTS),
]
const suite = syntheticSuite()
const duration = new Map(suite.map((file) => [file.id, file.ms]))
const store = new RedisStore({ url: process.env.DEMO_REDIS_URL, build, suite: 'demo' })

await joinBuild(store, {
  machine,
  entries: suite.map((file) => ({ id: file.id, weight: file.ms })),
  policy: { maxRequeues: 1, requeueTolerance: 0.1, maxFailures: 0, maxAttempts: 3, maxTestMs: 0 },
})
const summary = await drain({
  store,
  worker: machine,
  concurrency: slots,
  leaseMs: 1500,
  run: async ({ entry, retry, signal }) => {
    const ms = duration.get(entry)
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      signal.addEventListener('abort', () => clearTimeout(timer) || resolve(), { once: true })
    })
    const outcome = entry === FLAKY && !retry ? 'failed' : 'passed'
    return { outcome, durationMs: ms, payload: JSON.stringify({ ms }) }
  },
})
await store.close()
process.stdout.write(`${JSON.stringify({ machine, summary })}\n`)
