import { join } from 'node:path'
import { decodePayload, displayEntry, entryId } from '@shardless/queue-core'
import { afterEach, describe, expect, it } from 'vitest'
import { Build, type Exit, examples, jestOf, machineLine } from './machines.js'

/** Entries acked with a result the queue kept (stale duplicates and requeued attempts are not results). */
function acked(snapshot: Awaited<ReturnType<Build['snapshot']>>): string[] {
  return snapshot.log
    .filter((r) => !r.stale && (r.outcome === 'passed' || r.outcome === 'failed' || r.outcome === 'skipped'))
    .map((r) => r.entry)
}

function expectEveryEntryOnce(snapshot: Awaited<ReturnType<Build['snapshot']>>, total: number) {
  expect(snapshot.state).toMatchObject({ status: 'ready', total })
  expect(snapshot.progress).toMatchObject({ total, done: total, pending: 0, leased: 0, lost: 0 })
  const ids = acked(snapshot)
  expect(ids).toHaveLength(total)
  expect(new Set(ids).size).toBe(total)
  expect(Object.keys(snapshot.outcomes).sort()).toEqual(snapshot.entries.map((e) => e.id).sort())
}

const suites = (exit: Exit) => exit.stderr.match(/Test Suites: .*/)?.[0] ?? '(no summary)'

/**
 * The @shardless/jest end-to-end cases, run by test/jest-e2e against Jest 30 and by test/jest29 against Jest 29.7:
 * real Redis, real `jest` processes as machines, the examples as fixtures.
 */
