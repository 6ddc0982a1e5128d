// openSession and timing history: how one machine joins a build, weighs its files, or falls back to a static split.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, RedisUnavailableError } from '../src/errors.js'
import { timingsKey } from '../src/keys.js'
import { resolveConfig } from '../src/options.js'
import { machineLine, openSession } from '../src/session.js'
import { RedisStore } from '../src/store/redis.js'
import { estimateWeights, readTimingsFile, timingSamples, writeTimingsFile } from '../src/timings.js'
import type { AttemptRecord } from '../src/types.js'
import { buildKeysIn, REDIS_URL } from './helpers.js'

const files = [
  { id: 'p\0a.test.ts', bytes: 1000 },
  { id: 'p\0b.test.ts', bytes: 4000 },
  { id: 'p\0c.test.ts', bytes: 2000 },
  { id: 'p\0d.test.ts', bytes: 500 },
]

function config(env: NodeJS.ProcessEnv) {
  const resolution = resolveConfig({}, { env, suite: `suite-${randomUUID()}`, source: 'test' })
  if (!resolution.enabled) throw new Error(resolution.reason)
  return resolution.config
}

const closing: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()))
})

describe('estimateWeights', () => {
  it('uses history where known and scales cold files by the median ms per byte of the warm ones', () => {
    const weights = estimateWeights(files, { 'p\0a.test.ts': 100, 'p\0c.test.ts': 400 })
    // Warm ratios 0.1 and 0.2 ms/byte: the median (upper) is 0.2.
    expect(weights).toEqual([
      { id: 'p\0a.test.ts', weight: 100 },
      { id: 'p\0b.test.ts', weight: 800 },
      { id: 'p\0c.test.ts', weight: 400 },
      { id: 'p\0d.test.ts', weight: 100 },
    ])
  })

  it('takes a cold guess where size says nothing, until history knows better', () => {
    const typecheck = { id: '#typecheck', bytes: 0, coldMs: 18_000 }
    expect(estimateWeights([typecheck], {})).toEqual([{ id: '#typecheck', weight: 18_000 }])
    expect(estimateWeights([typecheck], { '#typecheck': 9_000 })).toEqual([
      { id: '#typecheck', weight: 9_000 },
    ])
  })

  it('orders a cold suite by file size', () => {
    const weights = estimateWeights(files, {})
    expect([...weights].sort((x, y) => y.weight - x.weight).map((w) => w.id)).toEqual([
      'p\0b.test.ts',
      'p\0c.test.ts',
      'p\0a.test.ts',
      'p\0d.test.ts',
    ])
  })
})

describe('timingSamples', () => {
  it('learns from first attempts only: retries, crashes and stale duplicates measure the fault', () => {
    const log: AttemptRecord[] = [
      { entry: 'a', outcome: 'passed', at: 1, attempt: 1, durationMs: 100 },
      { entry: 'b', outcome: 'expired', at: 1, attempt: 1 },
      { entry: 'b', outcome: 'passed', at: 2, attempt: 2, durationMs: 999, retry: true },
      { entry: 'c', outcome: 'requeued', at: 1, attempt: 1, durationMs: 50 },
      { entry: 'c', outcome: 'failed', at: 2, attempt: 2, durationMs: 70, retry: true },
      { entry: 'd', outcome: 'failed', at: 1, attempt: 1, durationMs: 30 },
      { entry: 'd', outcome: 'passed', at: 2, attempt: 1, durationMs: 5000, stale: true },
    ]
    expect(timingSamples({ log })).toEqual({ a: 100, d: 30 })
  })
})

describe('timings file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shardless-timings-'))

  it('round-trips, and a missing file is an empty history', () => {
    const path = join(dir, 'nested', 'timings.json')
    expect(readTimingsFile(path)).toEqual({})
    writeTimingsFile(path, 'web', { a: 12, b: 40 })
    expect(readTimingsFile(path)).toEqual({ a: 12, b: 40 })
  })

  it.each([
    ['not JSON', '{oops', /not valid JSON.*delete it/],
    ['another format', '{"a": 1}', /not a shardless timings file/],
  ])('names the file when it is %s', (_, body, message) => {
    const path = join(dir, `${randomUUID()}.json`)
    writeFileSync(path, body)
    expect(() => readTimingsFile(path)).toThrow(ConfigError)
    expect(() => readTimingsFile(path)).toThrow(message)
  })
})

