// Machine processes for fault cases: spawned from the fixture, observed line by line, killed on purpose.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

const FIXTURES = new URL('../fixtures/', import.meta.url)

export interface Machine {
  name: string
  child: ChildProcess
  lines: string[]
  stderr: () => string
  /** Resolves with the first stdout line matching `pattern`: past or future, or only future ones if `fresh`. */
  waitFor(pattern: RegExp, options?: { fresh?: boolean; timeoutMs?: number }): Promise<string>
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export type Files = [name: string, ms: number][]

export function startMachine(
  name: string,
  env: Record<string, string>,
  options: { fixture?: string; files?: Files; slots?: number } = {},
): Machine {
  const child = spawn(process.execPath, [new URL(options.fixture ?? 'machine.mjs', FIXTURES).pathname], {
    env: {
      PATH: process.env.PATH,
      SHARDLESS_MACHINE: name,
      FAULT_FILES: JSON.stringify(options.files ?? []),
      FAULT_SLOTS: String(options.slots ?? 2),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line)
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(line)
    }
  })
  let stderr = ''
  child.stderr!.on('data', (chunk) => {
    stderr += chunk
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    name,
    child,
    lines,
    stderr: () => stderr,
    exit,
    waitFor(pattern, { fresh = false, timeoutMs = 30_000 } = {}) {
      const seen = fresh ? undefined : lines.find((line) => pattern.test(line))
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `${name}: no line matching ${pattern} within ${timeoutMs} ms\n${lines.join('\n')}\n${stderr}`,
              ),
            ),
          timeoutMs,
        )
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer)
            resolve(line)
          },
        })
      })
    },
  }
}

/** A suite of `count` files with durations spread like a real one (a few long, many short). */
export function files(count: number, options: { ms?: number; special?: Files } = {}): Files {
  const base = options.ms ?? 60
  const regular: Files = Array.from({ length: count }, (_, i) => [
    `f${String(i).padStart(3, '0')}.test.ts`,
    Math.round(base * (1 + (i % 7 === 0 ? 4 : (i % 3) * 0.5))),
  ])
  return [...regular, ...(options.special ?? [])]
}

export async function killAll(machines: Machine[]) {
  for (const machine of machines) machine.child.kill('SIGKILL')
  await Promise.all(machines.map((m) => m.exit))
}
