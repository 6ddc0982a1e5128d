import {
  type AttemptRecord,
  type BuildSnapshot,
  decodePayload,
  displayEntry,
  type FilePayload,
  type Outcome,
  parseEntryId,
} from '@shardless/queue-core'

/** One run of one entry on one machine, as the store logged it, with its place on the timeline. */
export interface Attempt {
  entry: string
  outcome: AttemptRecord['outcome']
  attempt: number
  worker: string | null
  /** The slot lane of its machine (reconstructed from times), or null when its start is unknown. */
  lane: number | null
  /** Store time (ms) the run started: its lease grant, or for a dropped duplicate its ack minus its duration. */
  start: number | null
  end: number
  durationMs: number | null
  retry: boolean
  /** Its lease had been reclaimed: a duplicate execution whose result was dropped. */
  stale: boolean
  payload: FilePayload | null
}

export interface EntryReport {
  id: string
  project: string
  file: string
  display: string
  /** null: no final outcome yet (pending, leased, or stranded with a dead machine). */
  outcome: Outcome | null
  weight: number
  position: number
  durationMs: number | null
  worker: string | null
  /** The attempt number of the final run (2 after one requeue or expiry). */
  attempt: number | null
  attempts: Attempt[]
  payload: FilePayload | null
  /** Passed after a failed attempt was requeued. */
  flaky: boolean
}

export interface MachineReport {
  name: string
  host: string | null
  slots: number
  /** Runs whose result the queue accepted (requeued failures included). */
  files: number
  /** Runs dropped because their lease had been reclaimed. */
  duplicates: number
  busyMs: number
  startedAt: number | null
  finishedAt: number | null
  exited: boolean
}

export interface Counts {
  passed: number
  failed: number
  skipped: number
  total: number
}

export interface BuildReport {
  build: string
  suite: string
  framework: FilePayload['framework'] | null
  frameworkVersion: string | null
  populated: boolean
  total: number
  cancelled: string | null
  /** Redis time of the first run's start and of the last machine's finish. */
  startedAt: number | null
  finishedAt: number | null
  wallMs: number | null
  entries: EntryReport[]
  attempts: Attempt[]
  machines: MachineReport[]
  files: Counts & { lost: number; unfinished: number }
  /** Test-case totals from the payloads; null when no entry carried a framework payload. */
  tests: (Counts & { todo: number }) | null
  requeued: number
  expired: number
}

const RAN = new Set(['passed', 'failed', 'skipped', 'requeued'])

