import { mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { frameworks } from './frameworks.js'
import { makespan } from './makespan.js'
import { overhead } from './overhead.js'
import { protocol } from './protocol.js'
import { recovery } from './recovery.js'
import { REDIS_URL, rawClient, redisVersion } from './redis.js'
import { writeResults } from './results.js'
import { scaling } from './scaling.js'
import type { BenchOptions, Section } from './section.js'
import { textTable } from './table.js'

/** Every scenario, in the order they run; `quick` ones also run in `npm run bench:quick`. */
const SCENARIOS: { id: string; quick: boolean; run: (options: BenchOptions) => Promise<Section> }[] = [
  { id: 'protocol', quick: true, run: protocol },
  { id: 'makespan', quick: true, run: makespan },
  { id: 'recovery', quick: true, run: recovery },
  { id: 'scaling', quick: true, run: scaling },
  { id: 'frameworks', quick: false, run: frameworks },
  { id: 'overhead', quick: false, run: overhead },
]

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id))
if (unknown?.length) {
  process.stderr.write(
    `bench: unknown scenario ${unknown.join(', ')} in --only; choose from ${SCENARIOS.map((s) => s.id).join(', ')}.\n`,
  )
  process.exit(2)
}
const options: BenchOptions = { quick, redisUrl: REDIS_URL }
const client = rawClient(REDIS_URL)
const facts = {
  quick,
  startedAt: new Date(),
  durationMs: 0,
  redisVersion: await redisVersion(client),
  loadBefore: loadavg(),
  loadAfter: [] as number[],
}
client.disconnect()

const sections: Section[] = []
for (const scenario of SCENARIOS) {
  if (only ? !only.includes(scenario.id) : quick && !scenario.quick) continue
  process.stdout.write(`\n== ${scenario.id} ==\n`)
  const section = await scenario.run(options).catch(
    (error: unknown): Section => ({
      id: scenario.id,
      title: `${scenario.id}: failed`,
      method: '',
      table: { columns: ['error'], rows: [] },
      json: { error: error instanceof Error ? error.message : String(error) },
      notes: [
        `This scenario failed in this run, so it has no figures: ${error instanceof Error ? error.message : String(error)}`,
      ],
    }),
  )
  if (section.json.error) process.exitCode = 1
  sections.push(section)
  process.stdout.write(`${section.title}\n${textTable(section.table)}\n`)
  for (const note of section.notes) process.stdout.write(`note: ${note}\n`)
  process.stdout.write(`${JSON.stringify({ scenario: scenario.id, quick, ...section.json })}\n`)
}
facts.durationMs = Date.now() - facts.startedAt.getTime()
facts.loadAfter = loadavg()
// A partial run (--only) prints its tables only; a quick run writes beside the generated projects, so neither
// overwrites the committed figures of a full run.
if (!only) {
  const dir = fileURLToPath(new URL(quick ? '../work/quick' : '..', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeResults(dir, sections, facts)
  process.stdout.write(`\nwrote ${join(dir, 'RESULTS.md')} and timelines.svg\n`)
}
