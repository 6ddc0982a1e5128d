// One simulated CI machine (a child process of the benchmark). Its "test files" are sleeps. It prints `ready`,
// waits for `go` on stdin so every machine starts at the same instant, then either drains the shardless queue
// (resolveConfig → openSession → drain, wired like an adapter) or runs a static file list with the same slots.
// Each file start/end goes to stdout as a JSON line with an epoch timestamp.
import { createInterface } from 'node:readline'
import { drain, entryId, openSession, parseEntryId, resolveConfig } from '@shardless/queue-core'
import { preciseNow } from './stats.js'

export interface MachineSpec {
  mode: 'queue' | 'static'
  slots: number
  /** Every file of the suite: path, duration ms, bytes. */
  files: [string, number, number][]
  /** Static mode: this machine's files, in the order its slots take them. */
  list?: string[]
}

export type MachineEvent =
  | { e: 'start'; file: string; slot: number; at: number }
  | { e: 'end'; file: string; slot: number; at: number }
  | { e: 'done'; at: number }
  | { e: 'error'; message: string }

const spec = JSON.parse(process.env.BENCH_MACHINE ?? '{}') as MachineSpec
const durations = new Map(spec.files.map(([path, ms]) => [path, ms]))
const say = (event: MachineEvent | 'ready') =>
  process.stdout.write(`${typeof event === 'string' ? event : JSON.stringify(event)}\n`)

async function runFile(path: string, slot: number, signal?: AbortSignal): Promise<number> {
  const started = preciseNow()
  say({ e: 'start', file: path, slot, at: started })
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, durations.get(path) ?? 0)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  const ended = preciseNow()
  say({ e: 'end', file: path, slot, at: ended })
  return ended - started
}

async function runStatic(list: string[]) {
  let next = 0
  await Promise.all(
    Array.from({ length: spec.slots }, async (_, slot) => {
      while (next < list.length) await runFile(list[next++]!, slot)
    }),
  )
}

async function runQueue() {
  const resolution = resolveConfig({}, { suite: 'bench', source: 'bench machine' })
  if (!resolution.enabled) throw new Error(`shardless is off: ${resolution.reason}`)
  const { config } = resolution
  const session = await openSession({
    config,
    files: spec.files.map(([path, , bytes]) => ({ id: entryId('', path), bytes })),
  })
  if (session.mode === 'fallback') throw new Error(`unexpected fallback: ${session.reason}`)
  try {
    await drain({
      store: session.store,
      worker: config.machine,
      concurrency: spec.slots,
      leaseMs: config.leaseMs,
      heartbeatMs: config.heartbeatMs,
      run: async ({ entry, slot, signal }) => ({
        outcome: 'passed',
        durationMs: await runFile(parseEntryId(entry).path, slot, signal),
      }),
    })
  } finally {
    await session.close()
  }
}

say('ready')
// The parent writes `go` and closes stdin once every machine is ready.
const lines = createInterface({ input: process.stdin })
const go = await new Promise<boolean>((resolve) => {
  lines.on('line', (line) => line === 'go' && resolve(true))
  lines.on('close', () => resolve(false))
})
lines.close()
if (go) {
  try {
    await (spec.mode === 'queue' ? runQueue() : runStatic(spec.list ?? []))
    say({ e: 'done', at: preciseNow() })
  } catch (error) {
    say({ e: 'error', message: error instanceof Error ? error.message : String(error) })
    process.exitCode = 1
  }
}