export function defineJestE2e(workspace: string): void {
  const { bin: jestBin, version } = jestOf(workspace)
  const label = `Jest ${version}`
  // `runner: [name, options]` arrived in Jest 30.4.1; before, options come from SHARDLESS_* only.
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number)
  const runnerOptions = major > 30 || (major === 30 && (minor > 4 || (minor === 4 && patch >= 1)))
  const collectTests = major >= 30
  const builds: Build[] = []
  const build = (env?: Record<string, string>) => {
    const b = new Build(jestBin, env)
    builds.push(b)
    return b
  }
  afterEach(async () => {
    await Promise.all(builds.splice(0).map((b) => b.cleanup()))
  })

  describe(`@shardless/jest on ${label}`, () => {
    it('three machines drain one queue: every file exactly once', async () => {
      const b = build()
      const exits = await Promise.all(b.machines(examples.basic, 3).map((m) => m.exited))
      for (const exit of exits) {
        expect(exit.code, exit.stderr).toBe(0)
        console.log(`${label}: ${machineLine(exit)} | ${suites(exit)}`)
      }
      const busy = exits.map((exit) => Number(machineLine(exit).match(/in ([\d.]+) s busy/)?.[1]))
      // Logged, not asserted (no timing asserts): machines should end within about one long file (1.5 s here).
      console.log(
        `${label}: busy spread ${(Math.max(...busy) - Math.min(...busy)).toFixed(1)} s across machines`,
      )
      expectEveryEntryOnce(await b.snapshot(), 40)
      const ran = exits.map((exit) => Number(exit.stderr.match(/ran (\d+) files?/)?.[1]))
      expect(ran.reduce((x, y) => x + y, 0)).toBe(40)
    })

    it('a machine SIGKILLed mid-run loses no file: its leases expire and others run them', async () => {
      const b = build({ SHARDLESS_LEASE_MS: '1500' })
      const [victim, ...others] = b.machines(examples.basic, 3)
      await victim!.printed('PASS ')
      victim!.signal('SIGKILL')
      const killed = await victim!.exited
      expect(killed.signal).toBe('SIGKILL')
      for (const exit of await Promise.all(others.map((m) => m.exited))) {
        expect(exit.code, exit.stderr).toBe(0)
        console.log(`${label} (after a kill): ${machineLine(exit)}`)
      }
      const snapshot = await b.snapshot()
      expectEveryEntryOnce(snapshot, 40)
      expect(Object.values(snapshot.outcomes).every((o) => o === 'passed')).toBe(true)
      // The victim held leases when it died: they expired and other machines ran those files.
      expect(snapshot.log.filter((r) => r.outcome === 'expired' && r.worker === 'm1').length).toBeGreaterThan(
        0,
      )
    })

    it('a failing test fails the machine that ran its final attempt and the queue records it', async () => {
      const b = build({ SHARDLESS_FAIL: '1' })
      const exits = await Promise.all(b.machines(examples.basic, 3).map((m) => m.exited))
      const failed = exits.filter((exit) => exit.code === 1)
      expect(failed).toHaveLength(1)
      expect(failed[0]!.stderr).toContain('rounds half cents up')
      expect(exits.filter((exit) => exit.code === 0)).toHaveLength(2)
      const snapshot = await b.snapshot()
      expectEveryEntryOnce(snapshot, 40)
      const failures = Object.entries(snapshot.outcomes).filter(([, o]) => o === 'failed')
      expect(failures.map(([id]) => displayEntry(id))).toEqual(['tests/tax-rules.test.js'])
    })

    it('multi-project config: both projects drain one queue, each entry once', async () => {
      const b = build()
      const exits = await Promise.all(b.machines(examples.projects, 2).map((m) => m.exited))
      for (const exit of exits) expect(exit.code, exit.stderr).toBe(0)
      const snapshot = await b.snapshot()
      expectEveryEntryOnce(snapshot, 10)
      expect(snapshot.entries.map((e) => displayEntry(e.id)).sort()).toContain('[web] web/format.test.js')
      expect(snapshot.entries.map((e) => displayEntry(e.id)).sort()).toContain(
        '[server] server/format.test.js',
      )
    })

    it('in band (-i): each machine runs its files one at a time through the default runner', async () => {
      const b = build()
      const exits = await Promise.all(b.machines(examples.projects, 2, ['-i']).map((m) => m.exited))
      for (const exit of exits) expect(exit.code, exit.stderr).toBe(0)
      expectEveryEntryOnce(await b.snapshot(), 10)
    })

    it('--listTests (and --collectTests on Jest 30) never touch the queue', async () => {
      const b = build()
      const modes = collectTests ? ['--listTests', '--collectTests'] : ['--listTests']
      const exits = await Promise.all(
        modes.map((mode, i) => b.start(examples.projects, [mode], b.queueEnv(`m${i + 1}`)).exited),
      )
      for (const exit of exits) {
        expect(exit.code, exit.stderr).toBe(0)
        expect(exit.stdout).toContain('format.test.js')
      }
      expect(await b.state()).toEqual({ status: 'absent' })
    })

    it('a machine that found different files stops with a clear error (exit 2)', async () => {
      const b = build()
      const [first] = b.machines(examples.projects, 1)
      expect((await first!.exited).code).toBe(0)
      const other = await b.start(examples.projects, ['server'], b.queueEnv('m2')).exited
      expect(other.code).toBe(2)
      expect(other.stderr).toContain("this machine's test files differ from the build's queue")
      expect(other.stderr).toContain('[web] web/format.test.js')
    })

    it('refuses --shard, -u and watch mode with a build id (exit 2), naming the flag', async () => {
      const b = build()
      const refused = await Promise.all(
        ['--shard=1/2', '-u', '--watchAll'].map(
          (flag, i) => b.start(examples.projects, [flag], b.queueEnv(`m${i + 1}`)).exited,
        ),
      )
      const messages = ['invalid --shard:', 'invalid -u/--updateSnapshot:', 'invalid --watch/--watchAll:']
      refused.forEach((exit, i) => {
        expect(exit.code, exit.stderr).toBe(2)
        expect(exit.stderr).toContain(`shardless: ${messages[i]}`)
      })
      expect(await b.state()).toEqual({ status: 'absent' })
    })

    it('a machine that lost its leases while frozen finishes its files; their acks are dropped as stale', async () => {
      const b = build({ SHARDLESS_LEASE_MS: '1000' })
      const [frozen, other] = b.machines(examples.basic, 2)
      await frozen!.printed('PASS ')
      frozen!.signal('SIGSTOP')
      // Thaw once the other machine has taken over an expired lease of the frozen one.
      for (;;) {
        const { log } = await b.snapshot()
        if (log.some((r) => r.outcome === 'expired' && r.worker === 'm1')) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      frozen!.signal('SIGCONT')
      const [thawed, steady] = await Promise.all([frozen!.exited, other!.exited])
      expect(thawed.code, thawed.stderr).toBe(0)
      expect(steady.code, steady.stderr).toBe(0)
      expect(machineLine(thawed)).toMatch(/\d+ dropped \(lease lost\)/)
      const snapshot = await b.snapshot()
      expectEveryEntryOnce(snapshot, 40)
      expect(snapshot.log.some((r) => r.stale && r.worker === 'm1')).toBe(true)
    })

    it('SIGINT (like SIGTERM) hands the in-flight files back at once: the build ends long before their leases would expire', async () => {
      // With a 60 s lease, files that were not handed back would stall the build past the test timeout.
      const b = build({ SHARDLESS_LEASE_MS: '60000' })
      const [stopped, other] = b.machines(examples.basic, 2)
      await stopped!.printed('PASS ')
      stopped!.child.kill('SIGINT')
      const [exit, rest] = await Promise.all([stopped!.exited, other!.exited])
      expect(exit.signal).toBe('SIGINT')
      expect(machineLine(exit)).toMatch(/\d+ handed back.* · stopped/)
      expect(rest.code, rest.stderr).toBe(0)
      expectEveryEntryOnce(await b.snapshot(), 40)
    })

    it('maxFailures cancels the build: the failing machine exits 1, the others stop early with 44', async () => {
      const b = build({ SHARDLESS_FAIL: '1', SHARDLESS_MAX_FAILURES: '1', SHARDLESS_MAX_REQUEUES: '0' })
      const exits = await Promise.all(b.machines(examples.basic, 2).map((m) => m.exited))
      expect(exits.map((exit) => exit.code).sort()).toEqual([1, 44])
      const { state, progress } = await b.snapshot()
      expect(state).toMatchObject({ cancelled: expect.stringContaining('max') })
      expect(progress.done).toBeLessThan(40)
    })

    it('--bail cancels the whole build before Jest exits the failing machine', async () => {
      const b = build({ SHARDLESS_FAIL: '1', SHARDLESS_MAX_REQUEUES: '0' })
      const exits = await Promise.all(b.machines(examples.basic, 2, ['--bail']).map((m) => m.exited))
      expect(exits.map((exit) => exit.code).sort()).toEqual([1, 44])
      const { state, progress } = await b.snapshot()
      expect(state).toMatchObject({ cancelled: expect.stringMatching(/^--bail=1 reached on m[12]$/) })
      // The bailing machine handed back the files it still had running, rather than leaving them leased.
      expect(progress.leased).toBe(0)
    })

    it.skipIf(!runnerOptions)(
      'takes options from runner: [name, options] and names an unknown one',
      async () => {
        const b = build()
        const config = (options: object) =>
          `--config=${JSON.stringify({ rootDir: '.', runner: ['@shardless/jest', options] })}`
        const [named, typo] = await Promise.all([
          b.start(examples.projects, [config({ machine: 'from-config' }), 'server'], b.queueEnv()).exited,
          b.start(examples.projects, [config({ leseMs: 100 }), 'server'], b.queueEnv('m2')).exited,
        ])
        expect(named.code, named.stderr).toBe(0)
        expect(named.stderr).toContain('shardless: from-config ran 5 files')
        expect(typo.code).toBe(2)
        expect(typo.stderr).toContain('unknown option. Did you mean "leaseMs"?')
      },
    )

    it('a crashed test worker fails its file only; the rest run on a full-size pool', async () => {
      const b = build({ SHARDLESS_MAX_REQUEUES: '0' })
      const [machine] = b.machines(examples.crash, 1)
      const exit = await machine!.exited
      expect(exit.code).toBe(1)
      expect(exit.stderr).toMatch(
        /A jest worker process \(pid=\d+\) was terminated by another process: signal=SIGKILL/,
      )
      expect(exit.stderr).toContain('Test Suites: 1 failed, 8 passed, 9 total')
      // The crashed child's farm is replaced: the files after the crash run on two fresh workers, so besides the
      // surviving worker of the first farm, at least two more processes ran files.
      const pids = new Set(exit.stdout.match(/worker pid \d+/g))
      expect(pids.size).toBeGreaterThanOrEqual(3)
      expect((await b.snapshot()).progress).toMatchObject({ done: 9, failed: 1, passed: 8 })
    })

    it('Redis unreachable at start: each machine runs its static share, announced, and together all files', async () => {
      const b = build()
      const env = (index: number) => ({
        ...b.queueEnv(`m${index + 1}`),
        SHARDLESS_REDIS_URL: 'redis://127.0.0.1:1',
        SHARDLESS_LEASE_MS: '500',
        SHARDLESS_INDEX: String(index),
        SHARDLESS_TOTAL: '2',
      })
      const exits = await Promise.all(
        [0, 1].map((i) => b.start(examples.projects, ['-w', '2'], env(i)).exited),
      )
      const ran = exits.map((exit) => {
        expect(exit.code, exit.stderr).toBe(0)
        expect(exit.stderr).toContain('shardless: FALLBACK')
        return exit.stderr.match(/PASS \w+ \S+/g) ?? []
      })
      expect(ran[0]!.length).toBeGreaterThan(0)
      expect(ran[1]!.length).toBeGreaterThan(0)
      expect(new Set([...ran[0]!, ...ran[1]!]).size).toBe(10)
    })

    it('SHARDLESS_STORE=memory drains an embedded queue on one machine', async () => {
      const b = build()
      const exit = await b.start(examples.projects, ['-w', '2'], { SHARDLESS_STORE: 'memory' }).exited
      expect(exit.code, exit.stderr).toBe(0)
      expect(exit.stderr).toContain('Test Suites: 10 passed, 10 total')
      expect(exit.stderr).toMatch(/shardless: \S+ ran 10 files \(10 passed\).*queue 10\/10 done/)
    })

    it('coverage thresholds are left to the report step on queue machines', async () => {
      const b = build()
      const threshold = [
        '--coverage',
        '--coverageReporters=text-summary',
        '--coverageThreshold={"global":{"lines":101}}',
      ]
      const [queued, plain] = await Promise.all([
        b.start(examples.projects, ['-w', '2', ...threshold], b.queueEnv('m1')).exited,
        b.start(examples.projects, ['-w', '2', ...threshold], {}).exited,
      ])
      expect(queued.code, queued.stderr).toBe(0)
      expect(queued.stderr).toContain('coverageThreshold not checked on this machine')
      // The ack carries the result as it was before Jest's reporters cleared its coverage.
      const { results } = await b.snapshot()
      const format = decodePayload(results[entryId('server', 'server/format.test.js')] ?? '')
      expect(Object.keys((format?.raw as { coverage?: object }).coverage ?? {})).toEqual([
        join(examples.projects, 'shared', 'format.js'),
      ])
      expect(plain.code).toBe(1)
      // Jest 30: 'does not meet "global" threshold (101%)'; 29: '"global" coverage threshold for lines (101%) not met'.
      expect(plain.stderr).toMatch(/"global" (coverage )?threshold/)
    })

    it('without a Redis URL it is Jest: all files run here, failures exit 1, no shardless line', async () => {
      const b = build()
      const exit = await b.start(examples.basic, ['-w', '2'], { SHARDLESS_FAIL: '1' }).exited
      expect(exit.code).toBe(1)
      expect(exit.stderr).toContain('Test Suites: 1 failed, 39 passed, 40 total')
      expect(exit.stderr).toContain('rounds half cents up')
      expect(exit.stderr).not.toContain('shardless')
    })
  })
}
