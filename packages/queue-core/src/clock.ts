/** Time as queue-core sees it: injectable so tests drive leases and backoff without real sleeps. */
export interface Clock {
  now(): number
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
      function done() {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
    }),
}

/** A clock that only moves when told to; sleepers wake as `advance` passes their deadline. */
export class ManualClock implements Clock {
  private sleepers: { at: number; wake: () => void }[] = []
  constructor(private time = 1_700_000_000_000) {}
  now() {
    return this.time
  }
  sleep(ms: number, signal?: AbortSignal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve()
      const wake = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper)
        signal?.removeEventListener('abort', wake)
        resolve()
      }
      const sleeper = { at: this.time + ms, wake }
      this.sleepers.push(sleeper)
      signal?.addEventListener('abort', wake, { once: true })
    })
  }
  /** Moves time forward and wakes every sleeper whose deadline passed, letting their continuations run. */
  async advance(ms: number) {
    this.time += ms
    const due = this.sleepers.filter((s) => s.at <= this.time)
    this.sleepers = this.sleepers.filter((s) => s.at > this.time)
    for (const sleeper of due) sleeper.wake()
    await new Promise((resolve) => setImmediate(resolve))
  }
  get pendingSleepers() {
    return this.sleepers.length
  }
}
