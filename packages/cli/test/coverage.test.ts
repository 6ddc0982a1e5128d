import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanup, cli, newBuild, REDIS_URL, runBuild } from './helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/jest-coverage', import.meta.url))

/** Istanbul coverage of one source file with two statements on lines 1 and 2, hit `hits` times each. */
function fileCoverage(path: string, hits: [number, number]) {
  const at = (line: number) => ({ start: { line, column: 0 }, end: { line, column: 10 } })
  return {
    path,
    statementMap: { 0: at(1), 1: at(2) },
    fnMap: {},
    branchMap: {},
    s: { 0: hits[0], 1: hits[1] },
    f: {},
    b: {},
  }
}

const build = newBuild()
let dir: string

// Each test file covers part of the code; only merged do they reach 3 of 4 statements (75%).
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardless-coverage-'))
  await runBuild(
    build,
    [
      {
        file: 'tests/one.test.js',
        raw: { coverage: { '/app/src/a.js': fileCoverage('/app/src/a.js', [1, 0]) } },
      },
      {
        file: 'tests/two.test.js',
        raw: {
          coverage: {
            '/app/src/a.js': fileCoverage('/app/src/a.js', [0, 2]),
            '/app/src/b.js': fileCoverage('/app/src/b.js', [1, 0]),
          },
        },
      },
    ],
    { framework: 'jest' },
  )
})

afterAll(async () => {
  await cleanup(build)
  await rm(dir, { recursive: true, force: true })
})

const report = (...rest: string[]) =>
  cli(['report', '--build', build, '--redis', REDIS_URL, ...rest], {}, FIXTURE)

describe('shardless report --coverage (Jest)', () => {
  it("merges every machine's file coverage and checks the threshold given on the command line", async () => {
    const met = await report(
      '--coverage',
      join(dir, 'met'),
      '--coverage-threshold',
      '{"global":{"statements":70}}',
    )
    expect(met.code).toBe(0)
    expect(met.stdout).toMatch(/Statements\s+: 75% \( 3\/4 \)/)
    const merged = JSON.parse(await readFile(join(dir, 'met', 'coverage-final.json'), 'utf8'))
    expect(merged['/app/src/a.js'].s).toEqual({ 0: 1, 1: 2 })
    expect(await readFile(join(dir, 'met', 'lcov.info'), 'utf8')).toMatch(/^SF:.*app\/src\/b\.js$/m)

    const missed = await report(
      '--coverage',
      join(dir, 'missed'),
      '--coverage-threshold',
      '{"global":{"statements":80}}',
    )
    expect(missed.code).toBe(1)
    expect(missed.stderr).toContain('Jest: "global" coverage threshold for statements (80%) not met: 75%')
  })

  it('treats a negative threshold as the most uncovered items allowed, as Jest does', async () => {
    const allowed = await report(
      '--coverage',
      join(dir, 'neg'),
      '--coverage-threshold',
      '{"global":{"lines":-1}}',
    )
    expect(allowed.code).toBe(0)
    const tooMany = await report(
      '--coverage',
      join(dir, 'neg'),
      '--coverage-threshold',
      '{"global":{"statements":-0.5}}',
    )
    expect(tooMany.code).toBe(1)
    expect(tooMany.stderr).toContain(
      'Jest: "global" coverage threshold for statements (-0.5) not met: 1 uncovered',
    )
  })

  it("reads coverageThreshold from the project's Jest config, and says which keys it cannot check", async () => {
    const result = await report('--coverage', join(dir, 'config'))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Jest: "global" coverage threshold for lines (80%) not met: 75%')
    expect(result.stderr).toMatch(/coverageThreshold ".*src\/legacy\/" is not checked by the report/)
  })

  it('names the fix for bad input', async () => {
    const json = await report('--coverage', join(dir, 'x'), '--coverage-threshold', 'lines=80')
    expect(json.code).toBe(2)
    expect(json.stderr).toContain("must be JSON like Jest's coverageThreshold")
    const alone = await report('--coverage-threshold', '{}')
    expect(alone.code).toBe(2)
    expect(alone.stderr).toContain('only applies with --coverage')
  })
})
