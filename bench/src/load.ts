import { preciseNow, quantile } from './stats.js'

export interface LoadResult {
  ops: number
  opsPerSec: number
  p50Ms: number
  p99Ms: number
}

/**
 * Runs `op` from `concurrency` loops until `total` calls have been made, each loop waiting for its previous call:
 * the closed-loop load `concurrency` worker slots put on a queue.
 */
export async function closedLoop(
  concurrency: number,
  total: number,
  op: (loop: number, n: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = []
  let issued = 0
  const started = preciseNow()
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      while (issued < total) {
        const n = issued++
        const t = preciseNow()
        await op(loop, n)
        latencies.push(preciseNow() - t)
      }
    }),
  )
  const elapsed = preciseNow() - started
  latencies.sort((a, b) => a - b)
  return {
    ops: latencies.length,
    opsPerSec: (latencies.length / elapsed) * 1000,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  }
}
