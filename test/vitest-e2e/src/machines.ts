import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type BuildSnapshot,
  createRedisClient,
  RedisStore,
  type SetupState,
  timingsKey,
} from '@shardless/queue-core'

export const REDIS_URL = process.env.SHARDLESS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url))

/** examples/vitest-basic's test files, root-relative, as Vitest prints them. */
export const EXAMPLE_FILES = readdirSync(join(EXAMPLES, 'vitest-basic', 'tests'))
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => `tests/${name}`)
  .sort()

/**
 * A copy of an example under `packageDir`, so `vitest` and `vitest/config` resolve to that package's Vitest
 * (4.1 here, 5.x in test/vitest5). `extraFiles` makes one machine's checkout differ.
 */
export function fixture(
  packageDir: string,
  {
    example = 'vitest-basic',
    extraFiles = {},
  }: { example?: string; extraFiles?: Record<string, string> } = {},
): string {
  const dir = join(packageDir, '.fixtures', randomUUID())
  const source = join(EXAMPLES, example)
  mkdirSync(dir, { recursive: true })
  for (const name of readdirSync(source)) {
    if (name !== 'node_modules' && name !== 'package.json')
      cpSync(join(source, name), join(dir, name), { recursive: true })
  }
  writeFileSync(
    join(dir, 'package.json'),
    '{ "name": "vitest-e2e-fixture", "private": true, "type": "module" }\n',
  )
  for (const [path, text] of Object.entries(extraFiles)) writeFileSync(join(dir, path), text)
  return dir
}

export function removeFixture(dir: string) {
  rmSync(dir, { recursive: true, force: true })
}

export interface MachineOptions {
  /** The fixture directory (the Vitest root). */
  dir: string
  /** SHARDLESS_* and other variables; none are inherited from the test process. */
  env?: Record<string, string>
  args?: string[]
  /** The Vitest command: `run` (a CI machine) or `list`. */
  command?: 'run' | 'list'
  /** Node binary (Vitest 5 needs Node >= 22.12). */
  node?: string
}

export interface MachineResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Test files this machine reported as finished. */
  files: string[]
  /** From the "shardless: … in N s busy" line. */
  busySeconds: number | null
}

/** One `vitest run` process: a CI machine. */
export class Machine {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly done: Promise<MachineResult>
  private readonly watchers: { pattern: RegExp; resolve: () => void }[] = []

  constructor(options: MachineOptions) {
    const vitest = join(
      dirname(createRequire(join(options.dir, 'package.json')).resolve('vitest/package.json')),
    )
    const env: Record<string, string> = {}
    for (const [name, value] of Object.entries(process.env)) {
      // The test runner's own Vitest variables (pool id, worker id, mode) are not the machine's.
      if (value !== undefined && !name.startsWith('SHARDLESS_') && !name.startsWith('VITEST'))
        env[name] = value
    }
    this.child = spawn(
      options.node ?? process.execPath,
      [join(vitest, 'vitest.mjs'), options.command ?? 'run', ...(options.args ?? [])],
      {
        cwd: options.dir,
        env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: a SIGKILL takes the Vitest workers down with it, like a machine dying.
        detached: true,
      },
    )
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk
      this.check()
    })
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk
    })
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) =>
        resolve({
          code,
          signal,
          stdout: this.stdout,
          stderr: this.stderr,
          files: filesRun(this.stdout),
          busySeconds: busySeconds(this.stdout),
        }),
      )
    })
  }

  /** Resolves once stdout matches (e.g. the machine finished its first file). */
  waitFor(pattern: RegExp): Promise<void> {
    return new Promise((resolve, reject) => {
      this.watchers.push({ pattern, resolve })
      this.check()
      void this.done.then(() =>
        reject(new Error(`exited before printing ${pattern}:\n${this.stdout}\n${this.stderr}`)),
      )
    })
  }

  /** Signals the whole process group (SIGKILL: the machine dies with its workers). */
  kill(signal: NodeJS.Signals) {
    process.kill(signal === 'SIGKILL' ? -this.child.pid! : this.child.pid!, signal)
  }

  private check() {
    for (const watcher of [...this.watchers]) {
      if (watcher.pattern.test(this.stdout)) {
        this.watchers.splice(this.watchers.indexOf(watcher), 1)
        watcher.resolve()
      }
    }
  }
}

/**
 * Files in Vitest's per-file result lines, `project file` when projects are named:
 * `✓ tests/a.test.ts (2 tests) 120ms`, `❯`/`×` when failed, `✓ |types|  TS  types/a.test-d.ts (3 tests)`.
 */
export function filesRun(stdout: string): string[] {
  return [...stdout.matchAll(/^\s*[✓❯×↓]\s+(?:\|(\S+)\|\s+(?:TS\s+)?)?(\S+\.test(?:-d)?\.ts)\b/gmu)]
    .map(([, project, file]) => (project ? `${project} ${file}` : file!))
    .sort()
}

function busySeconds(stdout: string): number | null {
  const match = stdout.match(/^shardless: .* in ([\d.]+) s busy/m)
  return match ? Number(match[1]) : null
}

/** A build id and suite of one test, with the queue snapshot and key cleanup. */
export class Build {
  readonly id = `vitest-e2e-${randomUUID()}`
  readonly suite = `vitest-e2e-${randomUUID()}`

  env(machine: string, more: Record<string, string> = {}): Record<string, string> {
    return {
      SHARDLESS_REDIS_URL: REDIS_URL,
      SHARDLESS_BUILD: this.id,
      SHARDLESS_SUITE: this.suite,
      SHARDLESS_MACHINE: machine,
      ...more,
    }
  }

  snapshot(): Promise<BuildSnapshot> {
    return this.withStore((store) => store.snapshot(60_000))
  }

  /** Whether the build exists at all (`absent` until a machine populates it). */
  state(): Promise<SetupState> {
    return this.withStore((store) => store.state())
  }

  private async withStore<T>(read: (store: RedisStore) => Promise<T>): Promise<T> {
    const store = new RedisStore({ url: REDIS_URL, build: this.id, suite: this.suite })
    try {
      return await read(store)
    } finally {
      await store.close()
    }
  }

  async cleanup() {
    const client = createRedisClient(REDIS_URL)
    try {
      const keys: string[] = []
      let cursor = '0'
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', `shardless:{${this.id}}:*`, 'COUNT', 1000)
        keys.push(...batch)
        cursor = next
      } while (cursor !== '0')
      await client.del(timingsKey(this.suite), ...keys)
    } finally {
      client.disconnect()
    }
  }
}
