import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { type BuildSnapshot, decodePayload, type FilePayload, parseEntryId } from '@shardless/queue-core'
import { afterEach, describe, expect, it } from 'vitest'
import { Build, EXAMPLE_FILES, fixture, Machine, type MachineOptions, removeFixture } from './machines.js'

export interface CaseOptions {
  /** This package's directory: fixtures are created inside it so they resolve its Vitest. */
  packageDir: string
  /** Node binary for the machines (Vitest 5 needs Node >= 22.12). */
  node?: string
  /** The Vitest version the machines run (checked in their ack payloads). */
  vitestVersion: RegExp
  /** Only the three-machine drain: a smoke test for another Vitest minor. */
  smoke?: boolean
  /** A coverage provider matching the machines' Vitest is installed. */
  coverage?: boolean
}

/**
 * The e2e cases, shared by the Vitest 4.1 (Node 20) and Vitest 5 (Node 22) packages: real Redis, real `vitest run`
 * processes as machines on a copy of examples/vitest-basic.
 */
export function defineCases(options: CaseOptions) {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  const newBuild = () => {
    const build = new Build()
    cleanups.push(() => build.cleanup())
    return build
  }
  const newFixture = (extraFiles?: Record<string, string>, example?: string) => {
    const dir = fixture(options.packageDir, {
      ...(extraFiles ? { extraFiles } : {}),
      ...(example ? { example } : {}),
    })
    cleanups.push(() => removeFixture(dir))
    return dir
  }
  const machine = (machineOptions: MachineOptions) => {
    const started = new Machine({ ...(options.node ? { node: options.node } : {}), ...machineOptions })
    cleanups.push(() => {
      if (started.child.exitCode === null && started.child.signalCode === null) started.kill('SIGKILL')
    })
    return started
  }
  const entryFiles = (ids: Iterable<string>) => [...ids].map((id) => parseEntryId(id).path).sort()

  describe('three machines on one queue', () => {
    it('run every file exactly once and finish close together', async () => {
      const build = newBuild()
      const dir = newFixture()
      // Two slots per machine, as on a CI runner with three cores.
      const machines = ['m1', 'm2', 'm3'].map((name) =>
        machine({ dir, env: build.env(name), args: ['--maxWorkers=2'] }),
      )
      const results = await Promise.all(machines.map((m) => m.done))

      for (const result of results) {
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toMatch(/^shardless: m\d ran \d+ files? \(/m)
      }
      expect(results.flatMap((r) => r.files).sort()).toEqual(EXAMPLE_FILES)

      const snapshot = await build.snapshot()
      expect(snapshot.progress).toMatchObject({ total: EXAMPLE_FILES.length, done: EXAMPLE_FILES.length })
      expect(entryFiles(Object.keys(snapshot.outcomes))).toEqual(EXAMPLE_FILES)
      expect(new Set(Object.values(snapshot.outcomes))).toEqual(new Set(['passed']))
      const payload = payloadOf(snapshot, Object.keys(snapshot.results)[0])
      expect(payload).toMatchObject({ v: 1, framework: 'vitest', outcome: 'passed', project: '' })
      expect(payload.frameworkVersion).toMatch(options.vitestVersion)
      expect(payload.tests[0]).toMatchObject({ status: 'passed', failureMessages: [] })
      expect(payload.tests[0]?.name).toMatch(/ > case 1$/)

      // Not asserted (timing on a shared 2-core box): how evenly the queue spread the work.
      console.info(
        `busy seconds per machine: ${results.map((r, i) => `m${i + 1} ${r.busySeconds} s (${r.files.length} files)`).join(', ')}`,
      )
    })

    it.skipIf(options.smoke)('lose nothing when a machine is SIGKILLed mid-run', async () => {
      const build = newBuild()
      const dir = newFixture({ 'tests/slow.test.ts': slowFile })
      const all = [...EXAMPLE_FILES, 'tests/slow.test.ts'].sort()
      const env = (name: string, slowMs: string) =>
        build.env(name, { SHARDLESS_LEASE_MS: '1500', SHARDLESS_HEARTBEAT_MS: '300', SLOW_MS: slowMs })
      // The victim starts first and takes the largest file, which would keep it busy for a minute.
      const victim = machine({ dir, env: env('m3', '60000'), args: ['--maxWorkers=1'] })
      await victim.waitFor(/joined build/)
      await until(async () => (await build.snapshot()).progress.leased === 1)
      const [m1, m2] = ['m1', 'm2'].map((name) => machine({ dir, env: env(name, '10') }))
      await Promise.all([m1!.waitFor(/joined build/), m2!.waitFor(/joined build/)])
      victim.kill('SIGKILL')
      const [r1, r2, dead] = await Promise.all([m1!.done, m2!.done, victim.done])

      expect(dead.signal).toBe('SIGKILL')
      expect(r1.code, r1.stdout + r1.stderr).toBe(0)
      expect(r2.code, r2.stdout + r2.stderr).toBe(0)
      const snapshot = await build.snapshot()
      expect(snapshot.progress.done).toBe(all.length)
      expect(entryFiles(Object.keys(snapshot.outcomes))).toEqual(all)
      expect(new Set(Object.values(snapshot.outcomes))).toEqual(new Set(['passed']))
      // Every file ran on a survivor, or on the victim before it died.
      expect(new Set([...r1.files, ...r2.files, ...dead.files])).toEqual(new Set(all))
      const expired = snapshot.log.filter((record) => record.outcome === 'expired')
      expect(expired.map((record) => [entryFiles([record.entry])[0], record.worker])).toEqual([
        ['tests/slow.test.ts', 'm3'],
      ])
      // The long files outlast the 1.5 s lease: the survivors' heartbeats kept theirs, none was taken from them.
      expect(snapshot.progress.stale).toBe(0)
    })
  })

  if (options.smoke) return

  it('inline projects share one queue, and their type tests run on exactly one machine', async () => {
    const build = newBuild()
    const dir = newFixture(undefined, 'vitest-projects')
    const results = await Promise.all(['m1', 'm2'].map((name) => machine({ dir, env: build.env(name) }).done))
    for (const result of results) expect(result.code, result.stdout + result.stderr).toBe(0)

    const ran = results.flatMap((r) => r.files).sort()
    expect(ran).toHaveLength(11)
    expect(new Set(ran).size).toBe(11)
    expect(ran.filter((file) => file.startsWith('types '))).toEqual(['types types/cart.test-d.ts'])
    expect(ran.filter((file) => file.startsWith('dom '))).toHaveLength(4)

    const snapshot = await build.snapshot()
    expect(snapshot.progress).toMatchObject({ total: 11, done: 11, passed: 11 })
    const typecheck = payloadOf(
      snapshot,
      Object.keys(snapshot.outcomes).find((id) => id.endsWith('#typecheck')),
    )
    expect(typecheck).toMatchObject({ project: 'types', file: '#typecheck', outcome: 'passed' })
    expect(typecheck.tests.map((test) => test.name)).toContain(
      'types/cart.test-d.ts > total takes lines and returns cents',
    )
  })

  it('SIGTERM hands the files in flight back to the queue at once', async () => {
    const build = newBuild()
    // The largest file comes first off a cold queue; on the first machine it would run for a minute.
    const dir = newFixture({ 'tests/slow.test.ts': slowFile })
    const all = [...EXAMPLE_FILES, 'tests/slow.test.ts'].sort()
    // The default 30 s lease: a file not handed back would stay leased that long.
    const first = machine({ dir, env: build.env('m1', { SLOW_MS: '60000' }), args: ['--maxWorkers=1'] })
    await first.waitFor(/joined build/)
    await until(async () => (await build.snapshot()).progress.leased === 1)
    first.kill('SIGTERM')
    const stopped = await first.done
    expect(stopped.code).not.toBe(0)
    expect(stopped.stdout).toMatch(/^shardless: m1 ran 0 files \(0 passed, 1 handed back\) .* · stopped$/m)
    const afterStop = await build.snapshot()
    expect(afterStop.progress).toMatchObject({ leased: 0, done: 0 })

    const second = await machine({ dir, env: build.env('m2', { SLOW_MS: '10' }), args: ['--maxWorkers=4'] })
      .done
    expect(second.code, second.stdout + second.stderr).toBe(0)
    expect(second.files).toEqual(all)
    expect((await build.snapshot()).progress.done).toBe(all.length)
  })

  it('a worker crash is blamed on its file, which another attempt then runs', async () => {
    const build = newBuild()
    // The largest file (first off a cold queue) kills its own worker process the first time it runs.
    const crash = [
      "import { existsSync, writeFileSync } from 'node:fs'",
      "import { it } from 'vitest'",
      `// ${'padding '.repeat(2000)}`,
      "it('crashes its worker once', () => {",
      "  const marker = new URL('../crashed.marker', import.meta.url)",
      '  if (existsSync(marker)) return',
      "  writeFileSync(marker, '')",
      "  process.kill(process.pid, 'SIGKILL')",
      '})',
      '',
    ].join('\n')
    const dir = newFixture({ 'tests/crash.test.ts': crash })
    const machines = ['m1', 'm2'].map((name) =>
      machine({ dir, env: build.env(name), args: ['--maxWorkers=3'] }),
    )
    const results = await Promise.all(machines.map((m) => m.done))

    const crashed = results.filter((r) => r.stderr.includes('Shardless Error'))
    expect(crashed).toHaveLength(1)
    expect(crashed[0]!.code).toBe(1)
    expect(crashed[0]!.stderr).toMatch(
      /shardless: the worker exited unexpectedly \(signal SIGKILL\) while running tests\/crash\.test\.ts; the file goes back to the queue\./,
    )
    const snapshot = await build.snapshot()
    const id = Object.keys(snapshot.outcomes).find((id) => id.endsWith('tests/crash.test.ts'))
    expect(snapshot.outcomes[id ?? '']).toBe('passed')
    expect(snapshot.log.filter((r) => r.entry === id).map((r) => r.outcome)).toEqual(['requeued', 'passed'])
    expect(snapshot.progress.done).toBe(EXAMPLE_FILES.length + 1)
  })

  it('a failing test fails only the machine that ran it, and the queue records it', async () => {
    const build = newBuild()
    const dir = newFixture()
    const machines = ['m1', 'm2'].map((name) =>
      machine({ dir, env: build.env(name, { SHARDLESS_FAIL: '1' }) }),
    )
    const results = await Promise.all(machines.map((m) => m.done))

    const failing = results.filter((r) => r.files.includes('tests/checkout.test.ts'))
    expect(failing).toHaveLength(1)
    expect(failing[0]!.code).toBe(1)
    expect(failing[0]!.stdout).toMatch(/1 failed/)
    expect(results.find((r) => r !== failing[0])!.code).toBe(0)

    const snapshot = await build.snapshot()
    const id = Object.keys(snapshot.outcomes).find((id) => id.endsWith('tests/checkout.test.ts'))
    expect(snapshot.outcomes[id ?? '']).toBe('failed')
    const payload = payloadOf(snapshot, id)
    const failed = payload.tests.filter((test) => test.status === 'failed')
    expect(failed.map((test) => test.name)).toEqual(['checkout > adds up the order total'])
    expect(failed[0]!.failureMessages[0]).toMatch(/expected 42 to be 41/)
    expect(Object.values(snapshot.outcomes).filter((outcome) => outcome === 'failed')).toHaveLength(1)
  })

  it('--bail stops only this machine, handing its files in flight back', async () => {
    const build = newBuild()
    const env = build.env('m1', { SHARDLESS_FAIL: '1' })
    const result = await machine({ dir: newFixture(), env, args: ['--bail=1', '--maxWorkers=2'] }).done
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^shardless: m1 ran .* · stopped$/m)
    const snapshot = await build.snapshot()
    expect(snapshot.progress.leased).toBe(0)
    expect(snapshot.progress.cancelled).toBeNull()
  })

  it('fail-fast: maxFailures cancels the build on every machine (exit 44)', async () => {
    const build = newBuild()
    const dir = newFixture()
    const env = (name: string) => build.env(name, { SHARDLESS_FAIL: '1', SHARDLESS_MAX_FAILURES: '1' })
    const results = await Promise.all(['m1', 'm2'].map((name) => machine({ dir, env: env(name) }).done))
    for (const result of results) {
      expect(result.code, result.stdout + result.stderr).toBe(44)
      expect(result.stdout).toMatch(/^shardless: m\d ran .* · build cancelled: /m)
    }
    const snapshot = await build.snapshot()
    expect(snapshot.progress.cancelled).toBeTruthy()
    expect(snapshot.progress.failed).toBe(1)
  })

  it('each machine writes its own blob, and --merge-reports rebuilds the whole build', async () => {
    const build = newBuild()
    const dir = newFixture()
    const args = ['--reporter=default', '--reporter=blob']
    const results = await Promise.all(
      ['m1', 'm2'].map((name) => machine({ dir, env: build.env(name), args }).done),
    )
    for (const result of results) expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(readdirSync(join(dir, blobDir(options.vitestVersion))).sort()).toEqual([
      'blob-m1.json',
      'blob-m2.json',
    ])

    // The report step: the same environment, the plugin stays out of the way.
    const merged = await machine({
      dir,
      env: build.env('report'),
      args: ['--merge-reports', blobDir(options.vitestVersion)],
    }).done
    expect(merged.code, merged.stdout + merged.stderr).toBe(0)
    expect(merged.stdout).toMatch(/Test Files\s+40 passed \(40\)/)
  })

  it.runIf(options.coverage)('coverage thresholds fail plain Vitest but not a machine', async () => {
    const build = newBuild()
    const unused = 'export function neverCalled(a: number) {\n  return a > 0 ? a * 2 : -a\n}\n'
    const dir = newFixture({ 'tests/unused.ts': unused })
    const args = [
      'cart',
      '--coverage.enabled',
      '--coverage.include=tests/*.ts',
      '--coverage.thresholds.lines=100',
    ]
    const plain = await machine({ dir, args }).done
    expect(plain.code).toBe(1)
    expect(plain.stderr).toMatch(/Coverage for lines \([\d.]+%\) does not meet global threshold \(100%\)/)

    const onMachine = await machine({ dir, env: build.env('m1'), args }).done
    expect(onMachine.code, onMachine.stdout + onMachine.stderr).toBe(0)
    expect(onMachine.stdout).toMatch(/Coverage report from v8/)
    expect(onMachine.stderr).not.toMatch(/threshold/)
  })

  it('`vitest list` with a build id lists the files without touching the queue', async () => {
    const build = newBuild()
    const result = await machine({ dir: newFixture(), env: build.env('m1'), command: 'list', args: ['cart'] })
      .done
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toMatch(/tests\/cart\.test\.ts > cart > case 1/)
    expect((await build.state()).status).toBe('absent')
  })

  it('a machine that found other test files stops with a clear digest error', async () => {
    const build = newBuild()
    const leader = machine({ dir: newFixture(), env: build.env('m1'), args: ['cart'] })
    expect((await leader.done).code).toBe(0)

    const extra = "import { it } from 'vitest'\n\nit('only on this checkout', () => {})\n"
    const other = machine({
      dir: newFixture({ 'tests/cart-extra.test.ts': extra }),
      env: build.env('m2'),
      args: ['cart'],
    })
    const result = await other.done
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/this machine's test files differ from the build's queue/)
    expect(result.stderr).toMatch(/found here but not in the queue \(1\):\s+tests\/cart-extra\.test\.ts/)
    expect(result.files).toEqual([])
  })

  it('the watchdog stops a hung file and reports it', async () => {
    const build = newBuild()
    const hang = "import { it } from 'vitest'\n\nit('never settles', () => new Promise(() => {}), 600_000)\n"
    const dir = newFixture({ 'tests/hang.test.ts': hang })
    const env = build.env('m1', { SHARDLESS_FILE_TIMEOUT_FACTOR: '1', SHARDLESS_FILE_TIMEOUT_MIN_MS: '5000' })
    const result = await machine({ dir, env, args: ['hang', 'cart'] }).done

    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /shardless: tests\/hang\.test\.ts was stopped by the watchdog after \d+\.\d s/,
    )
    const snapshot = await build.snapshot()
    const id = Object.keys(snapshot.outcomes).find((id) => id.endsWith('tests/hang.test.ts'))
    expect(snapshot.outcomes[id ?? '']).toBe('failed')
    expect(payloadOf(snapshot, id).error?.message).toMatch(/stopped by the watchdog/)
    expect(Object.values(snapshot.outcomes).sort()).toEqual(['failed', 'passed'])
  })

  it('with Redis unreachable, each machine runs its announced static share', async () => {
    const dir = newFixture()
    const env = (index: number) => ({
      SHARDLESS_REDIS_URL: 'redis://127.0.0.1:1',
      SHARDLESS_BUILD: 'unreachable',
      SHARDLESS_MACHINE: `m${index}`,
      SHARDLESS_LEASE_MS: '1000',
      SHARDLESS_INDEX: String(index),
      SHARDLESS_TOTAL: '2',
    })
    const results = await Promise.all(
      [0, 1].map((index) => machine({ dir, env: env(index), args: ['--maxWorkers=3'] }).done),
    )
    for (const result of results) {
      expect(result.code, result.stdout + result.stderr).toBe(0)
      expect(result.stdout).toMatch(
        /shardless: FALLBACK — Redis is unreachable .* runs its static share: \d+ of 40 files/,
      )
    }
    const [first, second] = results.map((r) => r.files)
    expect(first!.filter((file) => second!.includes(file))).toEqual([])
    expect([...first!, ...second!].sort()).toEqual(EXAMPLE_FILES)
  })

  it('SHARDLESS_STORE=memory drains an in-process queue on one machine, with a notice', async () => {
    const result = await machine({
      dir: newFixture(),
      env: { SHARDLESS_STORE: 'memory', SHARDLESS_MACHINE: 'laptop' },
      args: ['auth', 'cart', 'coupons'],
    }).done
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toMatch(/shardless: using the embedded in-process store \(SHARDLESS_STORE=memory\)/)
    expect(result.stdout).toMatch(/^shardless: laptop ran 3 files \(3 passed\)/m)
    expect(result.files).toEqual(['tests/auth.test.ts', 'tests/cart.test.ts', 'tests/coupons.test.ts'])
  })

  describe('refused with a build id', () => {
    it.each([
      ['--shard', ['--shard=1/3'], /invalid --shard: the queue replaces static sharding/],
      ['--watch', ['--watch'], /invalid watch mode: a build drains its queue once/],
    ])('%s exits 2 with a clear error', async (_, args, message) => {
      const build = newBuild()
      const result = await machine({ dir: newFixture(), env: build.env('m1'), args }).done
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.files).toEqual([])
    })
  })

  it('without a Redis URL, `vitest run` is plain Vitest', async () => {
    const some = ['tests/auth.test.ts', 'tests/cart.test.ts', 'tests/coupons.test.ts']
    const result = await machine({ dir: newFixture(), args: ['auth', 'cart', 'coupons'] }).done
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.files).toEqual(some)
    expect(result.stdout).toMatch(/Test Files\s+3 passed \(3\)/)
    expect(result.stdout + result.stderr).not.toMatch(/shardless/)
  })
}

/** The largest file (first off a cold queue): it runs as long as SLOW_MS says, so per machine. */
const slowFile = [
  "import { it } from 'vitest'",
  `// ${'padding '.repeat(2000)}`,
  "it('waits', () => new Promise((resolve) => setTimeout(resolve, Number(process.env.SLOW_MS))), 120_000)",
  '',
].join('\n')

/** The blob reporter's default directory: `.vitest/blob` since Vitest 5. */
function blobDir(version: RegExp): string {
  return version.source.startsWith('^5') ? '.vitest/blob' : '.vitest-reports'
}

function payloadOf(snapshot: BuildSnapshot, id: string | undefined): FilePayload {
  const payload = decodePayload(snapshot.results[id ?? ''] ?? '')
  if (!payload) throw new Error(`no FilePayload acked for ${id}`)
  return payload
}

/** Polls a condition of the outside world (a queue snapshot) every 100 ms, for up to 30 s. */
async function until(condition: () => Promise<boolean>) {
  for (let tries = 0; tries < 300; tries++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('condition not met within 30 s')
}
