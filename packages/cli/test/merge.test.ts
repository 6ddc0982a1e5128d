import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { entryId, joinBuild } from '@shardless/queue-core'
import { parse, stringify } from 'flatted'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanup, cli, newBuild, openStore, POLICY, payloadFor, REDIS_URL } from './helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/vitest-merge', import.meta.url))
const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url))
const FILES = ['alpha.spec.ts', 'beta.spec.ts', 'gamma.spec.ts']

interface Task {
  name: string
  tasks?: Task[]
}

const build = newBuild()
let dir: string

/**
 * A real Vitest blob holds all three files (as if machine m1 ran them), but the queue accepted gamma from m2,
 * which died before writing a blob: the merge must drop m1's gamma and rebuild m2's from the task m2 acked.
 */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardless-merge-'))
  await promisify(execFile)(
    process.execPath,
    [VITEST, 'run', '--reporter=blob', `--outputFile=${join(dir, 'm1.json')}`],
    {
      cwd: FIXTURE,
      env: { PATH: process.env.PATH },
    },
  )
  const tuple = parse(await readFile(join(dir, 'm1.json'), 'utf8')) as [string, Task[], ...unknown[]]
  await rm(join(dir, 'm1.json'))
  const plain = (task: Task) =>
    JSON.parse(JSON.stringify(task, (key, value) => (key === 'file' || key === 'suite' ? undefined : value)))
  const gamma = tuple[1].find((t) => t.name === 'gamma.spec.ts')!
  // m2's acked task: gamma with a marker, so the test can tell it from m1's copy.
  const acked = plain(gamma)
  acked.tasks[0].name = 'gamma (rebuilt from the ack)'
  await writeFile(join(dir, 'blob-m1.json'), stringify(tuple))

  const store = openStore(build)
  const ids = FILES.map((f) => entryId('', f))
  await joinBuild(store, { machine: 'm1', entries: ids.map((id) => ({ id, weight: 1 })), policy: POLICY })
  const finish = async (worker: string, file: string, raw?: unknown) => {
    const reply = await store.reserve({
      caller: worker,
      requestId: randomUUID(),
      worker,
      count: 1,
      leaseMs: 5000,
    })
    if (reply.status !== 'leased') throw new Error(`${worker} got ${reply.status}`)
    const lease = reply.leases[0]!
    expect(lease.entry).toBe(entryId('', file))
    const payload = JSON.stringify({ ...payloadFor({ file }, false), ...(raw ? { raw } : {}) })
    await store.ack({
      caller: worker,
      requestId: randomUUID(),
      worker,
      lease,
      outcome: 'passed',
      durationMs: 1,
      payload,
    })
  }
  await finish('m1', 'alpha.spec.ts')
  await finish('m1', 'beta.spec.ts')
  await finish('m2', 'gamma.spec.ts', acked)
  await store.close()
})

afterAll(async () => {
  await cleanup(build)
  await rm(dir, { recursive: true, force: true })
})

describe('shardless report --merge-reports (Vitest)', () => {
  it('keeps each file once, from the machine the queue accepted, and rebuilds a dead machine’s files', async () => {
    const result = await cli(
      ['report', '--build', build, '--redis', REDIS_URL, '--merge-reports', dir, '--', '--reporter=verbose'],
      {},
      FIXTURE,
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Test Files  3 passed (3)')
    expect(result.stdout).toContain('Tests  6 passed (6)')
    // Vitest's own verbose reporter (an argument after --) shows the rebuilt gamma, not m1's duplicate.
    expect(result.stdout).toContain('gamma (rebuilt from the ack)')
    expect(result.stderr).toContain(
      "vitest --merge-reports over 2 files from the machines' blobs, 1 duplicate or requeued runs dropped, 1 rebuilt from acks",
    )
  })

  it('names the fix for a missing blob directory and for vitest arguments without --merge-reports', async () => {
    const missing = await cli(
      ['report', '--build', build, '--redis', REDIS_URL, '--merge-reports', join(dir, 'nope')],
      {},
      FIXTURE,
    )
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('has no Vitest blob files')
    const stray = await cli(
      ['report', '--build', build, '--redis', REDIS_URL, '--', '--coverage'],
      {},
      FIXTURE,
    )
    expect(stray.code).toBe(2)
    expect(stray.stderr).toContain('extra arguments after -- are for vitest with --merge-reports <dir>')
  })
})
