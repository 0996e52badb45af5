import { describe, expect, it } from 'vitest'
import { escapeCell, fmt, markdownTable } from '../src/markdown.js'
import { renderBar } from '../src/progress.js'
import { CHART_SERIES_MAX, type ChartSeries, escapeXML, niceMax, tpsLatencyChart } from '../src/svg.js'

describe('markdownTable', () => {
  it('pads cells, right-aligns numeric columns and escapes pipes', () => {
    const t = markdownTable(
      [{ header: 'chain' }, { header: 'TPS', align: 'right' }],
      [
        ['pbft-4', '1,234'],
        ['a|b', '5'],
      ],
    )
    expect(t).toBe(
      ['| chain  |   TPS |', '|--------|------:|', '| pbft-4 | 1,234 |', '| a\\|b   |     5 |'].join('\n'),
    )
  })
  it('refuses a row with the wrong number of cells and an empty column list', () => {
    expect(() => markdownTable([{ header: 'a' }], [['1', '2']])).toThrow('row 0: expected 1 cells, got 2')
    expect(() => markdownTable([], [])).toThrow('expected at least one column')
  })
  it('formats numbers and missing figures', () => {
    expect(fmt(12345.678)).toBe('12,346')
    expect(fmt(1.25, 1)).toBe('1.3')
    expect(fmt(Number.NaN)).toBe('—')
    expect(fmt(undefined)).toBe('—')
    expect(escapeCell('x\ny')).toBe('x y')
  })
})

describe('tpsLatencyChart', () => {
  const series: ChartSeries[] = [
    {
      name: 'pbft <4>',
      points: [
        { offeredTPS: 200, committedTPS: 190, p99Ms: 400 },
        { offeredTPS: 100, committedTPS: 100, p99Ms: 200 },
      ],
    },
    { name: 'raft', points: [{ offeredTPS: 100, committedTPS: 95, p99Ms: Number.NaN }] },
  ]
  const svg = tpsLatencyChart('A & B', series)
  it('is one svg document with balanced elements and escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('<title>A &amp; B</title>')
    expect(svg).toContain('pbft &lt;4&gt;')
    expect(svg.match(/<text/g)?.length).toBe(svg.match(/<\/text>/g)?.length)
    expect(svg).not.toContain('NaN')
  })
  it('draws each series sorted by offered load on scaled axes', () => {
    // x axis: niceMax(200) = 200 over 380 px from x0 = 70; TPS panel y: niceMax(190) = 200 over 280 px from 60.
    // (100, 100) → x 70 + 190 = 260, y 60 + 280 − 140 = 200; (200, 190) → x 450, y 60 + 280 − 266 = 74.
    expect(svg).toContain('points="260.0,200.0 450.0,74.0"')
    // Latency panel starts at x0 = 520: niceMax(400) = 500 → 200 ms at y 60 + 280 − 112 = 228.
    expect(svg).toContain('points="710.0,228.0 900.0,116.0"')
    // The NaN latency point of "raft" is left out of the latency panel but kept in the TPS panel.
    expect(svg.match(/<circle/g)?.length).toBe(2 + 2 + 1)
  })
  it('has helpers that hold their contracts', () => {
    expect(niceMax(0)).toBe(1)
    expect(niceMax(190)).toBe(200)
    expect(niceMax(201)).toBe(500)
    expect(niceMax(1000)).toBe(1000)
    expect(niceMax(1001)).toBe(2000)
    expect(escapeXML(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;')
  })
  it('refuses more than CHART_SERIES_MAX series', () => {
    const many = Array.from({ length: CHART_SERIES_MAX + 1 }, (_, i) => ({ name: `s${i}`, points: [] }))
    expect(() => tpsLatencyChart('x', many)).toThrow(`expected at most ${CHART_SERIES_MAX} series, got 17`)
  })
})

describe('progress bar', () => {
  it('renders the share done', () => {
    expect(renderBar(0, 4, 'start', 8)).toBe('[--------] 0/4 start')
    expect(renderBar(1, 4, 'x', 8)).toBe('[##------] 1/4 x')
    expect(renderBar(9, 4, 'over', 8)).toBe('[########] 9/4 over')
  })
})
