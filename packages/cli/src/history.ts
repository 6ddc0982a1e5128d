import { resolve } from 'node:path'
import {
  type BuildSnapshot,
  type RedisStore,
  type ResolvedConfig,
  TIMING_ALPHA,
  timingSamples,
  writeTimingsFile,
} from '@shardless/queue-core'

/**
 * Feeds a finished build's first-attempt durations into the suite's timing history (the next build's LPT order),
 * exactly once per build even when the report runs on every machine with --wait: the EMA would otherwise count
 * the same build N times. Then refreshes the JSON cache file CI keeps between builds, when one is configured.
 */
export async function recordHistory(
  store: RedisStore,
  config: ResolvedConfig,
  snapshot: Pick<BuildSnapshot, 'log'>,
  timingsFile: string | null,
  cwd: string,
): Promise<string> {
  const samples = timingSamples(snapshot)
  const count = Object.keys(samples).length
  let line = `shardless: timing history of suite ${config.suite} already has build ${config.build}`
  if (count > 0 && (await store.claimTimings())) {
    await store.recordTimings(samples, TIMING_ALPHA)
    line = `shardless: timing history of suite ${config.suite} updated with ${count} file durations`
  }
  if (timingsFile) {
    try {
      writeTimingsFile(resolve(cwd, timingsFile), config.suite, await store.timings())
      line += `; cached in ${timingsFile}`
    } catch (error) {
      // The cache only speeds up the next build: losing it must not change this build's verdict.
      line += `; could not write the timings file ${timingsFile} (--timings-file / SHARDLESS_TIMINGS_FILE): ${error instanceof Error ? error.message : String(error)}`
    }
  }
  return line
}
