import { type Clock, systemClock } from './clock.js'
import type { DrainSummary } from './drain.js'
import { lptSplit } from './entries.js'
import { openStore } from './open.js'
import type { ResolvedConfig } from './options.js'
import { joinBuild } from './setup.js'
import { RedisStore } from './store/redis.js'
import { estimateWeights, readTimingsFile, type WeighedFile } from './timings.js'
import type { Progress, QueueStore } from './types.js'

export interface SessionOptions {
  config: ResolvedConfig
  /** Every test file this machine discovered: entry id and file size (the cold duration estimate). */
  files: WeighedFile[]
  log?: (line: string) => void
  clock?: Clock
}

export type Session =
  | {
      mode: 'queue'
      store: QueueStore
      /** True when this machine populated the queue. */
      populated: boolean
      total: number
      close(): Promise<void>
    }
  | {
      /** Redis was unreachable: run exactly `entries`, this machine's share of the static LPT split. */
      mode: 'fallback'
      entries: string[]
      index: number
      total: number
      reason: string
      /**
       * Afterwards: tells the build what this machine ran, if Redis answers by then, so the report step can say
       * the build ran in fallback mode. Never throws: the machine's own exit code is its verdict either way.
       */
      record(result: { files: number; failed: number }): Promise<void>
    }

/**
 * Brings one machine into its build, the way every adapter does it: open the store (or fall back to the static
 * split when Redis is unreachable), weigh the files from timing history, then populate or follow the queue and
 * verify this machine discovered the same files.
 */
export async function openSession({
  config,
  files,
  log = () => {},
  clock = systemClock,
}: SessionOptions): Promise<Session> {
  const fileHistory = config.timingsFile ? readTimingsFile(config.timingsFile) : {}
  const opened = await openStore(config)
  if (opened.mode === 'fallback') {
    const entries = lptSplit(estimateWeights(files, fileHistory), opened.total)[opened.index] ?? []
    log(
      `shardless: FALLBACK — Redis is unreachable (${opened.reason}); machine ${opened.index + 1} of ${opened.total} runs its static share: ${entries.length} of ${files.length} files.`,
    )
    const { index, total } = opened
    const record = async ({ files, failed }: { files: number; failed: number }) => {
      const store = new RedisStore({
        url: config.redisUrl!,
        cluster: config.cluster,
        build: config.build,
        suite: config.suite,
        retryBudgetMs: config.heartbeatMs,
      })
      try {
        await store.noteFallback({ machine: config.machine, index, total, files, failed })
      } catch {
        log(
          `shardless: Redis is still unreachable; the report step will not know this machine ran its share.`,
        )
      } finally {
        await store.close()
      }
    }
    return { mode: 'fallback', entries, index, total, reason: opened.reason, record }
  }
  const { store } = opened
  try {
    // Redis history wins over the cached file: it saw the most recent builds.
    const history = { ...fileHistory, ...(await store.timings()) }
    const joined = await joinBuild(store, {
      machine: config.machine,
      entries: estimateWeights(files, history),
      // The resolved config carries every policy field joinBuild reads (as `shardless retry` passes it too).
      policy: config,
      queueInitTimeoutMs: config.queueInitTimeoutMs,
      setupStaleMs: config.setupStaleMs,
      clock,
      log,
    })
    if (store.kind === 'memory') {
      log('shardless: using the embedded in-process store (SHARDLESS_STORE=memory): one machine, no Redis.')
    }
    log(
      `shardless: ${config.machine} joined build ${config.build} (${config.buildSource}) · ${joined.populated ? 'populated' : 'follows'} ${joined.total} file${joined.total === 1 ? '' : 's'} · ${store.describe}`,
    )
    return {
      mode: 'queue',
      store,
      populated: joined.populated,
      total: joined.total,
      close: () => store.close(),
    }
  } catch (error) {
    await store.close()
    throw error
  }
}

/** The one line an adapter prints after its framework's summary: what this machine did, where the build is. */
export function machineLine(machine: string, summary: DrainSummary, progress: Progress | null): string {
  const ran = summary.passed + summary.failed + summary.skipped
  const parts = [`${summary.passed} passed`]
  if (summary.failed) parts.push(`${summary.failed} failed`)
  if (summary.skipped) parts.push(`${summary.skipped} skipped`)
  if (summary.requeued) parts.push(`${summary.requeued} handed on for retry`)
  if (summary.stale) parts.push(`${summary.stale} dropped (lease lost)`)
  if (summary.released) parts.push(`${summary.released} handed back`)
  const queue = progress
    ? ` · queue ${progress.done}/${progress.total} done${progress.leased ? `, ${progress.leased} running elsewhere` : ''}`
    : ''
  const stop = summary.cancelled
    ? ` · build cancelled: ${summary.cancelled}`
    : summary.stopped
      ? ' · stopped'
      : ''
  return `shardless: ${machine} ran ${ran} file${ran === 1 ? '' : 's'} (${parts.join(', ')}) in ${(summary.busyMs / 1000).toFixed(1)} s busy${queue}${stop}`
}
