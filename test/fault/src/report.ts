// The `shardless report` CLI as a child process, as the CI step runs it.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const cli = join(dirname(createRequire(import.meta.url).resolve('shardless/package.json')), 'dist/cli.js')

export interface Report {
  exit: Promise<{ code: number | null; output: string }>
  /** Resolves once the report printed a line matching `pattern`. */
  printed(pattern: RegExp): Promise<void>
}

export function startReport(url: string, build: string, ...args: string[]): Report {
  const child = spawn(
    process.execPath,
    [cli, 'report', '--redis', url, '--build', build, '--suite', 'fault', ...args],
    {
      env: { PATH: process.env.PATH, CI: 'true', SHARDLESS_LEASE_MS: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
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
