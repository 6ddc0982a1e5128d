import { entryId } from '@shardless/queue-core'
import { describe, expect, it } from 'vitest'
import { hashSlot } from '../src/slot.js'
import {
  cli,
  ghostLease,
  newBuild,
  openStore,
  populate,
  REDIS_URL,
  runBuild,
  trackBuilds,
} from './helpers.js'

const track = trackBuilds()

const target = (build: string) => ['--build', build, '--redis', REDIS_URL]
const FAILING = { name: 'breaks', status: 'failed' as const }

describe('shardless status', () => {
  it('shows progress, the files in flight with their holders, and the machines', async () => {
    const build = track(newBuild())
    await populate(build, [{ file: 'src/slow.test.ts', durationMs: 9 }, { file: 'src/b.test.ts' }])
    await ghostLease(build, 'ghost', 60_000)
    const result = await cli(['status', ...target(build)])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('0/2 files done (0 passed) · 1 running · 1 queued')
    expect(result.stdout).toContain('1 machines alive')
    expect(result.stdout).toMatch(
      /Running now\n\s+src\/slow\.test\.ts\s+ghost\s+\S+\s+attempt 1\s+lease ok, /,
    )
    expect(result.stdout).toMatch(/Machines\n.*\n\s+ghost\s+1\s+0\s+0ms\s+\S+ ago/)
  })

  it('--watch stops once the build is done; a build that does not exist exits 40', async () => {
    const build = track(newBuild())
    await runBuild(build, [{ file: 'a.test.ts' }, { file: 'b.test.ts' }])
    const watched = await cli(['status', ...target(build), '--watch'])
    expect(watched.code).toBe(0)
    expect(watched.stdout).toContain('2/2 files done (2 passed)')
    const missing = await cli(['status', ...target(newBuild())])
    expect(missing.code).toBe(40)
    expect(missing.stdout).toContain('no queue yet')
  })
})

describe('shardless cancel', () => {
  it('stops the build: the report then exits 44 with the reason', async () => {
    const build = track(newBuild())
    await populate(build, [{ file: 'a.test.ts' }, { file: 'b.test.ts' }])
    const cancelled = await cli(['cancel', ...target(build), '--reason', 'deploy superseded'])
    expect(cancelled.code).toBe(0)
    expect(cancelled.stdout).toContain(`cancelled build ${build} (suite cli-test): deploy superseded`)
    const again = await cli(['cancel', ...target(build)])
    expect(again.stdout).toContain('was already cancelled: deploy superseded')
    const report = await cli(['report', ...target(build)])
    expect(report.code).toBe(44)
    expect(report.stdout).toContain('build cancelled (deploy superseded): 2 of 2 files have no result')
    const missing = await cli(['cancel', ...target(newBuild())])
    expect(missing.code).toBe(40)
  })
})

describe('shardless retry', () => {
  const files = [
    { file: 'src/ok.test.ts' },
    { file: 'src/broken.test.ts', tests: [FAILING], durationMs: 20 },
    { file: 'src/also-broken.test.ts', tests: [FAILING], durationMs: 10 },
  ]

  it('populates the new build with exactly the failures, and the re-run machines drain only those', async () => {
    const first = track(newBuild())
    const second = track(newBuild())
    await runBuild(first, files, { policy: { maxRequeues: 0 } })
    // Every machine runs it before its tests: one populates, the other waits and checks the list.
    const [result, other] = await Promise.all([
      cli(['retry', ...target(second), '--from', first]),
      cli(['retry', ...target(second), '--from', first]),
    ])
    expect(result.code).toBe(0)
    expect(other.code).toBe(0)
    expect(result.stdout).toContain(
      `build ${second} populated with the 2 file(s) of ${first} that did not pass`,
    )
    // The re-run's machines discover the full list, as adapters do; the digest check passes and they run 2 files.
    await runBuild(second, files, { policy: { maxRequeues: 0 } })
    const store = openStore(second)
    const snapshot = await store.snapshot(30_000)
    await store.close()
    expect(snapshot.entries.map((e) => e.id)).toEqual([
      entryId('', 'src/broken.test.ts'),
      entryId('', 'src/also-broken.test.ts'),
    ])
    expect([...new Set(snapshot.log.map((r) => r.entry))].sort()).toEqual([
      entryId('', 'src/also-broken.test.ts'),
      entryId('', 'src/broken.test.ts'),
    ])
    const report = await cli(['report', ...target(second)])
    expect(report.code).toBe(1)
    expect(report.stdout).toContain('Test Files  2 failed (2)')
  })

  it('leaves the new build alone when nothing failed, and refuses a build the machines already populated', async () => {
    const passed = track(newBuild())
    const next = track(newBuild())
    await runBuild(passed, [{ file: 'src/ok.test.ts' }])
    const nothing = await cli(['retry', ...target(next), '--from', passed])
    expect(nothing.code).toBe(0)
    expect(nothing.stdout).toContain('nothing to retry')
    expect((await cli(['status', ...target(next)])).code).toBe(40)

    const failed = track(newBuild())
    const late = track(newBuild())
    await runBuild(failed, files, { policy: { maxRequeues: 0 } })
    await populate(late, files)
    const refused = await cli(['retry', ...target(late), '--from', failed])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('run shardless retry before the machines start')
    const unknown = await cli(['retry', ...target(late), '--from', newBuild()])
    expect(unknown.code).toBe(40)
    const missingFrom = await cli(['retry', ...target(late)])
    expect(missingFrom.code).toBe(2)
    expect(missingFrom.stderr).toContain("required option '--from <build>' not specified")
  })
})

describe('shardless doctor', () => {
  it('checks Node, the frameworks, and the Redis', async () => {
    const ok = await cli(['doctor', '--redis', REDIS_URL, '--build', 'gh-1-1'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/✓ Node \d+\.\d+\.\d+/)
    expect(ok.stdout).toMatch(/ vitest \d+\.\d+\.\d+/)
    expect(ok.stdout).toMatch(/✓ Redis at redis:\/\/127\.0\.0\.1:6379 answers · round trip [\d.]+ ms/)
    expect(ok.stdout).toMatch(/✓ Redis \d+\.\d+\.\d+ \(needs >= 6\.2\)/)
    expect(ok.stdout).toMatch(/maxmemory-policy \S+/)
    expect(ok.stdout).toContain(`build gh-1-1 lives in hash slot ${hashSlot('{gh-1-1}')}`)
    const down = await cli(['doctor', '--redis', 'redis://127.0.0.1:1'])
    expect(down.code).toBe(1)
    expect(down.stdout).toContain('✗ Redis at redis://127.0.0.1:1 does not answer')
    const none = await cli(['doctor'])
    expect(none.code).toBe(1)
    expect(none.stdout).toContain('✗ no Redis URL')
  })

  it('computes Redis Cluster hash slots (CRC16/XMODEM of the hash tag)', () => {
    expect(hashSlot('foo')).toBe(12182)
    expect(hashSlot('123456789')).toBe(0x31c3)
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('user1000'))
    expect(hashSlot('shardless:{b1}:web:meta')).toBe(hashSlot('b1'))
  })
})
