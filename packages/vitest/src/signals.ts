import { constants } from 'node:os'

const SIGNALS = ['SIGTERM', 'SIGINT'] as const
/** A handback stuck longer than this (Redis gone, a worker that will not die) must not keep the machine alive. */
const HANDBACK_LIMIT_MS = 10_000

/**
 * SIGTERM/SIGINT while the queue drains: Vitest's own handler exits the process 1 ms after the signal, before
 * in-flight leases could be handed back over Redis. This takes over both signals, aborts `signal`, and on
 * `release()` restores Vitest's handlers and replays the signal to them.
 */
export function holdSignals(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController()
  const held = new Map(SIGNALS.map((name) => [name, process.rawListeners(name) as NodeJS.SignalsListener[]]))
  let received: NodeJS.Signals | null = null
  const onSignal = (name: NodeJS.Signals) => {
    received ??= name
    controller.abort(new Error(`shardless: ${name} received; handing leases back`))
    setTimeout(release, HANDBACK_LIMIT_MS).unref()
  }
  for (const name of SIGNALS) {
    process.removeAllListeners(name)
    process.on(name, onSignal)
  }
  let released = false
  function release() {
    if (released) return
    released = true
    for (const name of SIGNALS) {
      process.off(name, onSignal)
      for (const listener of held.get(name)!) process.on(name, listener)
    }
    // Listeners get the name and the number (Vitest derives its exit code, 128 + number, from it).
    const emit = process.emit.bind(process) as (event: string, ...args: unknown[]) => boolean
    if (received) emit(received, received, constants.signals[received])
  }
  return { signal: controller.signal, release }
}
