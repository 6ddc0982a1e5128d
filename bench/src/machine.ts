// One simulated CI machine as a child process of the benchmark. It prints `ready`, waits for `go` on stdin so
// every machine starts at the same instant, then drains the shardless queue or runs its static list, printing
// each file's start and end as a JSON line with an epoch timestamp.
import { createInterface } from 'node:readline'
import { type FileEvent, runQueue, runStatic, type SleepFile } from './simulated.js'

export interface MachineSpec {
  mode: 'queue' | 'static'
  slots: number
  files: SleepFile[]
  /** Static mode: this machine's files, in the order its slots take them. */
  list?: string[]
  /** Boots this much later than the first machine (CI runners never start at one instant). */
  delayMs?: number
}

export type MachineEvent = FileEvent | { e: 'joined'; at: number } | { e: 'error'; message: string }

const spec = JSON.parse(process.env.BENCH_MACHINE ?? '{}') as MachineSpec
const say = (event: MachineEvent | 'ready') =>
  process.stdout.write(`${typeof event === 'string' ? event : JSON.stringify(event)}\n`)

say('ready')
// The parent writes `go` and closes stdin once every machine is ready.
const lines = createInterface({ input: process.stdin })
const go = await new Promise<boolean>((resolve) => {
  lines.on('line', (line) => line === 'go' && resolve(true))
  lines.on('close', () => resolve(false))
})
lines.close()
if (go) {
  await new Promise((resolve) => setTimeout(resolve, spec.delayMs ?? 0))
  const machine = {
    files: spec.files,
    slots: spec.slots,
    onFile: say,
    onJoined: (at: number) => say({ e: 'joined', at }),
  }
  try {
    await (spec.mode === 'queue' ? runQueue(machine, process.env) : runStatic(machine, spec.list ?? []))
  } catch (error) {
    say({ e: 'error', message: error instanceof Error ? error.message : String(error) })
    process.exitCode = 1
  }
}
