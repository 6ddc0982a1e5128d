// The report step under faults: its verdict matches the truth, and it is never green when the build is not.
import { randomUUID } from 'node:crypto'
import { ExitCode } from '@shardless/queue-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkInvariants, readBuild, verdict } from '../src/invariants.js'
import { type Files, files, killAll, type Machine, startMachine } from '../src/machines.js'
import { type RedisServer, startRedis } from '../src/redis-server.js'
import { startReport } from '../src/report.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis.stop())

const report = (build: string, ...args: string[]) => startReport(redis.url, build, ...args).exit

function machines(suite: Files, names: string[], env: Record<string, string> = {}) {
  const build = `report-${randomUUID()}`
  const started: Machine[] = names.map((name) =>
    startMachine(
      name,
      { SHARDLESS_REDIS_URL: redis.url, SHARDLESS_BUILD: build, SHARDLESS_LEASE_MS: '1000', ...env },
      { files: suite },
    ),
  )
  return { build, started }
}

describe('report under faults', () => {
  it('gives the true verdict of a build that lost a machine and had a failure: red, exit 1', async () => {
    const suite = files(20, { special: [['fail-x.test.ts', 50]] })
    const { build, started } = machines(suite, ['m1', 'm2', 'm3'])
    const waiting = report(build, '--wait')
    await started[0]!.waitFor(/^start /, { fresh: true })
    started[0]!.child.kill('SIGKILL')
    const { code, output } = await waiting
    const snapshot = await readBuild(redis.url, build)
    checkInvariants(snapshot, suite, 'report after a kill')
    expect(verdict(snapshot)).toBe('failed')
    expect(code, output).toBe(ExitCode.testFailures)
    expect(output).toMatch(/fail-x\.test\.ts/)
  })

  it('exits 45 listing the unfinished files when every machine dies', async () => {
    const suite: Files = [['long-a.test.ts', 60_000], ['long-b.test.ts', 60_000], ...files(4)]
    const { build, started } = machines(suite, ['m1', 'm2'])
    for (const long of [/^start long-a/, /^start long-b/])
      await Promise.race(started.map((m) => m.waitFor(long)))
    await killAll(started)
    const { code, output } = await report(build, '--inactivity', '3')
    expect(code, output).toBe(ExitCode.allWorkersDied)
    expect(output).toMatch(/long-a\.test\.ts/)
    expect(output).toMatch(/long-b\.test\.ts/)
  })

  it('exits 41, never green, when Redis restarts without persistence under the report', async () => {
    const suite = files(30)
    const { build, started } = machines(suite, ['m1', 'm2'])
    await started[0]!.waitFor(/^joined /)
    // The report must have seen the queue: keys that never existed read as "not populated yet", not as lost.
    const watching = startReport(redis.url, build)
    await watching.printed(/\d+\/30 files/)
    await redis.restart()
    const { code, output } = await watching.exit
    await Promise.all(started.map((m) => m.exit))
    expect(code, output).toBe(ExitCode.queueLost)
    expect(output).toMatch(/queue state lost/)
  })

  it('exits 44 for a build cancelled by max failures', async () => {
    const suite = files(40, { special: [['fail-a.test.ts', 300]] })
    const { build, started } = machines(suite, ['m1', 'm2'], {
      SHARDLESS_MAX_FAILURES: '1',
      SHARDLESS_MAX_REQUEUES: '0',
    })
    expect((await Promise.all(started.map((m) => m.exit))).map((e) => e.code)).toEqual([44, 44])
    const { code, output } = await report(build)
    expect(code, output).toBe(ExitCode.maxFailures)
  })
})
