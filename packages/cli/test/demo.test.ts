import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanup, cli, REDIS_URL } from './helpers.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardless-demo-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('shardless demo', () => {
  it('drains a synthetic suite on several machines, survives the one it kills, and reports one green build', async () => {
    const html = join(dir, 'timeline.html')
    const result = await cli([
      'demo',
      '--machines',
      '3',
      '--speed',
      '0.5',
      '--redis',
      REDIS_URL,
      '--html',
      html,
    ])
    const build = /build (demo-\d+)/.exec(result.stderr)?.[1]
    if (build) await cleanup(build)
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('✗ machine-3 SIGKILLed mid-run')
    expect(result.stdout).toContain('Test Files  40 passed (40)')
    expect(result.stdout).toMatch(/machine-3 .* no exit record/)
    const page = await readFile(html, 'utf8')
    expect(page).toContain('<div class="lane" data-machine="machine-3" data-lane="1">')
    // The killed machine's files in flight show as expired bars, held until another machine reclaimed them.
    expect(page).toMatch(
      /class="bar expired"[^>]*title="tests\/[a-z]+\.test\.ts\nexpired: machine-3 stopped heartbeating/,
    )
  })

  it('uses the embedded store when Redis is not there; its flaky file passes on the other machine', async () => {
    const result = await cli([
      'demo',
      '--machines',
      '2',
      '--speed',
      '0.02',
      '--redis',
      'redis://127.0.0.1:1',
      '--html',
      join(dir, 'm.html'),
    ])
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('using the embedded in-process store')
    expect(result.stdout).toContain('Test Files  40 passed (40)')
    // No machine dies here, so the flaky file's first attempt surely fails and is retried elsewhere.
    expect(result.stdout).toMatch(
      /Flaky files 1 \(passed on retry\)\n.*tests\/payments\.test\.ts failed on machine-\d/,
    )
  })
})
