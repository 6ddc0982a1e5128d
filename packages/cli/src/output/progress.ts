import type { Progress } from '@shardless/queue-core'
import pc from 'picocolors'
import { duration } from './format.js'

export interface ProgressSink {
  progress(progress: Progress, elapsedMs: number): void
  waiting(status: 'absent' | 'setup', elapsedMs: number): void
  /** Ends the live line so the summary starts on a clean one. */
  close(): void
}

/**
 * A live, redrawn progress bar on an interactive terminal; on CI (or a pipe) a plain line when something changed,
 * at most every 10 s, so logs stay readable.
 */
export function progressSink(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): ProgressSink {
  const live = stream.isTTY === true && !env.CI
  let drawn = false
  let lastText = ''
  let lastAt = Number.NEGATIVE_INFINITY
  const show = (text: string, elapsedMs: number, changed: boolean) => {
    if (live) {
      stream.write(`\r\u001b[2K${text}`)
      drawn = true
    } else if ((changed && elapsedMs - lastAt >= 10_000) || elapsedMs - lastAt >= 60_000) {
      stream.write(`${text}\n`)
      lastAt = elapsedMs
    }
  }
  return {
    progress(p, elapsedMs) {
      const width = 24
      const filled = p.total ? Math.round((p.done / p.total) * width) : 0
      const bar = live ? `${pc.green('█'.repeat(filled))}${pc.dim('░'.repeat(width - filled))} ` : ''
      const parts = [
        `${p.done}/${p.total} files`,
        p.failed ? pc.red(`${p.failed} failed`) : '',
        `${p.leased} running`,
        `${p.pending} queued`,
        `${p.liveWorkers} machines alive`,
        p.cancelled ? pc.yellow(`cancelled: ${p.cancelled}`) : '',
      ].filter(Boolean)
      const text = `shardless ${bar}${parts.join(' · ')} ${pc.dim(duration(elapsedMs))}`
      const key = parts.join()
      show(text, elapsedMs, key !== lastText)
      lastText = key
    },
    waiting(status, elapsedMs) {
      const text = `shardless: waiting for the build's queue to be ${status === 'setup' ? 'populated (a leader is setting it up)' : 'created by the first machine'} ${pc.dim(duration(elapsedMs))}`
      show(text, elapsedMs, lastText !== status)
      lastText = status
    },
    close() {
      if (drawn) stream.write('\n')
    },
  }
}
