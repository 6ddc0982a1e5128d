import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, cli, newBuild, REDIS_URL, runBuild } from './helpers.js'

const builds: string[] = []
function track(build: string) {
  builds.push(build)
  return build
}
afterEach(async () => {
  await Promise.all(builds.splice(0).map(cleanup))
})

const args = (build: string, ...rest: string[]) => ['report', '--build', build, '--redis', REDIS_URL, ...rest]

describe('shardless report verdicts', () => {
  it('passes a build whose files all passed, with per-machine figures and slowest files', async () => {
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
    expect(result.stdout).toMatch(/Machines[\s\S]*m1[\s\S]*m2/)
    expect(result.stdout).toContain('Slowest files')
  })
})
