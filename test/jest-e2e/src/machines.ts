import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
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

export const examples = {
  basic: fileURLToPath(new URL('../../../examples/jest-basic', import.meta.url)),
  projects: fileURLToPath(new URL('../../../examples/jest-projects', import.meta.url)),
  /** One test file SIGKILLs its worker; eight others record which worker process ran them. */
  crash: fileURLToPath(new URL('../fixtures/crash', import.meta.url)),
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** One `jest` process, standing in for one CI machine. */
export interface Machine {
  child: ChildProcess
  exited: Promise<Exit>
  /** Resolves once the machine's output contains `text`. */
  printed(text: string): Promise<void>
  /** Signals the machine and its test workers (its process group): SIGKILL as a machine that dies, SIGSTOP… */
  signal(signal: NodeJS.Signals): void
}

/** A build id and suite of its own, the env every machine of it shares, and the queue's state for assertions. */
export class Build {
  readonly build = `test-${randomUUID()}`
  readonly suite = `jest-e2e-${randomUUID()}`
  readonly #running = new Set<ChildProcess>()

  constructor(
    private readonly jestBin: string,
    private readonly env: Record<string, string> = {},
  ) {}

  /** The env of one machine of this build; no machine name leaves it to the runner's options or the default. */
  queueEnv(machine?: string): Record<string, string> {
    return {
      SHARDLESS_REDIS_URL: REDIS_URL,
      SHARDLESS_BUILD: this.build,
      SHARDLESS_SUITE: this.suite,
      ...(machine ? { SHARDLESS_MACHINE: machine } : {}),
      ...this.env,
    }
  }

  /** Starts `jest --ci` in `cwd` with only the given SHARDLESS_* variables (none → shardless off). */
  start(cwd: string, args: string[], env: Record<string, string>): Machine {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('SHARDLESS_')),
    )
    // Its own process group, so kill() reaches jest-worker's children too.
    const child = spawn(process.execPath, [this.jestBin, '--ci', ...args], {
      cwd,
      env: { ...inherited, FORCE_COLOR: '0', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    const waiting: { text: string; resolve: () => void }[] = []
    const seen = () => {
      for (const wait of [...waiting]) {
        if ((stdout + stderr).includes(wait.text)) {
          waiting.splice(waiting.indexOf(wait), 1)
          wait.resolve()
        }
      }
    }
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk
      seen()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk
      seen()
    })
    this.#running.add(child)
    const exited = new Promise<Exit>((resolve) =>
      child.on('close', (code, signal) => {
        this.#running.delete(child)
        resolve({ code, signal, stdout, stderr })
      }),
    )
    return {
      child,
      exited,
      printed: (text) =>
        new Promise<void>((resolve, reject) => {
          waiting.push({ text, resolve })
          seen()
          void exited.then(() =>
            reject(new Error(`exited without printing ${JSON.stringify(text)}:\n${stderr}`)),
          )
        }),
      signal: (signal) => process.kill(-child.pid!, signal),
    }
  }

  /** `count` machines on the queue at once, each `jest --ci -w 2` (or in band with `-i`). */
  machines(cwd: string, count: number, args: string[] = []): Machine[] {
    const workers = args.includes('-i') ? [] : ['-w', '2']
    return Array.from({ length: count }, (_, i) =>
      this.start(cwd, [...workers, ...args], this.queueEnv(`m${i + 1}`)),
    )
  }

  snapshot(): Promise<BuildSnapshot> {
    return this.#read((store) => store.snapshot(60_000))
  }

  state(): Promise<SetupState> {
    return this.#read((store) => store.state())
  }

  async #read<T>(read: (store: RedisStore) => Promise<T>): Promise<T> {
    const store = new RedisStore({ url: REDIS_URL, build: this.build, suite: this.suite })
    try {
      return await read(store)
    } finally {
      await store.close()
    }
  }

  /** Kills machines a failed or timed-out test left running, then deletes the build's keys. */
  async cleanup(): Promise<void> {
    for (const child of this.#running) {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // Already gone between its exit and the close of its pipes.
      }
    }
    const redis = createRedisClient(REDIS_URL)
    try {
      const keys = await redis.keys(`shardless:{${this.build}}:*`)
      await redis.del(timingsKey(this.suite), ...keys)
    } finally {
      redis.disconnect()
    }
  }
}

/** The `shardless:` summary line a machine printed, for the test log. */
export function machineLine(exit: Exit): string {
  return exit.stderr.split('\n').find((line) => / ran \d+ files? /.test(line)) ?? '(no shardless line)'
}

/** The `jest` binary and version a workspace resolves (each e2e workspace depends on its own Jest major). */
export function jestOf(from: string): { bin: string; version: string } {
  const manifest = createRequire(from).resolve('jest/package.json')
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }
  return { bin: join(dirname(manifest), 'bin', 'jest.js'), version }
}
