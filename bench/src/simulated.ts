import { drain, entryId, openSession, parseEntryId, resolveConfig } from '@shardless/queue-core'
import { preciseNow } from './stats.js'

/** A suite file as machines receive it: path, duration ms (a sleep), bytes. */
export type SleepFile = [string, number, number]

export type FileEvent =
  | { e: 'start'; file: string; slot: number; at: number }
  | { e: 'end'; file: string; slot: number; at: number }

/** One simulated machine: which files it runs, with how many slots, and whom it tells about each start and end. */
export interface SimulatedMachine {
  files: SleepFile[]
  slots: number
  onFile: (event: FileEvent) => void
  /** Queue mode: called once openSession returned (connected, queue populated or found). */
  onJoined?: (at: number) => void
}

function sleeper({ files, onFile }: SimulatedMachine) {
  const durations = new Map(files.map(([path, ms]) => [path, ms]))
  return async (path: string, slot: number, signal?: AbortSignal): Promise<number> => {
    const started = preciseNow()
    onFile({ e: 'start', file: path, slot, at: started })
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, durations.get(path) ?? 0)
      signal?.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    const ended = preciseNow()
    onFile({ e: 'end', file: path, slot, at: ended })
    return ended - started
  }
}

/** A static shard: the slots take the machine's own list in order, as a framework's worker pool does. */
export async function runStatic(machine: SimulatedMachine, list: string[]): Promise<void> {
  const run = sleeper(machine)
  let next = 0
  await Promise.all(
    Array.from({ length: machine.slots }, async (_, slot) => {
      while (next < list.length) await run(list[next++]!, slot)
    }),
  )
}

/** A shardless machine, wired as an adapter is: resolveConfig (SHARDLESS_* in `env`) → openSession → drain. */
export async function runQueue(machine: SimulatedMachine, env: NodeJS.ProcessEnv): Promise<void> {
  const run = sleeper(machine)
  const resolution = resolveConfig({}, { env, suite: 'bench', source: 'bench machine' })
  if (!resolution.enabled) throw new Error(`shardless is off: ${resolution.reason}`)
  const { config } = resolution
  const session = await openSession({
    config,
    files: machine.files.map(([path, , bytes]) => ({ id: entryId('', path), bytes })),
  })
  if (session.mode === 'fallback') throw new Error(`unexpected fallback: ${session.reason}`)
  machine.onJoined?.(preciseNow())
  try {
    await drain({
      store: session.store,
      worker: config.machine,
      concurrency: machine.slots,
      leaseMs: config.leaseMs,
      heartbeatMs: config.heartbeatMs,
      run: async ({ entry, slot, signal }) => ({
        outcome: 'passed',
        durationMs: await run(parseEntryId(entry).path, slot, signal),
      }),
    })
  } finally {
    await session.close()
  }
}
