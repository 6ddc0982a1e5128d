import { displayEntry } from '@shardless/queue-core'
import type { Attempt, BuildReport } from '../model.js'
import type { Verdict } from '../verdict.js'
import { duration } from './format.js'

/**
 * A self-contained timeline page (inline CSS, no scripts, no network): one lane per machine slot, one bar per
 * file attempt, coloured by outcome, with the file, outcome and duration in the bar's hover title.
 */
export function renderHtml(report: BuildReport, verdict: Verdict): string {
  const start = report.startedAt ?? 0
  const span = Math.max(1, (report.finishedAt ?? start) - start)
  const pct = (ms: number) => `${((ms / span) * 100).toFixed(3)}%`
  const bar = (entry: string, kind: string, from: number, to: number, title: string) =>
    `<div class="bar ${kind}" data-entry="${esc(entry)}" data-outcome="${kind}" style="left:${pct(from - start)};width:${pct(to - from)}" title="${esc(title)}"></div>`
  const byMachine = new Map(report.machines.map((m) => [m.name, [] as Attempt[]]))
  for (const a of report.attempts) if (a.worker !== null && a.lane !== null) byMachine.get(a.worker)?.push(a)

  const machines = report.machines.map((m) => {
    const runs = byMachine.get(m.name) ?? []
    const laneCount = Math.max(
      m.slots,
      runs.reduce((n, a) => Math.max(n, a.lane! + 1), 1),
    )
    const lanes = Array.from({ length: laneCount }, (_, lane) => {
      const bars = runs
        .filter((a) => a.lane === lane)
        .map((a) => {
          const kind = a.stale ? 'stale' : a.outcome
          const what =
            a.outcome === 'expired'
              ? `expired: ${m.name} stopped heartbeating; held until reclaimed after ${duration(a.end - a.start!)}`
              : `${a.stale ? `${a.outcome}, dropped (lease reclaimed)` : a.outcome} · ${duration(a.durationMs ?? a.end - a.start!)}`
          return bar(
            a.entry,
            kind,
            a.start!,
            a.end,
            `${displayEntry(a.entry)}\n${what} · attempt ${a.attempt} · ${m.name} slot ${lane + 1}`,
          )
        })
      return `<div class="lane" data-machine="${esc(m.name)}" data-lane="${lane}"><span class="label">${esc(m.name)} #${lane + 1}</span><div class="track">${bars.join('')}</div></div>`
    })
    return `<section class="machine" data-machine="${esc(m.name)}"><h2>${esc(m.name)} <small>${m.files} files · ${duration(m.busyMs)} busy${m.exited ? '' : ' · no exit record'}</small></h2>${lanes.join('')}</section>`
  })

  const untimed = report.attempts.filter((a) => a.lane === null && a.outcome !== 'lost')
  const ticks = Array.from(
    { length: 11 },
    (_, i) => `<span style="left:${i * 10}%">${duration((span * i) / 10)}</span>`,
  )
  const status = verdict.exitCode === 0 ? 'pass' : 'fail'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>shardless · ${esc(report.build)} · ${esc(verdict.status)}</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:18px;margin:0 0 4px}h2{font-size:13px;margin:14px 0 4px}small{color:#656d76;font-weight:normal}
.verdict{padding:6px 10px;border-radius:6px;display:inline-block;margin:6px 0 14px}.verdict.pass{background:#dafbe1}.verdict.fail{background:#ffebe9}
.lane{display:flex;align-items:center;height:18px;margin:2px 0}.label{width:140px;flex:none;color:#656d76;font-size:11px;overflow:hidden;white-space:nowrap}
.track{position:relative;flex:1;height:14px;background:#f6f8fa;border-radius:3px}
.bar{position:absolute;top:0;height:14px;min-width:2px;border-radius:2px;box-sizing:border-box;border-right:1px solid #fff}
.bar.passed{background:#2da44e}.bar.failed{background:#cf222e}.bar.skipped{background:#8c959f}.bar.requeued{background:#bf8700}
.bar.expired{background:#6e7781}.bar.stale{background:repeating-linear-gradient(45deg,#8250df,#8250df 3px,#c297ff 3px,#c297ff 6px)}
.axis{position:relative;height:16px;margin-left:140px;color:#656d76;font-size:10px}.axis span{position:absolute;transform:translateX(-50%)}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
table{border-collapse:collapse;margin-top:8px}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}
</style>
</head>
<body>
<h1>shardless timeline <small>build ${esc(report.build)} · suite ${esc(report.suite)}${report.framework ? ` · ${esc(report.framework)} ${esc(report.frameworkVersion ?? '')}` : ''}</small></h1>
<div class="verdict ${status}">${esc(verdict.headline)} (exit ${verdict.exitCode}) · ${duration(report.wallMs)} wall · ${report.machines.length} machines</div>
<div class="legend">${['passed', 'failed', 'skipped', 'requeued', 'stale', 'expired'].map((k) => `<span><i class="bar ${k}" style="position:static"></i>${k === 'stale' ? 'duplicate (dropped)' : k === 'requeued' ? 'failed, retried elsewhere' : k}</span>`).join('')}</div>
<div class="axis">${ticks.join('')}</div>
<div class="timeline">
${machines.join('\n')}
</div>
${untimed.length ? `<h2>Attempts without a known start</h2><table><tr><th>file</th><th>machine</th><th>outcome</th><th>attempt</th></tr>${untimed.map((a) => `<tr><td>${esc(displayEntry(a.entry))}</td><td>${esc(a.worker ?? '')}</td><td>${a.outcome}</td><td>${a.attempt}</td></tr>`).join('')}</table>` : ''}
</body>
</html>
`
}

function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll('\0', '\\0')
}
