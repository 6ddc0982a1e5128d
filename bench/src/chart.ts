/** One run's per-machine timeline: every file as a bar on its machine's slot lane, times from the common start. */
export interface Timeline {
  label: string
  makespanMs: number
  lowerBoundMs?: number
  machines: {
    name: string
    killedMs?: number | null
    /** `cut`: interrupted by the kill; `rerun`: a cut file running again elsewhere. */
    files: { slot: number; startMs: number; endMs: number; mark?: 'cut' | 'rerun' }[]
  }[]
}

const WIDTH = 960
const LEFT = 48
const RIGHT = 16
const LANE = 6
const MACHINE_GAP = 5
const PANEL_HEAD = 34
const PANEL_FOOT = 26

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/**
 * Hand-written SVG: one panel per run, machines as rows of slot lanes, files as bars, all panels on one time
 * scale so a static split's ragged right edge and the queue's straight one can be compared by eye.
 */
export function renderChart(timelines: Timeline[]): string {
  const slots = Math.max(
    1,
    ...timelines.flatMap((t) => t.machines.flatMap((m) => m.files.map((f) => f.slot + 1))),
  )
  const maxMs = Math.max(...timelines.map((t) => t.makespanMs)) * 1.04
  const x = (ms: number) => LEFT + (ms / maxMs) * (WIDTH - LEFT - RIGHT)
  const tickStep = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60].find((s) => maxMs / 1000 / s <= 12) ?? 60
  const parts: string[] = []
  let y = 0
  for (const timeline of timelines) {
    const rowHeight = slots * LANE + MACHINE_GAP
    const plotTop = y + PANEL_HEAD
    const plotHeight = timeline.machines.length * rowHeight
    parts.push(
      `<text x="${LEFT}" y="${y + 20}" class="title">${xml(timeline.label)} — makespan ${(timeline.makespanMs / 1000).toFixed(2)} s</text>`,
    )
    for (let s = 0; s * 1000 <= maxMs; s += tickStep) {
      const tx = x(s * 1000).toFixed(1)
      parts.push(`<line x1="${tx}" x2="${tx}" y1="${plotTop}" y2="${plotTop + plotHeight}" class="grid"/>`)
      parts.push(`<text x="${tx}" y="${plotTop + plotHeight + 14}" class="tick">${s} s</text>`)
    }
    for (const [row, machine] of timeline.machines.entries()) {
      const top = plotTop + row * rowHeight
      parts.push(
        `<text x="${LEFT - 6}" y="${top + (slots * LANE) / 2 + 4}" class="machine">${xml(machine.name)}</text>`,
      )
      for (const file of machine.files) {
        const x1 = x(file.startMs)
        const width = Math.max(0.5, x(file.endMs) - x1)
        parts.push(
          `<rect x="${x1.toFixed(1)}" y="${top + file.slot * LANE}" width="${width.toFixed(1)}" height="${LANE - 1}" class="file${file.mark ? ` ${file.mark}` : ''}"/>`,
        )
      }
      if (machine.killedMs != null) {
        const kx = x(machine.killedMs).toFixed(1)
        parts.push(`<text x="${kx}" y="${top + (slots * LANE) / 2 + 4}" class="kill">✕ SIGKILL</text>`)
      }
    }
    const mx = x(timeline.makespanMs).toFixed(1)
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${plotTop - 4}" y2="${plotTop + plotHeight}" class="makespan"/>`,
    )
    if (timeline.lowerBoundMs !== undefined) {
      const lx = x(timeline.lowerBoundMs).toFixed(1)
      parts.push(
        `<line x1="${lx}" x2="${lx}" y1="${plotTop - 4}" y2="${plotTop + plotHeight}" class="bound"/>`,
      )
    }
    y = plotTop + plotHeight + PANEL_FOOT
  }
  const legend = `<text x="${LEFT}" y="${y + 4}" class="tick">bars: test files on each machine's ${slots} slots (red: cut by the kill, orange: the same file run again elsewhere) · red line: makespan · dashed: lower bound max(Σd ÷ slots, longest file)</text>`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 16}" viewBox="0 0 ${WIDTH} ${y + 16}" font-family="system-ui, sans-serif">
<style>
.title { font-size: 13px; font-weight: 600; fill: #222 }
.tick { font-size: 10px; fill: #666 }
.machine { font-size: 10px; fill: #444; text-anchor: end }
.grid { stroke: #e5e5e5 }
.file { fill: #4c78a8; stroke: #fff; stroke-width: 0.6 }
.cut { fill: #d62728 }
.rerun { fill: #ff7f0e }
.makespan { stroke: #d62728; stroke-width: 1.5 }
.bound { stroke: #2ca02c; stroke-width: 1.2; stroke-dasharray: 4 3 }
.kill { font-size: 10px; fill: #d62728; font-weight: 600 }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
${legend}
</svg>
`
}
