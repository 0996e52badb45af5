import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'

/** The TPS-over-time chart (uPlot), with a text summary for screen readers. */
export function TpsChart(props: { readonly data: [number[], number[], number[]]; readonly average: number }) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)

  useEffect(() => {
    const el = box.current
    if (el === null) return
    const width = () => Math.max(240, el.clientWidth)
    const p = new uPlot(
      {
        width: width(),
        height: 220,
        scales: {
          // One sample has no span: show the minute up to it instead of uPlot's default of years.
          x: { time: true, range: (_u, min, max) => (min === max ? [min - 60, max + 1] : [min, max]) },
          tps: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [{}, { scale: 'tps', label: 'tx/s' }],
        series: [
          {},
          { label: 'TPS', scale: 'tps', stroke: '#2463eb', width: 2, fill: 'rgba(36,99,235,0.12)' },
        ],
        legend: { show: true },
      },
      [[], []],
      el,
    )
    plot.current = p
    const observer = new ResizeObserver(() => p.setSize({ width: width(), height: 220 }))
    observer.observe(el)
    return () => {
      observer.disconnect()
      p.destroy()
      plot.current = undefined
    }
  }, [])

  useEffect(() => {
    plot.current?.setData([props.data[0], props.data[1]])
  }, [props.data])

  const last = props.data[1][props.data[1].length - 1]
  return (
    <figure class="chart">
      <div
        ref={box}
        role="img"
        aria-label={`Transactions per second over time; latest ${last?.toFixed(1) ?? '0'}`}
      />
      <figcaption>
        TPS over the last {props.data[0].length} samples: latest {last?.toFixed(1) ?? '0'} tx/s, average{' '}
        {props.average.toFixed(1)} tx/s
      </figcaption>
    </figure>
  )
}
