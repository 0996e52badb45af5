/**
 * An SVG line chart written by hand (no external service or library): committed TPS and p99
 * latency against offered load, one line per configuration, two panels side by side.
 */

/** One configuration's points: offered load → committed TPS and p99 latency (ms). */
export interface ChartSeries {
  readonly name: string
  readonly points: readonly {
    readonly offeredTPS: number
    readonly committedTPS: number
    readonly p99Ms: number
  }[]
}

/** Most series one chart draws (the palette cycles after that, so more would be unreadable). */
export const CHART_SERIES_MAX = 16

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf']

/** Escapes text for an SVG text node or attribute. */
export function escapeXML(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1
  const exp = 10 ** Math.floor(Math.log10(max))
  for (const m of [1, 2, 5, 10]) if (m * exp >= max) return m * exp
  return 10 * exp
}

const W = 940
const H = 420
const PANEL_W = 380
const PANEL_H = 280
const TOP = 60

interface Panel {
  readonly x0: number
  readonly title: string
  readonly yLabel: string
  readonly value: (p: ChartSeries['points'][number]) => number
}

/** The chart as an SVG document. */
export function tpsLatencyChart(title: string, series: readonly ChartSeries[]): string {
  if (series.length > CHART_SERIES_MAX)
    throw new Error(`tpsLatencyChart: expected at most ${CHART_SERIES_MAX} series, got ${series.length}`)
  const all = series.flatMap((s) => s.points)
  const xMax = niceMax(Math.max(0, ...all.map((p) => p.offeredTPS)))
  const panels: Panel[] = [
    { x0: 70, title: 'Committed TPS', yLabel: 'TPS', value: (p) => p.committedTPS },
    { x0: 70 + PANEL_W + 70, title: 'p99 submit-to-commit latency', yLabel: 'ms', value: (p) => p.p99Ms },
  ]
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXML(title)}">`,
    `<title>${escapeXML(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXML(title)}</text>`,
  ]
  for (const panel of panels) {
    const values = all.map(panel.value).filter(Number.isFinite)
    const yMax = niceMax(Math.max(0, ...values))
    const sx = (x: number) => panel.x0 + (x / xMax) * PANEL_W
    const sy = (y: number) => TOP + PANEL_H - (y / yMax) * PANEL_H
    out.push(
      `<text x="${panel.x0 + PANEL_W / 2}" y="${TOP - 12}" text-anchor="middle" font-weight="bold">${escapeXML(panel.title)}</text>`,
      `<line x1="${panel.x0}" y1="${TOP + PANEL_H}" x2="${panel.x0 + PANEL_W}" y2="${TOP + PANEL_H}" stroke="#333"/>`,
      `<line x1="${panel.x0}" y1="${TOP}" x2="${panel.x0}" y2="${TOP + PANEL_H}" stroke="#333"/>`,
    )
    for (let k = 0; k <= 5; k++) {
      const xv = (xMax * k) / 5
      const yv = (yMax * k) / 5
      out.push(
        `<text x="${sx(xv).toFixed(1)}" y="${TOP + PANEL_H + 16}" text-anchor="middle">${tick(xv)}</text>`,
        `<line x1="${panel.x0}" y1="${sy(yv).toFixed(1)}" x2="${panel.x0 + PANEL_W}" y2="${sy(yv).toFixed(1)}" stroke="#e5e5e5"/>`,
        `<text x="${panel.x0 - 6}" y="${(sy(yv) + 4).toFixed(1)}" text-anchor="end">${tick(yv)}</text>`,
      )
    }
    out.push(
      `<text x="${panel.x0 + PANEL_W / 2}" y="${TOP + PANEL_H + 34}" text-anchor="middle">offered load (tx/s)</text>`,
      `<text x="${panel.x0 - 50}" y="${TOP + PANEL_H / 2}" text-anchor="middle" transform="rotate(-90 ${panel.x0 - 50} ${TOP + PANEL_H / 2})">${panel.yLabel}</text>`,
    )
    for (const [i, s] of series.entries()) {
      const color = PALETTE[i % PALETTE.length] as string
      const pts = [...s.points]
        .sort((a, b) => a.offeredTPS - b.offeredTPS)
        .filter((p) => Number.isFinite(panel.value(p)))
        .map((p) => `${sx(p.offeredTPS).toFixed(1)},${sy(panel.value(p)).toFixed(1)}`)
      if (pts.length > 1)
        out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`)
      for (const p of pts) {
        const [cx, cy] = p.split(',')
        out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`)
      }
    }
  }
  // Legend under the panels.
  for (const [i, s] of series.entries()) {
    const x = 70 + (i % 4) * 200
    const y = TOP + PANEL_H + 56 + Math.floor(i / 4) * 16
    const color = PALETTE[i % PALETTE.length] as string
    out.push(
      `<rect x="${x}" y="${y - 9}" width="12" height="10" fill="${color}"/>`,
      `<text x="${x + 16}" y="${y}">${escapeXML(s.name)}</text>`,
    )
  }
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

function tick(v: number): string {
  if (v >= 10_000) return `${(v / 1000).toFixed(0)}k`
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k`
  return Number.isInteger(v) ? String(v) : v.toFixed(1)
}
