import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  createRedisClient,
  drain,
  entryId,
  type FilePayload,
  joinBuild,
  type QueuePolicy,
  RedisStore,
  type RunResult,
  type TestCaseResult,
  timingsKey,
} from '@shardless/queue-core'
import { afterEach } from 'vitest'

export const REDIS_URL = process.env.SHARDLESS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const SUITE = 'cli-test'
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

/** A synthetic test file: its tests and how each attempt of it goes. */
export interface FakeFile {
  file: string
  project?: string
  tests?: Partial<TestCaseResult>[]
  /** Fails on its first attempt, passes on the retry (with requeue budget). */
  flaky?: boolean
  durationMs?: number
  /** The framework's own result the adapter acks along (Jest: the TestResult, coverage included). */
  raw?: unknown
}

export function newBuild(): string {
  return `test-${randomUUID()}`
}

export function openStore(build: string): RedisStore {
  return new RedisStore({ url: REDIS_URL, build, suite: SUITE })
}

export const POLICY = {
  maxRequeues: 1,
  requeueTolerance: 1,
  maxFailures: 0,
  maxAttempts: 3,
  maxTestMs: 0,
} satisfies Omit<QueuePolicy, 'requeueBudget'> & { requeueTolerance: number }

export function payloadFor(
  file: FakeFile,
  failing: boolean,
  framework: 'vitest' | 'jest' = 'vitest',
): FilePayload {
  const tests: TestCaseResult[] = (file.tests ?? [{ name: 'works' }]).map((t) => ({
    name: t.name ?? 'works',
    status:
      failing && t.status === 'failed' ? 'failed' : t.status === 'failed' ? 'passed' : (t.status ?? 'passed'),
    durationMs: t.durationMs ?? 1,
    failureMessages:
      failing && t.status === 'failed' ? (t.failureMessages ?? ['AssertionError: expected 1 to be 2']) : [],
  }))
  const failed = tests.some((t) => t.status === 'failed')
  return {
    v: 1,
    framework,
    frameworkVersion: framework === 'vitest' ? '4.1.0' : '30.0.0',
    project: file.project ?? '',
    file: file.file,
    outcome: failed ? 'failed' : tests.every((t) => t.status === 'skipped') ? 'skipped' : 'passed',
    durationMs: file.durationMs ?? 5,
    tests,
    ...(file.raw === undefined ? {} : { raw: file.raw }),
  }
}

/**
 * Runs a whole build the way adapters do: every machine joins (one populates), then drains with `slots` slots,
 * each run returning a FilePayload. A file with a failed test fails every attempt; a flaky one only its first.
 */
export async function runBuild(
  build: string,
  files: FakeFile[],
  options: {
    machines?: string[]
    slots?: number
    framework?: 'vitest' | 'jest'
    policy?: Partial<typeof POLICY>
  } = {},
): Promise<void> {
  const { machines = ['m1', 'm2'], slots = 2, framework = 'vitest' } = options
  const byId = new Map(files.map((f) => [entryId(f.project ?? '', f.file), f]))
  await Promise.all(
    machines.map(async (machine) => {
      const store = openStore(build)
      try {
        await joinBuild(store, {
          machine,
          entries: [...byId.keys()].map((id) => ({ id, weight: byId.get(id)!.durationMs ?? 5 })),
          policy: { ...POLICY, ...options.policy },
        })
        await drain({
          store,
          worker: machine,
          concurrency: slots,
          leaseMs: 5000,
          run: async ({ entry, retry }): Promise<RunResult> => {
            const file = byId.get(entry)!
            const failing = file.flaky ? !retry : true
            const payload = payloadFor(file, failing, framework)
            await new Promise((resolve) => setTimeout(resolve, file.durationMs ?? 5))
            return {
              outcome: payload.outcome,
              durationMs: file.durationMs ?? 5,
              payload: JSON.stringify(payload),
            }
          },
        })
      } finally {
        await store.close()
      }
    }),
  )
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI as a child process (CI=true: plain progress lines, no colour). */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  return started(args, env, cwd).result
}

/** The CLI as a running child: `stderrSeen(text)` resolves once its stderr shows `text`. */
export function started(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  let stderr = ''
  const waiters: { text: string; resolve: () => void }[] = []
  let child: ReturnType<typeof execFile>
  const result = new Promise<CliResult>((resolve) => {
    child = execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd,
        env: { PATH: process.env.PATH, CI: 'true', NO_COLOR: '1', SHARDLESS_SUITE: SUITE, ...env },
        timeout: 50_000,
      },
      (error, stdout, stderrText) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr: stderrText })
      },
    )
    child.stderr!.on('data', (chunk) => {
      stderr += chunk
      for (const waiter of waiters.filter((w) => stderr.includes(w.text))) waiter.resolve()
    })
  })
  const stderrSeen = (text: string) =>
    new Promise<void>((resolve) => {
      if (stderr.includes(text)) resolve()
      else waiters.push({ text, resolve })
    })
  return { result, stderrSeen }
}

/** Deletes every key of a build (all suites), and the test suite's timing history its report recorded. */
export async function cleanup(build: string): Promise<void> {
  const client = createRedisClient(REDIS_URL)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `shardless:{${build}}:*`, 'COUNT', 1000)
      if (keys.length) await client.del(...keys)
      cursor = next
    } while (cursor !== '0')
    await client.del(timingsKey(SUITE))
  } finally {
    client.disconnect()
  }
}

/** Populates a build without draining it (a machine that set up the queue and then vanished). */
export async function populate(
  build: string,
  files: FakeFile[],
  policy: Partial<typeof POLICY> = {},
): Promise<void> {
  const store = openStore(build)
  try {
    await joinBuild(store, {
      machine: 'leader',
      entries: files.map((f) => ({ id: entryId(f.project ?? '', f.file), weight: f.durationMs ?? 5 })),
      policy: { ...POLICY, ...policy },
    })
  } finally {
    await store.close()
  }
}

/** A machine that registers, leases the next entry and then never heartbeats or acks again (SIGKILLed). */
export async function ghostLease(build: string, worker: string, leaseMs: number) {
  const store = openStore(build)
  try {
    await store.workerAlive(worker, JSON.stringify({ host: 'ghost', slots: 1 }))
    const reply = await store.reserve({
      caller: `${worker}#0`,
      requestId: randomUUID(),
      worker,
      count: 1,
      leaseMs,
    })
    if (reply.status !== 'leased') throw new Error(`ghost ${worker} got ${reply.status}`)
    return reply.leases[0]!
  } finally {
    await store.close()
  }
}

/** Returns `track(build)`, which deletes each tracked build's keys after every test of the calling file. */
export function trackBuilds(): (build: string) => string {
  const builds: string[] = []
  afterEach(async () => {
    await Promise.all(builds.splice(0).map(cleanup))
  })
  return (build) => {
    builds.push(build)
    return build
  }
}
