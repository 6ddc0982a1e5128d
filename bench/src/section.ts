import type { Timeline } from './chart.js'
import type { Table } from './table.js'

/** What one scenario hands back: printed as a table and one JSON line, and written into RESULTS.md. */
export interface Section {
  id: string
  title: string
  /** One paragraph on how the figures were measured. */
  method: string
  table: Table
  json: Record<string, unknown>
  notes: string[]
  timelines?: Timeline[]
  /** The targets this scenario measures, each with what this run got. */
  targets?: Target[]
}

export interface Target {
  target: string
  measured: string
  met: boolean
}

export interface BenchOptions {
  quick: boolean
  redisUrl: string
}
