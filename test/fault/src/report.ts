// The `shardless` CLI as a child process, as a CI step runs it.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const cli = join(dirname(createRequire(import.meta.url).resolve('shardless/package.json')), 'dist/cli.js')

export interface CliRun {
  exit: Promise<{ code: number | null; output: string }>
  /** Resolves once the command printed (stdout or stderr) something matching `pattern`. */
  printed(pattern: RegExp): Promise<void>
}

export function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const listeners = new Set<() => void>()
  const collect = (chunk: Buffer) => {
    output += chunk
    for (const listener of listeners) listener()
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  return {
    exit: new Promise((resolve) => child.on('exit', (code) => resolve({ code, output }))),
    printed: (pattern) =>
      new Promise((resolve) => {
        const check = () => {
          if (!pattern.test(output)) return
          listeners.delete(check)
          resolve()
        }
        listeners.add(check)
        check()
      }),
  }
}

/** `shardless report` on a fault build (suite `fault`), with the machines' lease as its liveness window. */
export function startReport(url: string, build: string, ...args: string[]): CliRun {
  return startCli(['report', '--redis', url, '--build', build, '--suite', 'fault', ...args], {
    SHARDLESS_LEASE_MS: '1000',
  })
}