describe('openSession', () => {
  it('populates the embedded store from the first machine and lets the next one follow', async () => {
    const env = { SHARDLESS_STORE: 'memory', SHARDLESS_BUILD: `s-${randomUUID()}`, SHARDLESS_SUITE: 'web' }
    const lines: string[] = []
    const first = await openSession({ config: config(env), files, log: (l) => lines.push(l) })
    const second = await openSession({ config: config(env), files, log: (l) => lines.push(l) })
    expect(first).toMatchObject({ mode: 'queue', populated: true, total: 4 })
    expect(second).toMatchObject({ mode: 'queue', populated: false, total: 4 })
    expect(lines.join('\n')).toMatch(/embedded in-process store/)
    expect(lines.join('\n')).toMatch(/populated 4 files/)
  })

  it('orders the queue from the Redis timing history of the suite, seeded by the cached file', async () => {
    const suite = `suite-${randomUUID()}`
    const build = `s-${randomUUID()}`
    const timingsFile = join(mkdtempSync(join(tmpdir(), 'shardless-')), 't.json')
    writeTimingsFile(timingsFile, suite, { 'p\0a.test.ts': 9000, 'p\0d.test.ts': 8000 })
    const history = new RedisStore({ url: REDIS_URL, build, suite })
    closing.push(history)
    await history.recordTimings({ 'p\0d.test.ts': 10 }, 1)
    const session = await openSession({
      config: config({
        SHARDLESS_REDIS_URL: REDIS_URL,
        SHARDLESS_BUILD: build,
        SHARDLESS_SUITE: suite,
        SHARDLESS_TIMINGS_FILE: timingsFile,
      }),
      files,
    })
    if (session.mode !== 'queue') throw new Error('expected the queue')
    closing.push(session, { close: () => deleteKeys(build, suite) })
    // a from the file (9000); d from Redis (10) over the file's 8000; b and c scaled from size by the median
    // ms/byte of a (9) and d (0.02).
    expect((await session.store.entries()).map((e) => [e.id, e.weight])).toEqual([
      ['p\0b.test.ts', 36000],
      ['p\0c.test.ts', 18000],
      ['p\0a.test.ts', 9000],
      ['p\0d.test.ts', 10],
    ])
  })

  it('falls back to this machine’s static LPT share when Redis is unreachable, and says so', async () => {
    const env = {
      SHARDLESS_REDIS_URL: 'redis://127.0.0.1:1',
      SHARDLESS_BUILD: 'b',
      SHARDLESS_LEASE_MS: '300',
      SHARDLESS_TOTAL: '2',
    }
    const lines: string[] = []
    const shares = await Promise.all(
      ['0', '1'].map((index) =>
        openSession({ config: config({ ...env, SHARDLESS_INDEX: index }), files, log: (l) => lines.push(l) }),
      ),
    )
    expect(shares).toMatchObject([
      { mode: 'fallback', index: 0, total: 2, entries: ['p\0b.test.ts'] },
      { mode: 'fallback', index: 1, total: 2, entries: ['p\0c.test.ts', 'p\0a.test.ts', 'p\0d.test.ts'] },
    ])
    expect(lines).toContainEqual(
      expect.stringMatching(
        /FALLBACK — Redis is unreachable \(redis:\/\/127.0.0.1:1 .* did not answer within 300 ms\); machine 1 of 2 runs its static share: 1 of 4 files/,
      ),
    )
    // Redis still away: recording what it ran says so and resolves; the machine's exit code stays its verdict.
    const [first] = shares
    if (first?.mode !== 'fallback') throw new Error('expected fallback')
    await first.record({ files: 1, failed: 0 })
    expect(lines.at(-1)).toMatch(/still unreachable/)
  })

  it('refuses to fall back without knowing its place: never every machine running everything', async () => {
    const env = {
      SHARDLESS_REDIS_URL: 'redis://127.0.0.1:1',
      SHARDLESS_BUILD: 'b',
      SHARDLESS_LEASE_MS: '300',
    }
    await expect(openSession({ config: config(env), files })).rejects.toThrow(RedisUnavailableError)
    await expect(openSession({ config: config(env), files })).rejects.toThrow(
      /SHARDLESS_INDEX\/SHARDLESS_TOTAL/,
    )
  })
})

describe('machineLine', () => {
  it('says what the machine did and where the build stands', () => {
    const summary = {
      passed: 12,
      failed: 1,
      skipped: 0,
      requeued: 1,
      stale: 0,
      released: 0,
      busyMs: 15_400,
      cancelled: null,
      stopped: false,
    }
    const progress = { total: 40, done: 37, leased: 2 } as Parameters<typeof machineLine>[2]
    expect(machineLine('ci-2', summary, progress)).toBe(
      'shardless: ci-2 ran 13 files (12 passed, 1 failed, 1 handed on for retry) in 15.4 s busy · queue 37/40 done, 2 running elsewhere',
    )
  })
})

async function deleteKeys(build: string, suite: string) {
  const admin = new Redis(REDIS_URL)
  await admin.del(...(await buildKeysIn(admin, build)), timingsKey(suite))
  admin.disconnect()
}
