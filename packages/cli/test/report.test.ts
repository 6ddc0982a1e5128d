import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { entryId } from '@shardless/queue-core'
import { describe, expect, it } from 'vitest'
import {
  cleanup,
  cli,
  ghostLease,
  newBuild,
  openStore,
  payloadFor,
  populate,
  REDIS_URL,
  runBuild,
  started,
  trackBuilds,
} from './helpers.js'

const track = trackBuilds()

const args = (build: string, ...rest: string[]) => ['report', '--build', build, '--redis', REDIS_URL, ...rest]
const FAILING = {
  name: 'math > adds',
  status: 'failed' as const,
  failureMessages: [
    'AssertionError: expected 3 to be 4\n    at src/b.test.ts:3:9\n    at runTest (/repo/node_modules/@vitest/runner/dist/index.js:1:1)\n    at node:internal/process/task_queues:95:5',
  ],
}

describe('shardless report: verdicts and exit codes', () => {
  it('passes a build whose files all passed or were skipped (exit 0), with machines and slowest files', async () => {
    const build = track(newBuild())
    await runBuild(build, [
      { file: 'src/a.test.ts', tests: [{ name: 'a > one' }, { name: 'a > two' }], durationMs: 40 },
      { file: 'src/b.test.ts', durationMs: 20 },
      { file: 'src/c.test.ts', tests: [{ name: 'skipped one', status: 'skipped' }] },
    ])
    const result = await cli(args(build))
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Test Files  2 passed | 1 skipped (3)')
    expect(result.stdout).toContain('Tests  3 passed | 1 skipped (4)')
    expect(result.stdout).toMatch(/Machines\n.*machine.*slots.*files.*busy.*finished\n\s+m1 /)
    expect(result.stdout).toMatch(/Slowest files\n\s+src\/a\.test\.ts/)
    expect(result.stdout).toContain('PASS  all 3 files passed or skipped (exit 0)')
  })

  it('fails a build with a failing test (exit 1) and prints the failure with its message before the totals', async () => {
    const build = track(newBuild())
    await runBuild(
      build,
      [{ file: 'src/a.test.ts' }, { file: 'src/b.test.ts', tests: [{ name: 'math > fine' }, FAILING] }],
      {
        policy: { maxRequeues: 0 },
      },
    )
    const result = await cli(args(build))
    expect(result.code).toBe(1)
    const failure = result.stdout.indexOf('FAIL  src/b.test.ts > math > adds')
    expect(failure).toBeGreaterThan(-1)
    expect(result.stdout.indexOf('AssertionError: expected 3 to be 4')).toBeGreaterThan(failure)
    expect(result.stdout.indexOf('Test Files')).toBeGreaterThan(failure)
    // The runner's own frames are noise: only the test's frame stays.
    expect(result.stdout).toContain('    at src/b.test.ts:3:9\n')
    expect(result.stdout).not.toContain('node_modules')
    expect(result.stdout).not.toContain('node:internal')
    expect(result.stdout).toContain('Test Files  1 failed | 1 passed (2)')
    expect(result.stdout).toContain('Tests  1 failed | 2 passed (3)')
  })

  it('prints the summary in Jest style when Jest ran the build', async () => {
    const build = track(newBuild())
    await runBuild(build, [{ file: 'a.test.js' }, { file: 'b.test.js', tests: [FAILING] }], {
      framework: 'jest',
      policy: { maxRequeues: 0 },
    })
    const result = await cli(args(build))
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('Summary of all failing tests')
    expect(result.stdout).toContain('● math › adds')
    expect(result.stdout).toContain('Test Suites: 1 failed, 1 passed, 2 total')
    expect(result.stdout).toContain('Tests:       1 failed, 1 passed, 2 total')
  })

  it('passes a build whose only failure passed on retry elsewhere, and names it flaky', async () => {
    const build = track(newBuild())
    await runBuild(build, [
      { file: 'src/a.test.ts' },
      { file: 'src/flaky.test.ts', flaky: true, tests: [FAILING] },
    ])
    const result = await cli(args(build))
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /Flaky files 1 \(passed on retry\)\n.*src\/flaky\.test\.ts failed on m\d: math > adds: AssertionError: expected 3 to be 4; passed on m\d/,
    )
    expect(result.stdout).toContain('1 requeued')
  })

  it('fails a build with a lost entry (exit 1) and names the machine whose lease expired', async () => {
    const build = track(newBuild())
    const files = [{ file: 'src/crashes.test.ts', durationMs: 50 }, { file: 'src/b.test.ts' }]
    await populate(build, files, { maxAttempts: 1 })
    const lease = await ghostLease(build, 'ghost', 30)
    expect(lease.entry).toBe(entryId('', 'src/crashes.test.ts'))
    await sleep(60)
    await runBuild(build, files, { machines: ['m1'], policy: { maxAttempts: 1 } })
    const result = await cli(args(build))
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/Lost files 1\n.*src\/crashes\.test\.ts \(its lease expired 1× on ghost/)
    expect(result.stdout).toContain('Test Files  1 lost | 1 passed (2)')
  })

  it('keeps a stale duplicate out of the results and lists it as dropped', async () => {
    const build = track(newBuild())
    const files = [{ file: 'src/slow.test.ts', durationMs: 50 }, { file: 'src/b.test.ts' }]
    await populate(build, files)
    const lease = await ghostLease(build, 'ghost', 30)
    await sleep(60)
    await runBuild(build, files, { machines: ['m1'] })
    // The ghost wakes up and acks a failure on the lease that m1 reclaimed: refused as stale.
    const store = openStore(build)
    const late = payloadFor({ file: 'src/slow.test.ts', tests: [FAILING] }, true)
    const reply = await store.ack({
      caller: 'ghost#0',
      requestId: 'late',
      worker: 'ghost',
      lease,
      outcome: 'failed',
      durationMs: 70,
      payload: JSON.stringify(late),
    })
    await store.close()
    expect(reply.status).toBe('stale')
    const result = await cli(args(build))
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /Duplicate executions dropped 1\n.*src\/slow\.test\.ts on ghost \(failed, 70ms\)/,
    )
    expect(result.stdout).toContain('1 leases expired')
  })

  it('exits 44 when the build was cancelled by max failures, listing the files never run', async () => {
    const build = track(newBuild())
    const files = [
      { file: 'src/first.test.ts', durationMs: 30, tests: [FAILING] },
      { file: 'src/b.test.ts', durationMs: 2 },
      { file: 'src/c.test.ts', durationMs: 1 },
    ]
    await runBuild(build, files, { machines: ['m1'], slots: 1, policy: { maxFailures: 1, maxRequeues: 0 } })
    const result = await cli(args(build))
    expect(result.code).toBe(44)
    expect(result.stdout).toContain('build cancelled (max-failures): 2 of 3 files have no result')
    expect(result.stdout).toMatch(/Files without a result 2\n.*src\/b\.test\.ts\n.*src\/c\.test\.ts/)
  })

  it('exits 45 when every machine died with entries unfinished, listing them', async () => {
    const build = track(newBuild())
    await populate(build, [{ file: 'src/a.test.ts', durationMs: 9 }, { file: 'src/b.test.ts' }])
    await ghostLease(build, 'ghost', 60_000)
    const result = await cli(args(build, '--inactivity', '0.5'), { SHARDLESS_LEASE_MS: '200' })
    expect(result.code).toBe(45)
    expect(result.stdout).toContain(
      'all machines stopped heartbeating before the queue was done: 2 of 2 files have no result',
    )
    expect(result.stdout).toContain('src/b.test.ts')
  })

  it('exits 43 when --timeout passes while a live machine still holds an entry', async () => {
    const build = track(newBuild())
    await populate(build, [{ file: 'src/hangs.test.ts' }])
    await ghostLease(build, 'ghost', 60_000)
    const result = await cli(args(build, '--timeout', '0.5'))
    expect(result.code).toBe(43)
    expect(result.stdout).toMatch(/timed out after \d+ s: 1 of 1 files have no result/)
    expect(result.stderr).toContain('0/1 files · 1 running · 0 queued · 1 machines alive')
  })

  it('exits 41 when the build state vanishes from Redis while it waits', async () => {
    const build = track(newBuild())
    await populate(build, [{ file: 'src/a.test.ts' }])
    await ghostLease(build, 'ghost', 60_000)
    const report = started(args(build, '--timeout', '20'))
    // Once it has seen the populated queue, the keys vanish (Redis restarted without persistence, evicted).
    await report.stderrSeen('0/1 files')
    await cleanup(build)
    const result = await report.result
    expect(result.code).toBe(41)
    expect(result.stderr).toContain('queue state lost')
  })

  it('exits 40 for a build that was never populated, and names the suites this build id does have', async () => {
    const build = track(newBuild())
    const result = await cli(args(build))
    expect(result.code).toBe(40)
    expect(result.stdout).toContain(`build ${build} (suite cli-test) was never populated`)
    await runBuild(build, [{ file: 'a.test.ts' }], { machines: ['m1'] })
    const other = await cli(args(build, '--suite', 'web'))
    expect(other.code).toBe(40)
    expect(other.stderr).toContain('this build id has suites: cli-test (pass --suite or SHARDLESS_SUITE)')
  })

  it('with --wait, waits for the queue to appear, up to the queue init timeout', async () => {
    const build = track(newBuild())
    const waiting = cli(args(build, '--wait'), { SHARDLESS_QUEUE_INIT_TIMEOUT_MS: '20000' })
    await sleep(300)
    await runBuild(build, [{ file: 'a.test.ts' }], { machines: ['m1'] })
    const result = await waiting
    expect(result.code).toBe(0)
    const never = await cli(args(newBuild(), '--wait'), { SHARDLESS_QUEUE_INIT_TIMEOUT_MS: '300' })
    expect(never.code).toBe(40)
  })
})

