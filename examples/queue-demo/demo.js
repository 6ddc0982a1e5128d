// `npm run demo`: a synthetic suite run by several machine processes through one Redis queue, one of them
// SIGKILLed mid-run, then one verdict for the build. Shows the per-machine split and what a static split costs.
import { fork } from 'node:child_process'
import { displayEntry, RedisStore } from '@shardless/queue-core'
import { syntheticSuite } from './suite.js'

const MACHINES = 4
const SLOTS = 2
const redisUrl = process.env.SHARDLESS_REDIS_URL ?? 'redis://127.0.0.1:6379'
const build = `demo-${Date.now()}`
const store = new RedisStore({ url: redisUrl, build, suite: 'demo', retryBudgetMs: 3000 })
try {
  await store.connect(3000)
} catch (error) {
  console.error(
    `${error.message}\nThe demo needs a Redis on ${redisUrl} (start one with: redis-server --daemonize yes).`,
  )
  process.exit(2)
}

const suite = syntheticSuite()
const total = suite.reduce((sum, file) => sum + file.ms, 0)
console.log(
  `shardless demo: ${suite.length} synthetic test files (${(total / 1000).toFixed(1)} s of work) on ${MACHINES} machines × ${SLOTS} slots, build ${build}\n`,
)

const start = Date.now()
const finished = new Map()
const children = Array.from({ length: MACHINES }, (_, i) => {
  const machine = `machine-${i + 1}`
  const child = fork(new URL('./machine.js', import.meta.url), {
    env: {
      ...process.env,
      DEMO_BUILD: build,
      DEMO_MACHINE: machine,
      DEMO_SLOTS: String(SLOTS),
      DEMO_REDIS_URL: redisUrl,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  child.stdout.on('data', (line) => finished.set(machine, { ...JSON.parse(line), endMs: Date.now() - start }))
  return {
    machine,
    child,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  }
})

// Kill the last machine once it is mid-file: its leases expire and the others run its files.
const victim = children.at(-1)
const killer = setInterval(async () => {
  const progress = await store.progress(5000).catch(() => null)
  if (progress && progress.done >= suite.length / 3) {
    clearInterval(killer)
    victim.child.kill('SIGKILL')
    console.log(
      `  ✗ ${victim.machine} SIGKILLed with ${progress.leased} files in flight (its leases will expire)`,
    )
  }
}, 100)
const progressLine = setInterval(async () => {
  const p = await store.progress(5000).catch(() => null)
  if (p) console.log(`  progress: ${p.done}/${p.total} done, ${p.leased} leased, ${p.pending} pending`)
}, 1000)

const exits = await Promise.all(children.map((c) => c.exited))
clearInterval(killer)
clearInterval(progressLine)
const makespan = Date.now() - start
const snap = await store.snapshot(5000)
await store.close()

console.log('\nmachine      files  busy     finished  exit')
for (const [i, { machine }] of children.entries()) {
  const ran = snap.log.filter(
    (r) =>
      r.worker === machine &&
      !r.stale &&
      (r.outcome === 'passed' || r.outcome === 'failed' || r.outcome === 'requeued'),
  )
  const busy = ran.reduce((sum, r) => sum + (r.durationMs ?? 0), 0)
  const end = finished.get(machine)?.endMs
  const exit = exits[i].signal ?? exits[i].code
  console.log(
    `${machine.padEnd(12)} ${String(ran.length).padStart(5)}  ${(busy / 1000).toFixed(1).padStart(5)} s  ${end ? `${(end / 1000).toFixed(1).padStart(6)} s` : '       —'}  ${exit}`,
  )
}

// What a static split of the same files would have cost: round-robin shards, as `--shard=i/N` by file order.
const staticShards = Array.from({ length: MACHINES }, (_, i) => suite.filter((_, j) => j % MACHINES === i))
const staticMakespan = Math.max(
  ...staticShards.map((files) =>
    lptMakespan(
      files.map((f) => f.ms),
      SLOTS,
    ),
  ),
)
const bound = Math.max(total / (MACHINES * SLOTS), ...suite.map((f) => f.ms))
const outcomes = Object.values(snap.outcomes)
const failed = outcomes.filter((o) => o !== 'passed').length
const flaky = snap.log.filter((r) => r.outcome === 'requeued').map((r) => displayEntry(r.entry))
const stale = snap.log.filter((r) => r.stale).length
const expired = snap.log.filter((r) => r.outcome === 'expired').length

const victimShard = staticShards.at(-1).length
console.log(
  `\nmakespan ${(makespan / 1000).toFixed(1)} s with one machine killed (lower bound with all ${MACHINES} alive: ${(bound / 1000).toFixed(1)} s)`,
)
console.log(
  `a static --shard=i/${MACHINES} split of the same files: ${(staticMakespan / 1000).toFixed(1)} s with every machine alive; with ${victim.machine} killed its ${victimShard} files never run`,
)
console.log(
  `leases reclaimed from the killed machine: ${expired}; duplicate results dropped: ${stale}; flaky (passed on retry): ${flaky.join(', ') || 'none'}`,
)
const complete = outcomes.length === suite.length
console.log(
  complete && failed === 0
    ? `\n✓ PASSED: ${outcomes.length}/${suite.length} files have exactly one final outcome, all passed.`
    : `\n✗ FAILED: ${outcomes.length}/${suite.length} files finished, ${failed} not passed.`,
)
process.exit(complete && failed === 0 ? 0 : 1)

/** Makespan of files on `slots` parallel slots, each free slot taking the next file. */
function lptMakespan(durations, slots) {
  const ends = Array(slots).fill(0)
  for (const ms of durations) {
    const i = ends.indexOf(Math.min(...ends))
    ends[i] += ms
  }
  return Math.max(...ends)
}
