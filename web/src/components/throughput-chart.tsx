import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  /** One count per minute, oldest first, aligned with `minutes`. */
  values: number[];
}

/** Counts per minute as bars; `minutes` are the starts of the minutes in ms. */
export function ThroughputChart(props: { minutes: number[]; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: props.height ?? 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: (_u, min, max) => [min - 45, max + 45] }, y: { range: (_u, _min, max) => [0, Math.max(5, max * 1.1)] } },
      axes: [{}, { label: 'per minute', size: 50 }],
      // Bars side by side in each minute: the first series left of the tick, the second right of it.
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: s.color,
          fill: s.color + 'aa',
          width: 1,
          points: { show: false },
          paths: uPlot.paths.bars!({ size: [0.4, 12], align: i % 2 === 0 ? -1 : 1 }),
        })),
      ],
    };
    const p = new uPlot(opts, [props.minutes.map((m) => m / 1000), ...props.series.map((s) => s.values)], el);
    plot.current = p;
    const ro = new ResizeObserver(() => p.setSize({ width: el.clientWidth || 600, height: props.height ?? 180 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      p.destroy();
      plot.current = null;
    };
  }, [shape, props.height]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    plot.current?.setData([props.minutes.map((m) => m / 1000), ...props.series.map((s) => s.values)]);
  }, [props.minutes, props.series]);

  return <div className="chart" ref={box} />;
}
