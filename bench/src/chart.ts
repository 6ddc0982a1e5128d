/** One run's per-machine timeline: every file as a bar on its machine's slot lane, times from the common start. */
export interface Timeline {
  label: string
  makespanMs: number
  machines: {
    name: string
    killedMs?: number | null
    files: { slot: number; startMs: number; endMs: number }[]
  }[]
}
