import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, cleanup, cli, newBuild, REDIS_URL, runBuild } from './helpers.js'

const CHROMIUM = '/usr/bin/chromium'
// Characters every output must survive: XML/HTML/markdown syntax, an ANSI colour code, a control character.
const NASTY = 'handles <tags> & "quotes" | pipes `ticks` \u001b[31mred\u001b[39m \u0001'
const FAILING = {
  name: `parser > ${NASTY}`,
  status: 'failed' as const,
  failureMessages: [`Error: ${NASTY}\n\`\`\`\n  at x.ts:1:1`],
}

const build = newBuild()
let dir: string
let result: CliResult
const file = (name: string) => join(dir, name)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardless-cli-'))
  await runBuild(build, [
    {
      file: 'src/a.test.ts',
      tests: [{ name: 'a > one' }, { name: 'a > two' }, { name: 'a > later', status: 'todo' }],
      durationMs: 30,
    },
    { file: 'src/b <weird> & file.test.ts', tests: [{ name: 'ok' }, FAILING], durationMs: 20 },
    {
      file: 'src/flaky.test.ts',
      flaky: true,
      tests: [{ name: 'sometimes', status: 'failed' }],
      durationMs: 10,
    },
    { project: 'node', file: 'src/a.test.ts', durationMs: 15 },
    ...Array.from({ length: 8 }, (_, i) => ({ file: `src/many/${i}.test.ts`, durationMs: 5 + i })),
  ])
  await writeFile(file('step-summary.md'), '# an earlier step\n')
  result = await cli(
    [
      'report',
      '--build',
      build,
      '--redis',
      REDIS_URL,
      '--junit',
      file('out/junit.xml'),
      '--json',
      file('out/report.json'),
      '--summary-md',
      file('summary.md'),
      '--html',
      file('timeline.html'),
    ],
    { GITHUB_STEP_SUMMARY: file('step-summary.md') },
  )
})

afterAll(async () => {
  await cleanup(build)
  await rm(dir, { recursive: true, force: true })
})

describe('report files', () => {
  it('exits with the verdict and says what it wrote', () => {
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`wrote JUnit XML to ${file('out/junit.xml')}`)
    expect(result.stderr).toContain('appended the summary to $GITHUB_STEP_SUMMARY')
  })

  it('writes valid JUnit XML with one testcase per test and the failure text escaped', async () => {
    const xml = await readFile(file('out/junit.xml'), 'utf8')
    expect(XMLValidator.validate(xml)).toBe(true)
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      trimValues: false,
      isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
    }).parse(xml)
    const suites = parsed.testsuites.testsuite as {
      name: string
      testcase: { name: string; failure?: { message: string; '#text': string }; skipped?: unknown }[]
    }[]
    const cases = suites.flatMap((s) => s.testcase)
    // 3 + 2 + 1 + 1 + 8 tests.
    expect(cases).toHaveLength(15)
    expect(parsed.testsuites.tests).toBe('15')
    expect(parsed.testsuites.failures).toBe('1')
    expect(parsed.testsuites.skipped).toBe('1')
    expect(suites.map((s) => s.name)).toContain('[node] src/a.test.ts')
    const failed = cases.find((c) => c.failure)!
    const clean = 'handles <tags> & "quotes" | pipes `ticks` red '
    expect(failed.name).toBe(`parser > ${clean}`)
    expect(failed.failure!.message).toBe(`Error: ${clean}`)
    expect(failed.failure!['#text']).toContain('at x.ts:1:1')
  })

  it('writes the whole build as JSON: entries, every attempt, machines, timings', async () => {
    const json = JSON.parse(await readFile(file('out/report.json'), 'utf8'))
    expect(json.schema).toBe('shardless-report/1')
    expect(json.verdict).toMatchObject({ exitCode: 1, status: 'failed' })
    expect(json.entries).toHaveLength(12)
    expect(json.files).toMatchObject({ passed: 11, failed: 1, total: 12 })
    expect(json.tests).toMatchObject({ passed: 13, failed: 1, todo: 1, total: 15 })
    const flaky = json.entries.find((e: { file: string }) => e.file === 'src/flaky.test.ts')
    expect(flaky).toMatchObject({ outcome: 'passed', flaky: true, attempt: 2 })
    // Every file's final run plus the requeued failures (flaky once, the failing file once before it failed for good).
    expect(json.attempts.filter((a: { outcome: string }) => a.outcome === 'requeued')).toHaveLength(2)
    expect(json.attempts).toHaveLength(14)
    expect(json.machines.map((m: { name: string }) => m.name)).toEqual(['m1', 'm2'])
    expect(json.machines.reduce((n: number, m: { files: number }) => n + m.files, 0)).toBe(14)
    expect(json.wallMs).toBeGreaterThan(0)
  })

  it('writes GitHub step-summary markdown, and appends it to $GITHUB_STEP_SUMMARY', async () => {
    const md = await readFile(file('summary.md'), 'utf8')
    expect(md).toMatch(/^## ❌ shardless: 1 failed of 12 files/)
    expect(md).toContain('| **total** | **12** | **15** |')
    expect(md).toContain(
      '<details><summary><code>src/b &lt;weird&gt; &amp; file.test.ts</code> › parser &gt; handles &lt;tags&gt;',
    )
    // The message holds a ``` run: the fence must be longer so it cannot close early.
    expect(md).toContain('````\nError: handles')
    expect(md).toContain('### Flaky files (passed on retry) (1)')
    expect(md).toMatch(/\| m1 \| 2 \| \d+ \|/)
    const step = await readFile(file('step-summary.md'), 'utf8')
    expect(step.startsWith('# an earlier step\n## ❌ shardless')).toBe(true)
  })

  it.skipIf(!existsSync(CHROMIUM))(
    `renders the HTML timeline in Chromium: one lane per slot, one bar per attempt${existsSync(CHROMIUM) ? '' : ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`}`,
    async () => {
      const { chromium } = await import('playwright-core')
      const json = JSON.parse(await readFile(file('out/report.json'), 'utf8'))
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      })
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 800 } })
        const requests: string[] = []
        page.on('request', (request) => requests.push(request.url()))
        await page.goto(`file://${file('timeline.html')}`)
        // Self-contained: nothing but the page itself is loaded.
        expect(requests).toHaveLength(1)
        expect(await page.locator('.machine').count()).toBe(2)
        expect(await page.locator('.lane').count()).toBe(4)
        expect(await page.locator('.lane[data-machine="m1"]').count()).toBe(2)
        const bars = page.locator('.timeline .bar')
        expect(await bars.count()).toBe(json.attempts.length)
        expect(await page.locator('.timeline .bar.requeued').count()).toBe(2)
        expect(await page.locator('.timeline .bar.failed').count()).toBe(1)
        const title = await page.locator('.timeline .bar.failed').getAttribute('title')
        expect(title).toMatch(/^src\/b <weird> & file\.test\.ts\nfailed · 20ms · attempt 2 · m\d slot \d$/)
        // Every bar is visible and lies inside its lane's track.
        for (const bar of await bars.all()) {
          const box = (await bar.boundingBox())!
          const track = (await bar.locator('xpath=..').boundingBox())!
          expect(box.width).toBeGreaterThan(0)
          expect(box.x).toBeGreaterThanOrEqual(track.x - 0.5)
          expect(box.x + box.width).toBeLessThanOrEqual(track.x + track.width + 0.5)
        }
        expect(await page.locator('.verdict').textContent()).toContain('1 failed of 12 files (exit 1)')
      } finally {
        await browser.close()
      }
    },
  )
})
