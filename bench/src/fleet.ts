import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Timeline } from './chart.js'
import type { MachineEvent, MachineSpec } from './machine.js'
import { preciseNow } from './stats.js'

const MACHINE = fileURLToPath(new URL('./machine.js', import.meta.url))

export interface FleetMachine {
  name: string
  spec: MachineSpec
  /** SHARDLESS_* variables for queue mode. */
  env?: Record<string, string>
}

export interface FileRun {
  file: string
  slot: number
  /** Milliseconds since the common start. */
  startMs: number
  endMs: number | null
}

export interface MachineRun {
  name: string
  files: FileRun[]
  /** End of its last file, ms since the common start (0 if it ran none). */
  lastEndMs: number
  /** Queue mode: when openSession returned (connected; populated or found the queue), ms since the common start. */
  joinedMs: number | null
  /** When the benchmark SIGKILLed it, ms since the common start. */
  killedMs: number | null
}

export interface FleetRun {
  machines: MachineRun[]
  /** End of the last file anywhere. */
  makespanMs: number
  /** Latest minus earliest machine finish (last file end). */
  spreadMs: number
}

export interface FleetControl {
  /** SIGKILLs a machine now; returns the time, ms since the common start. */
  kill(name: string): number
  elapsed(): number
}

/**
 * Starts every machine as its own process, waits until all of them are ready (booted, modules loaded), releases
 * them at one instant, and collects each file's start and end on a common time axis.
 */
export async function runFleet(
  machines: FleetMachine[],
  watch?: (machine: string, event: MachineEvent, control: FleetControl) => void,
): Promise<FleetRun> {
  const runs = machines.map(
    (m): MachineRun => ({
      name: m.name,
      files: [],
      lastEndMs: 0,
      joinedMs: null,
      killedMs: null,
    }),
  )
  const children: ChildProcess[] = []
  let t0 = 0
  const control: FleetControl = {
    kill(name) {
      const index = machines.findIndex((m) => m.name === name)
      children[index]!.kill('SIGKILL')
      runs[index]!.killedMs = control.elapsed()
      return runs[index]!.killedMs
    },
    elapsed: () => preciseNow() - t0,
  }
  const errors: string[] = []
  const ready: Promise<void>[] = []
  const exited: Promise<void>[] = []
  for (const [index, machine] of machines.entries()) {
    const child = spawn(process.execPath, [MACHINE], {
      env: { ...process.env, ...machine.env, BENCH_MACHINE: JSON.stringify(machine.spec) },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    children.push(child)
    const run = runs[index]!
    let stderr = ''
    child.stderr!.on('data', (chunk) => {
      stderr += chunk
    })
    ready.push(
      new Promise((resolve, reject) => {
        child.once('exit', () => reject(new Error(`${machine.name} exited before it was ready: ${stderr}`)))
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (line === 'ready') return resolve()
          const event = JSON.parse(line) as MachineEvent
          if (event.e === 'start') {
            run.files.push({ file: event.file, slot: event.slot, startMs: event.at - t0, endMs: null })
          } else if (event.e === 'end') {
            const file = run.files.findLast((f) => f.file === event.file && f.endMs === null)
            if (file) file.endMs = event.at - t0
            run.lastEndMs = Math.max(run.lastEndMs, event.at - t0)
          } else if (event.e === 'joined') {
            run.joinedMs = event.at - t0
          } else {
            errors.push(`${machine.name}: ${event.message}`)
          }
          watch?.(machine.name, event, control)
        })
      }),
    )
    exited.push(new Promise((resolve) => child.once('exit', () => resolve())))
  }
  await Promise.all(ready)
  t0 = preciseNow()
  for (const child of children) child.stdin!.end('go\n')
  await Promise.all(exited)
  if (errors.length) throw new Error(`machines failed: ${errors.join('; ')}`)
  const finishes = runs.filter((r) => r.killedMs === null).map((r) => r.lastEndMs)
  return {
    machines: runs,
    makespanMs: Math.max(...runs.map((r) => r.lastEndMs)),
    spreadMs: Math.max(...finishes) - Math.min(...finishes),
  }
}

export function timeline(label: string, run: FleetRun, lowerBoundMs?: number): Timeline {
  const cut = new Set(run.machines.flatMap((m) => m.files.filter((f) => f.endMs === null).map((f) => f.file)))
  return {
    label,
    makespanMs: run.makespanMs,
    lowerBoundMs,
    machines: run.machines.map((m) => ({
      name: m.name,
      killedMs: m.killedMs,
      files: m.files.map((f) => ({
        slot: f.slot,
        startMs: f.startMs,
        endMs: f.endMs ?? m.killedMs ?? f.startMs,
        ...(cut.has(f.file) ? { mark: f.endMs === null ? ('cut' as const) : ('rerun' as const) } : {}),
      })),
    })),
  }
}