describe('shardless report: timing history', () => {
  it('records a finished build once in the suite history (even from several reports) and caches it in a file', async () => {
    const build = track(newBuild())
    const dir = await mkdtemp(join(tmpdir(), 'shardless-timings-'))
    const [slow, fast] = [entryId('', 'src/slow.test.ts'), entryId('', 'src/fast.test.ts')]
    await runBuild(build, [
      { file: 'src/slow.test.ts', durationMs: 40 },
      { file: 'src/fast.test.ts', durationMs: 20 },
    ])
    const first = await cli(args(build, '--timings-file', join(dir, 'timings.json')))
    expect(first.code).toBe(0)
    expect(first.stderr).toContain('timing history of suite cli-test updated with 2 file durations')
    const store = openStore(build)
    expect(await store.timings()).toEqual({ [slow]: 40, [fast]: 20 })
    // Another machine's report of the same build must not fold the same durations in again.
    await store.recordTimings({ [slow]: 1000 }, 1)
    const second = await cli(args(build, '--timings-file', join(dir, 'timings.json')))
    expect(second.stderr).toContain('already has build')
    expect(await store.timings()).toEqual({ [slow]: 1000, [fast]: 20 })
    await store.close()
    const cached = JSON.parse(await readFile(join(dir, 'timings.json'), 'utf8'))
    expect(cached).toEqual({ v: 1, suite: 'cli-test', entries: { [slow]: 1000, [fast]: 20 } })
    await rm(dir, { recursive: true })
  })
})

