import { PassThrough } from 'node:stream'
import type { Progress } from '@shardless/queue-core'
import { describe, expect, it } from 'vitest'
import { stripAnsi } from '../src/output/format.js'
import { progressSink } from '../src/output/progress.js'

function stream(tty: boolean) {
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk) => {
    text += chunk
  })
  Object.assign(out, { isTTY: tty })
  // Colour depends on the environment the tests run in; the words and the bar do not.
  return { out: out as unknown as NodeJS.WriteStream, text: () => stripAnsi(text) }
}

const progress = (done: number): Progress => ({
  total: 10,
  pending: 10 - done - 2,
  leased: 2,
  done,
  passed: done,
  failed: 0,
  skipped: 0,
  lost: 0,
  requeued: 0,
  stale: 0,
  expired: 0,
  liveWorkers: 3,
  cancelled: null,
})

describe('progress while the report waits', () => {
  it('redraws one live line with a bar on an interactive terminal', () => {
    const { out, text } = stream(true)
    const sink = progressSink(out, {})
    sink.progress(progress(2), 1000)
    sink.progress(progress(5), 2000)
    sink.close()
    expect(text().split('\r\u001b[2K')).toHaveLength(3)
    expect(text()).toContain('5/10 files · 2 running · 3 queued · 3 machines alive')
    expect(text()).toMatch(/█+░+ 5\/10/)
    expect(text().endsWith('\n')).toBe(true)
  })

  it('prints plain lines on CI: on change at most every 10 s, and at least every minute', () => {
    const { out, text } = stream(false)
    const sink = progressSink(out, { CI: 'true' })
    sink.progress(progress(1), 0)
    sink.progress(progress(2), 3_000)
    sink.progress(progress(3), 11_000)
    sink.progress(progress(3), 30_000)
    sink.progress(progress(3), 72_000)
    sink.close()
    const lines = text().trimEnd().split('\n')
    expect(lines.map((l) => l.match(/(\d+)\/10/)?.[1])).toEqual(['1', '3', '3'])
    expect(text()).not.toContain('\r')
  })
})
