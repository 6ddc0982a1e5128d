import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { preciseNow } from './stats.js'

/** Generated projects live inside the repo so `vitest`, `jest` and the adapters resolve from its node_modules. */
const WORK = fileURLToPath(new URL('../work/', import.meta.url))
const require = createRequire(import.meta.url)

export type Framework = 'vitest' | 'jest'

/** One generated test file: its body does `ms` of sleep or of CPU work. */
export interface FixtureFile {
  path: string
  ms: number
  /** Pad the file to this size, so size-based guesses and the frameworks' size sort see the intended sizes. */
  bytes?: number
  kind: 'sleep' | 'cpu'
}

// A fixed amount of computation (not "spin until a deadline"), so a busy host stretches its wall time but not
// the CPU it uses: about 1 ms per 60,000 iterations on the benchmark host.
const CPU = `function cpu(ms) {
  let checksum = 0
  for (let i = 0; i < ms * 60000; i++) checksum = (checksum * 31 + i) % 1000003
  return checksum
}
`
function body(framework: Framework, file: FixtureFile): string {
  const head = framework === 'vitest' ? `import { expect, test } from 'vitest'\n` : ''
  const text =
    file.kind === 'sleep'
      ? `${head}test('${file.path}', () => new Promise((resolve) => setTimeout(resolve, ${file.ms})))\n`
      : `${head}${CPU}${[0, 1, 2]
          .map(
            (i) =>
              `test('case ${i}', () => {\n  expect(cpu(${Math.round(file.ms / 3)})).toBeGreaterThanOrEqual(0)\n})\n`,
          )
          .join('')}`
  const pad = (file.bytes ?? 0) - text.length - 4
  return pad > 0 ? `${text}// ${'x'.repeat(pad)}\n` : text
}

/**
 * Writes a project with two configs: the adapter's (`plugin`) and the same without it (`plain`). `shared`: Vitest
 * runs every file in reused threads (`pool: 'threads', isolate: false`) instead of a fresh fork per file.
 */
export function writeProject(
  framework: Framework,
  name: string,
  files: FixtureFile[],
  shared = false,
): string {
  const dir = join(WORK, `${framework}-${name}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const file of files) {
    const path = join(dir, framework === 'vitest' ? file.path : file.path.replace(/\.ts$/, '.js'))
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, body(framework, file))
  }
  if (framework === 'vitest') {
    writeFileSync(
      join(dir, 'package.json'),
      `{ "name": "bench-${name}", "private": true, "type": "module" }\n`,
    )
    const config = (
      plugin: boolean,
    ) => `${plugin ? `import { shardless } from '@shardless/vitest'\n` : ''}import { defineConfig } from 'vitest/config'

export default defineConfig({
  ${plugin ? 'plugins: [shardless()],\n  ' : ''}test: { include: ['tests/**/*.test.ts'], maxWorkers: 2, cache: false${shared ? `, pool: 'threads', isolate: false` : ''} },
})
`
    writeFileSync(join(dir, 'vitest.config.ts'), config(true))
    writeFileSync(join(dir, 'vitest.plain.config.ts'), config(false))
  } else {
    writeFileSync(join(dir, 'package.json'), `{ "name": "bench-${name}", "private": true }\n`)
    const config = (plugin: boolean) =>
      `module.exports = {${plugin ? ` runner: '@shardless/jest',` : ''} testEnvironment: 'node', testMatch: ['<rootDir>/tests/**/*.test.js'], maxWorkers: 2 }\n`
    writeFileSync(join(dir, 'jest.config.cjs'), config(true))
    writeFileSync(join(dir, 'jest.plain.config.cjs'), config(false))
  }
  return dir
}

/** The command line of one machine: `vitest run` or `jest --ci`, with the adapter's config or the plain one. */
export function command(framework: Framework, plugin: boolean, extra: string[] = []): string[] {
  if (framework === 'vitest') {
    const bin = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs')
    return [bin, 'run', '--config', plugin ? 'vitest.config.ts' : 'vitest.plain.config.ts', ...extra]
  }
  const bin = join(dirname(require.resolve('jest/package.json')), 'bin', 'jest.js')
  return [bin, '--ci', '--config', plugin ? 'jest.config.cjs' : 'jest.plain.config.cjs', ...extra]
}

export function frameworkVersion(framework: Framework): string {
  return (require(`${framework}/package.json`) as { version: string }).version
}

export interface ProcessRun {
  code: number | null
  /** From spawn to exit, ms since the common start. */
  exitMs: number
  /** User + system CPU of the machine's whole process tree (workers included), ms. */
  cpuMs: number
  output: string
}

// bash's `times` reports the CPU of every waited-for descendant: the framework, its workers and their children.
const WITH_CPU = '"$NODE_BIN" "$@"; code=$?; times >&2; exit $code'

function childCpuMs(output: string): number {
  const lines = [...output.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)]
  const children = lines.at(-1)
  if (!children) return Number.NaN
  const [, um, us, sm, ss] = children.map(Number) as number[]
  return ((um! + sm!) * 60 + us! + ss!) * 1000
}

/**
 * Starts every command at once in `dir` (the machines of one CI build) and waits for all of them. The
 * benchmark's own SHARDLESS_*, VITEST* and JEST* variables are not passed on; `env` adds each machine's.
 */
export async function runMachines(dir: string, machines: { args: string[]; env?: Record<string, string> }[]) {
  const base: Record<string, string> = { NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' }
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(SHARDLESS_|VITEST|JEST)/.test(name)) base[name] ??= value
  }
  const t0 = preciseNow()
  const runs = await Promise.all(
    machines.map(
      ({ args, env }) =>
        new Promise<ProcessRun>((resolve) => {
          const child = spawn('bash', ['-c', WITH_CPU, 'bash', ...args], {
            cwd: dir,
            env: { ...base, ...env, NODE_BIN: process.execPath },
            stdio: ['ignore', 'pipe', 'pipe'],
          })
          let output = ''
          child.stdout.on('data', (chunk) => {
            output += chunk
          })
          child.stderr.on('data', (chunk) => {
            output += chunk
          })
          child.on('close', (code) =>
            resolve({ code, exitMs: preciseNow() - t0, cpuMs: childCpuMs(output), output }),
          )
        }),
    ),
  )
  const failed = runs.find((run) => run.code !== 0)
  if (failed) throw new Error(`a machine exited with ${failed.code}:\n${failed.output.slice(-3000)}`)
  return runs
}
