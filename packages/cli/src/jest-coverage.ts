import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { ConfigError } from '@shardless/queue-core'
import libCoverage, { type CoverageMapData } from 'istanbul-lib-coverage'
import libReport from 'istanbul-lib-report'
import reports from 'istanbul-reports'
import type { Io } from './commands/io.js'
import type { BuildReport } from './model.js'

type Metric = 'branches' | 'functions' | 'lines' | 'statements'
type Thresholds = Record<string, Partial<Record<Metric, number>>>
const METRICS: Metric[] = ['branches', 'functions', 'lines', 'statements']

/**
 * Jest: merges the coverage of every accepted file result (each ack carries its TestResult, `coverage` included,
 * so machines that died still count), writes coverage-final.json and lcov.info to `dir`, prints the text summary,
 * and enforces the global `coverageThreshold` the machines skipped (each covered only its share of the files).
 * Returns 1 when a threshold is not met.
 */
export async function jestCoverage(
  report: BuildReport,
  options: { dir: string; cwd: string; thresholds: string | undefined; io: Io },
): Promise<number> {
  const map = libCoverage.createCoverageMap({})
  let files = 0
  for (const entry of report.entries) {
    if (entry.outcome === null || entry.outcome === 'lost') continue
    const coverage = (entry.payload?.raw as { coverage?: CoverageMapData } | undefined)?.coverage
    if (coverage) {
      map.merge(coverage)
      files++
    }
  }
  if (files === 0) {
    throw new ConfigError(
      '--coverage',
      'no acked Jest result carries coverage: run the machines with jest --coverage (coverageProvider "babel"; v8 coverage is not merged).',
    )
  }
  const dir = resolve(options.cwd, options.dir)
  const context = libReport.createContext({ dir, coverageMap: map })
  for (const name of ['json', 'lcovonly'] as const) reports.create(name).execute(context)
  reports.create('text-summary').execute(context)
  options.io.stderr.write(
    `shardless: coverage of ${files} test files merged into ${join(options.dir, 'coverage-final.json')} and lcov.info\n`,
  )

  const thresholds =
    options.thresholds === undefined ? await jestThresholds(options.cwd) : parse(options.thresholds)
  const summary = map.getCoverageSummary()
  const failures: string[] = []
  for (const [key, limits] of Object.entries(thresholds ?? {})) {
    if (key !== 'global') {
      options.io.stderr.write(
        `shardless: coverageThreshold "${key}" is not checked by the report (only "global").\n`,
      )
      continue
    }
    for (const metric of METRICS) {
      const limit = limits[metric]
      if (limit === undefined) continue
      const { pct, total, covered } = summary[metric]
      if (limit >= 0 && pct < limit) {
        failures.push(`Jest: "global" coverage threshold for ${metric} (${limit}%) not met: ${pct}%`)
      } else if (limit < 0 && total - covered > -limit) {
        failures.push(
          `Jest: "global" coverage threshold for ${metric} (${limit}) not met: ${total - covered} uncovered`,
        )
      }
    }
  }
  for (const failure of failures) options.io.stderr.write(`${failure}\n`)
  return failures.length ? 1 : 0
}

function parse(json: string): Thresholds {
  try {
    const value = JSON.parse(json) as unknown
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Thresholds
  } catch {
    // Falls through to the error naming the flag.
  }
  throw new ConfigError(
    '--coverage-threshold',
    `${JSON.stringify(json)} must be JSON like Jest's coverageThreshold: '{"global":{"lines":80}}'.`,
  )
}

/** The project's own coverageThreshold, read the way Jest reads its config (jest-config from the project). */
async function jestThresholds(cwd: string): Promise<Thresholds | undefined> {
  let jestConfig: {
    readConfig(argv: object, root: string): Promise<{ globalConfig: { coverageThreshold?: Thresholds } }>
  }
  try {
    jestConfig = createRequire(join(cwd, 'noop.js'))('jest-config')
  } catch {
    return undefined
  }
  const { globalConfig } = await jestConfig.readConfig({ $0: 'shardless', _: [] }, cwd)
  return globalConfig.coverageThreshold
}