describe('shardless report: bad input', () => {
  it('names the option and the fix', async () => {
    const noRedis = await cli(['report', '--build', 'b1'])
    expect(noRedis.code).toBe(2)
    expect(noRedis.stderr).toContain('pass --redis redis://host:6379 or set SHARDLESS_REDIS_URL')
    const badUrl = await cli(['report', '--build', 'b1', '--redis', 'http://x'])
    expect(badUrl.code).toBe(2)
    expect(badUrl.stderr).toContain('must start with redis:// or rediss://')
    const badBuild = await cli(['report', '--build', 'a b', '--redis', REDIS_URL])
    expect(badBuild.code).toBe(2)
    expect(badBuild.stderr).toContain('invalid build (SHARDLESS_BUILD)')
    const noBuild = await cli(['report', '--redis', REDIS_URL])
    expect(noBuild.code).toBe(2)
    expect(noBuild.stderr).toContain('no build id is known')
    const unknown = await cli(['report', '--bulid', 'b1'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown option '--bulid'")
    const timeout = await cli(['report', '--build', 'b1', '--redis', REDIS_URL, '--timeout', 'soon'])
    expect(timeout.code).toBe(2)
    expect(timeout.stderr).toContain('--timeout')
    const typo = await cli(['report', '--build', 'b1'], { SHARDLESS_REDIS_ULR: 'x' })
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain('Did you mean SHARDLESS_REDIS_URL?')
    const build = track(newBuild())
    await runBuild(build, [{ file: 'a.test.ts' }], { machines: ['m1'] })
    // A path below a regular file can never be written.
    const blocker = join(await mkdtemp(join(tmpdir(), 'shardless-blocked-')), 'file')
    await writeFile(blocker, '')
    const unwritable = await cli(args(build, '--junit', join(blocker, 'junit.xml')))
    expect(unwritable.code).toBe(2)
    expect(unwritable.stderr).toContain(`invalid --junit: cannot write ${join(blocker, 'junit.xml')}`)
    const cache = await cli(args(build, '--timings-file', join(blocker, 't.json')))
    expect(cache.code).toBe(0)
    expect(cache.stderr).toContain(`could not write the timings file ${join(blocker, 't.json')}`)
    await rm(dirname(blocker), { recursive: true })
    const down = await cli(['report', '--build', 'b1', '--redis', 'redis://127.0.0.1:1'])
    expect(down.code).toBe(41)
    expect(down.stderr).toContain('Redis did not answer')
  })
})
