// `npm run demo [-- --jest]`: the example suite run as three CI machines (three `vitest run` or `jest`
// processes) through one Redis queue; the third machine is SIGKILLed mid-run and loses nothing; then
// `shardless report` gives the build one verdict and writes an HTML timeline.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RedisStore } from '@shardless/queue-core'

const here = dirname(fileURLToPath(import.meta.url))
const jest = process.argv.includes('--jest')
const example = createRequire(import.meta.url).resolve(
  `@shardless/example-${jest ? 'jest' : 'vitest'}-basic/package.json`,
)
const cwd = dirname(example)
/** The executable a package declares as its bin, as the example project would find it. */
const bin = (name) => {
  const manifest = createRequire(example).resolve(`${name}/package.json`)
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'))
  return join(dirname(manifest), typeof bin === 'string' ? bin : bin[name])
}
// Two worker slots per machine, as on a typical CI runner (the default on this many cores may be one).
const command = jest ? [bin('jest'), '--ci', '--maxWorkers=2'] : [bin('vitest'), 'run', '--maxWorkers=2']
const cli = bin('shardless')

const MACHINES = 3
const redisUrl = process.env.SHARDLESS_REDIS_URL ?? 'redis://127.0.0.1:6379'
const build = `demo-${Date.now()}`
const out = join(here, 'out')
mkdirSync(out, { recursive: true })
const env = {
  ...process.env,
  SHARDLESS_REDIS_URL: redisUrl,
  SHARDLESS_BUILD: build,
  SHARDLESS_SUITE: 'demo',
  // Short leases so the killed machine's files come back within seconds.
  SHARDLESS_LEASE_MS: '3000',
  FORCE_COLOR: '0',
}

const store = new RedisStore({ url: redisUrl, build, suite: 'demo', retryBudgetMs: 3000 })
try {
  await store.connect(3000)
} catch (error) {
  console.error(
    `${error.message}\nThe demo needs a Redis on ${redisUrl} (start one with: redis-server --daemonize yes).`,
  )
  process.exit(2)
}

console.log(
  `shardless demo: examples/${jest ? 'jest' : 'vitest'}-basic on ${MACHINES} machines (${jest ? 'jest' : 'vitest run'} processes), build ${build}\n`,
)
const machines = Array.from({ length: MACHINES }, (_, i) => {
  const name = `machine-${i + 1}`
  const child = spawn(process.execPath, command, {
    cwd,
    env: { ...env, SHARDLESS_MACHINE: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  const collect = (chunk) => {
    log += chunk
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      writeFileSync(join(out, `${name}.log`), log)
      resolve({ code, signal })
    }),
  )
  return { name, child, exit, log: () => log }
})

// Kill the last machine once a third of the files are done: it holds leases that must not be lost.
const victim = machines.at(-1)
for (;;) {
  const progress = await store.progress(3000).catch(() => null)
  if (progress && progress.total > 0 && progress.done >= progress.total / 3) {
    victim.child.kill('SIGKILL')
    console.log(
      `  ✗ ${victim.name} SIGKILLed mid-run (${progress.done}/${progress.total} files done): its leases expire and the others run its files\n`,
    )
    break
  }
  if (victim.child.exitCode !== null) break
  await new Promise((resolve) => setTimeout(resolve, 100))
}

for (const machine of machines) {
  const { code, signal } = await machine.exit
  const line = machine
    .log()
    .split('\n')
    .find((l) => l.includes('shardless:') && l.includes(' ran '))
  console.log(`  ${machine.name}: ${signal ? `killed (${signal})` : `exit ${code}`}  ${line?.trim() ?? ''}`)
}
await store.close()
console.log(
  `\n  (each machine's own ${jest ? 'Jest' : 'Vitest'} output is in examples/demo/out/machine-N.log)\n`,
)

const report = spawn(
  process.execPath,
  [
    cli,
    'report',
    '--build',
    build,
    '--suite',
    'demo',
    '--html',
    join(out, 'timeline.html'),
    '--junit',
    join(out, 'junit.xml'),
  ],
  { cwd, env, stdio: 'inherit' },
)
const code = await new Promise((resolve) => report.on('exit', resolve))
console.log(
  `\n  timeline: examples/demo/out/timeline.html · JUnit: examples/demo/out/junit.xml · verdict exit code ${code}`,
)
process.exit(code)
