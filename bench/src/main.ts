import { makespan } from './makespan.js'
import { protocol } from './protocol.js'
import { recovery } from './recovery.js'
import { REDIS_URL } from './redis.js'
import { scaling } from './scaling.js'
import type { BenchOptions, Section } from './section.js'
import { textTable } from './table.js'

const SCENARIOS: Record<string, (options: BenchOptions) => Promise<Section>> = {
  protocol,
  makespan,
  recovery,
  scaling,
}

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const options: BenchOptions = { quick, redisUrl: REDIS_URL }

for (const [id, scenario] of Object.entries(SCENARIOS)) {
  if (only && !only.includes(id)) continue
  process.stdout.write(`\n== ${id} ==\n`)
  const section = await scenario(options)
  process.stdout.write(`${section.title}\n${textTable(section.table)}\n`)
  for (const note of section.notes) process.stdout.write(`note: ${note}\n`)
  process.stdout.write(`${JSON.stringify({ scenario: id, quick, ...section.json })}\n`)
}
