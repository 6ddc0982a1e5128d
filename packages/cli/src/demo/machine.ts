import { drain, encodePayload, joinBuild, type QueueStore } from '@shardless/queue-core'
import { type DemoFile, demoPayload, FLAKY_FILE } from './suite.js'

export const DEMO_LEASE_MS = 1500

/** One demo machine, doing what an adapter does: join the build, then drain it with `slots` slots. */
export async function runMachine(store: QueueStore, machine: string, slots: number, suite: DemoFile[]) {
  const byId = new Map(suite.map((file) => [file.id, file]))
  await joinBuild(store, {
    machine,
    entries: suite.map((file) => ({ id: file.id, weight: file.ms })),
    policy: { maxRequeues: 1, requeueTolerance: 0.1, maxFailures: 0, maxAttempts: 3, maxTestMs: 0 },
  })
  return drain({
    store,
    worker: machine,
    concurrency: slots,
    leaseMs: DEMO_LEASE_MS,
    info: { framework: 'demo' },
    run: async ({ entry, retry, signal }) => {
      const file = byId.get(entry)!
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, file.ms)
        signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      const payload = demoPayload(file, file.file === FLAKY_FILE && !retry)
      return { outcome: payload.outcome, durationMs: file.ms, payload: encodePayload(payload) }
    },
  })
}
