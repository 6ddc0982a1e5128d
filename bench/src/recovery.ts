import { randomUUID } from 'node:crypto'
import type { Timeline } from './chart.js'
import { runFleet, timeline } from './fleet.js'
import { queueFleet, recordHistory, SUITE_SEED } from './makespan.js'
import { benchBuild, deleteKeys, rawClient } from './redis.js'
import type { BenchOptions, Section } from './section.js'
import { round } from './stats.js'
import { anotherRun, generateSuite, lowerBound } from './suite.js'

const MACHINES = 4
const LEASE_MS = 2000
const HEARTBEAT_MS = Math.floor(LEASE_MS / 3)
const VICTIM = 'm2'

/**
 * SIGKILL one of four machines in the middle of a file and time how long until each file it held starts on
 * another machine, next to the same build without the kill.
 */
export async function recovery({ quick, redisUrl }: BenchOptions): Promise<Section> {
  const totalMs = quick ? 16_000 : 40_000
  const typical = generateSuite({ files: 200, totalMs, seed: SUITE_SEED })
  const suite = anotherRun(typical, 2)
  const suiteName = `bench-recovery-${randomUUID().slice(0, 8)}`
  const builds: string[] = []
  const admin = rawClient(redisUrl)
  const fleet = (label: string) => {
    const build = benchBuild(label)
    builds.push(build)
    return queueFleet(suite, MACHINES, { redisUrl, build, suite: suiteName, leaseMs: LEASE_MS })
  }
  try {
    await recordHistory(redisUrl, suiteName, anotherRun(typical, 1))
    const calm = await runFleet(fleet('calm'))
    // Kill a third of the way in, 100 ms into a file the victim has just started: mid-file by construction.
    let killMs: number | null = null
    let killScheduled = false
    const victimRunning = new Set<string>()
    let inFlight: string[] = []
    const recoveredAt = new Map<string, number>()
    const killed = await runFleet(fleet('kill'), (machine, event, control) => {
      if (machine === VICTIM && event.e === 'end') victimRunning.delete(event.file)
      if (event.e !== 'start') return
      if (machine === VICTIM) {
        victimRunning.add(event.file)
        if (!killScheduled && control.elapsed() > calm.makespanMs / 3) {
          killScheduled = true
          setTimeout(() => {
            inFlight = [...victimRunning]
            killMs = control.kill(VICTIM)
          }, 100)
        }
      } else if (killMs !== null && inFlight.includes(event.file) && !recoveredAt.has(event.file)) {
        recoveredAt.set(event.file, control.elapsed())
      }
    })
    if (killMs === null) throw new Error('the victim machine was never killed')
    const kill = killMs as number
    const latencies = inFlight.map((file) => (recoveredAt.get(file) ?? Number.NaN) - kill)
    const completed = new Set(
      killed.machines.flatMap((m) => m.files.filter((f) => f.endMs !== null).map((f) => f.file)),
    )
    const added = killed.makespanMs - calm.makespanMs
    const worst = Math.max(...latencies)
    const rows = [
      ['kill at', `${round(kill / 1000, 2)} s`],
      ['files in flight on the killed machine', inFlight.length],
      ['restart latency per file (ms)', latencies.map((l) => round(l)).join(', ')],
      ['target: lease + one heartbeat', `${LEASE_MS + HEARTBEAT_MS} ms`],
      ['makespan without kill', `${round(calm.makespanMs / 1000, 2)} s`],
      ['makespan with kill', `${round(killed.makespanMs / 1000, 2)} s`],
      ['added makespan', `${round(added / 1000, 2)} s`],
      ['files completed', `${completed.size}/${suite.length}`],
    ]
    const timelines: Timeline[] = [
      timeline(
        `shardless warm, ${VICTIM} SIGKILLed at ${round(kill / 1000, 2)} s`,
        killed,
        lowerBound(suite, MACHINES * 2),
      ),
    ]
    return {
      id: 'recovery',
      title: 'Recovery latency (SIGKILL mid-file)',
      method: `The makespan suite (Σ ${totalMs / 1000} s, warm history) on ${MACHINES} machine processes × 2 slots, lease ${LEASE_MS} ms, heartbeat ${HEARTBEAT_MS} ms. Once a third of the calm run's makespan has passed, ${VICTIM} is SIGKILLed 100 ms into a file it has just started. Restart latency = from the kill until each file it held starts on another machine (its lease must expire, then a free slot's reserve reclaims it). Added makespan compares with the same build without the kill, in the same run.`,
      table: { columns: ['measure', 'value'], rows },
      json: {
        machines: MACHINES,
        leaseMs: LEASE_MS,
        heartbeatMs: HEARTBEAT_MS,
        killMs: round(kill),
        restartLatencyMs: latencies.map((l) => round(l)),
        worstRestartMs: round(worst),
        targetMs: LEASE_MS + HEARTBEAT_MS,
        calmMakespanMs: round(calm.makespanMs),
        killedMakespanMs: round(killed.makespanMs),
        addedMakespanMs: round(added),
        filesCompleted: completed.size,
        files: suite.length,
      },
      notes: [],
      timelines,
      targets: [
        {
          target: `a killed machine's files restart elsewhere within lease + one heartbeat (${LEASE_MS + HEARTBEAT_MS} ms)`,
          measured: `${latencies.map((l) => round(l)).join(', ')} ms`,
          met: worst <= LEASE_MS + HEARTBEAT_MS,
        },
      ],
    }
  } finally {
    await deleteKeys(admin, builds, [suiteName])
    admin.disconnect()
  }
}