/** Turns the store's raw snapshot into the one model every output (terminal, JUnit, JSON, markdown, HTML) reads. */
export function buildReport(
  build: string,
  suite: string,
  snapshot: Pick<BuildSnapshot, 'state' | 'entries' | 'outcomes' | 'results' | 'log' | 'workers'>,
): BuildReport {
  const attempts = snapshot.log.map(toAttempt)
  const infos = Object.fromEntries(
    Object.entries(snapshot.workers).map(([name, text]) => [name, parseInfo(text)]),
  )
  assignLanes(attempts)

  const byEntry = groupBy(attempts, (a) => a.entry)
  const entries = [...snapshot.entries]
    .sort((a, b) => a.position - b.position)
    .map((queued): EntryReport => {
      const { project, path } = parseEntryId(queued.id)
      const mine = byEntry.get(queued.id) ?? []
      const outcome = snapshot.outcomes[queued.id] ?? null
      const final = mine.findLast((a) => !a.stale && a.outcome === outcome)
      return {
        id: queued.id,
        project,
        file: path,
        display: displayEntry(queued.id),
        outcome,
        weight: queued.weight,
        position: queued.position,
        durationMs: final?.durationMs ?? null,
        worker: final?.worker ?? null,
        attempt: final?.attempt ?? null,
        attempts: mine,
        payload: decodePayload(snapshot.results[queued.id] ?? ''),
        flaky: outcome === 'passed' && mine.some((a) => a.outcome === 'requeued' && !a.stale),
      }
    })

  const names = new Set([...Object.keys(infos), ...attempts.flatMap((a) => (a.worker ? [a.worker] : []))])
  const machines = [...names].sort().map((name): MachineReport => {
    const info = infos[name] ?? {}
    const runs = attempts.filter((a) => a.worker === name && RAN.has(a.outcome))
    const lanes = new Set(runs.map((a) => a.lane)).size
    return {
      name,
      host: typeof info.host === 'string' ? info.host : null,
      slots: typeof info.slots === 'number' ? info.slots : lanes,
      files: runs.filter((a) => !a.stale).length,
      duplicates: runs.filter((a) => a.stale).length,
      busyMs: runs.reduce((sum, a) => sum + (a.durationMs ?? 0), 0),
      // The log is in Redis time; a machine's own clock (its info) may be skewed, so it only fills in for a
      // machine that ran nothing.
      startedAt:
        extreme(
          runs.map((a) => a.start ?? a.end),
          Math.min,
        ) ?? numberOr(info.startedAt),
      finishedAt:
        extreme(
          runs.map((a) => a.end),
          Math.max,
        ) ?? numberOr(info.endedAt),
      exited: typeof info.endedAt === 'number',
    }
  })

  const payloads = entries.flatMap((e) => (e.payload ? [e.payload] : []))
  const count = (outcome: Outcome) => entries.filter((e) => e.outcome === outcome).length
  const startedAt = extreme(
    attempts.map((a) => a.start ?? a.end),
    Math.min,
  )
  const finishedAt = extreme(
    attempts.map((a) => a.end),
    Math.max,
  )
  return {
    build,
    suite,
    framework: payloads[0]?.framework ?? null,
    frameworkVersion: payloads[0]?.frameworkVersion ?? null,
    populated: snapshot.state.status === 'ready',
    total: snapshot.state.status === 'absent' ? 0 : snapshot.state.total,
    cancelled: snapshot.state.status === 'absent' ? null : snapshot.state.cancelled,
    startedAt,
    finishedAt,
    wallMs: startedAt !== null && finishedAt !== null ? finishedAt - startedAt : null,
    entries,
    attempts,
    machines,
    files: {
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      lost: count('lost'),
      unfinished: entries.filter((e) => e.outcome === null).length,
      total: entries.length,
    },
    tests: payloads.length ? testCounts(payloads) : null,
    requeued: attempts.filter((a) => a.outcome === 'requeued' && !a.stale).length,
    expired: attempts.filter((a) => a.outcome === 'expired').length,
  }
}

function toAttempt(record: AttemptRecord): Attempt {
  const durationMs = record.durationMs ?? null
  return {
    entry: record.entry,
    outcome: record.outcome,
    attempt: record.attempt,
    worker: record.worker ?? null,
    lane: null,
    // The store's lease start where the log has it (not for stale results); else the measured duration before the ack.
    start: record.startedAt ?? (durationMs === null ? null : record.at - durationMs),
    end: record.at,
    durationMs,
    retry: record.retry === true,
    stale: record.stale === true,
    payload: decodePayload(record.payload ?? ''),
  }
}

/**
 * Expired attempts carry no slot, so each machine's runs are packed onto the fewest lanes that never overlap
 * (earliest start first, lowest free lane): a slot starts its next file only after acking the last one, so this
 * recovers one lane per slot.
 */
function assignLanes(attempts: Attempt[]): void {
  const timed = attempts.filter((a) => a.worker !== null && a.start !== null)
  for (const runs of groupBy(timed, (a) => a.worker!).values()) {
    const laneEnds: number[] = []
    for (const run of runs.sort((a, b) => a.start! - b.start! || a.end - b.end)) {
      let lane = laneEnds.findIndex((end) => end <= run.start!)
      if (lane < 0) lane = laneEnds.push(0) - 1
      laneEnds[lane] = run.end
      run.lane = lane
    }
  }
}

// Map.groupBy arrives with Node 21; we support Node 20.
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}

function testCounts(payloads: FilePayload[]): Counts & { todo: number } {
  const tests = payloads.flatMap((p) => p.tests)
  const count = (status: string) => tests.filter((t) => t.status === status).length
  return {
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    todo: count('todo'),
    total: tests.length,
  }
}

/** Math.min/max over any number of values (spreading a 100k-attempt log would overflow the call stack). */
function extreme(values: number[], pick: (a: number, b: number) => number): number | null {
  return values.length ? values.reduce((a, b) => pick(a, b)) : null
}

function numberOr(value: unknown): number | null {
  return typeof value === 'number' ? value : null
}

function parseInfo(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text)
    return typeof value === 'object' && value !== null ? value : {}
  } catch {
    return {}
  }
}
