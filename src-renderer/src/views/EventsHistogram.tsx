/** The hit histogram: matches per time bucket; dragging across it narrows the search to that range. */
import { useEffect, useRef } from 'react';
import { echarts, fmtUtc, themeColours, tooltipBase, tooltipNode } from '../charts';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { useEvents } from '../store/events';

export function EventsHistogram() {
  const histogram = useEvents((s) => s.histogram);
  const theme = useApp((s) => s.theme);
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('brushEnd', (params: unknown) => {
      const r = (params as { areas?: { coordRange?: [number, number] }[] }).areas?.[0]?.coordRange;
      const h = useEvents.getState().histogram;
      if (!r || !h || h.bucketMs === 0) return;
      // Whole buckets: what the bars showed is what the list will hold.
      const from = Math.max(h.from, h.from + Math.floor((Math.min(r[0], r[1]) - h.from) / h.bucketMs) * h.bucketMs);
      const to = Math.min(h.to, h.from + Math.ceil((Math.max(r[0], r[1]) - h.from) / h.bucketMs) * h.bucketMs);
      c.dispatchAction({ type: 'brush', areas: [] });
      if (to > from) useEvents.getState().setRange({ from, to });
    });
    c.on('click', (params: unknown) => {
      const p = params as { data?: [number, number, number] };
      const h = useEvents.getState().histogram;
      if (!p.data || !h) return;
      useEvents.getState().setRange({ from: p.data[2], to: p.data[2] + h.bucketMs });
    });
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(el);
    return () => {
      resize.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c || !histogram) return;
    const colours = themeColours();
    const h = histogram;
    const data = h.counts.map((n, i) => [h.from + (i + 0.5) * h.bucketMs, n, h.from + i * h.bucketMs]);
    c.setOption(
      {
        useUTC: true,
        animation: false,
        grid: { left: 44, right: 12, top: 8, bottom: 20 },
        xAxis: {
          type: 'time',
          min: h.from,
          max: h.to,
          axisLabel: { color: colours.muted, fontSize: 10, hideOverlap: true },
          axisLine: { lineStyle: { color: colours.border } },
          splitLine: { show: false },
        },
        yAxis: {
          type: 'value',
          minInterval: 1,
          splitNumber: 2,
          axisLabel: { color: colours.muted, fontSize: 10 },
          splitLine: { lineStyle: { color: colours.border } },
        },
        tooltip: {
          ...tooltipBase(),
          trigger: 'axis',
          axisPointer: { type: 'shadow' },
          formatter: (params: unknown) => {
            const p = (params as { data: [number, number, number] }[])[0];
            if (!p) return '';
            const start = p.data[2];
            return tooltipNode(
              `${fmtUtc(start, h.bucketMs)} – ${fmtUtc(start + h.bucketMs, h.bucketMs)}`,
              [{ name: 'matching lines', value: fmtInt(p.data[1]), colour: 0 }],
              'drag to narrow · click a bar for its lines',
            );
          },
        },
        brush: {
          xAxisIndex: 0,
          brushType: 'lineX',
          brushMode: 'single',
          transformable: false,
          brushStyle: { color: 'rgba(79,163,255,0.15)', borderColor: colours.accent, borderWidth: 1 },
        },
        toolbox: { show: false },
        series: [{ type: 'bar', data, barWidth: '92%', itemStyle: { color: colours.accent }, large: h.counts.length > 600 }],
      },
      true,
    );
    // Drag to brush, without hunting for a toolbox button.
    c.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: 'lineX', brushMode: 'single' } });
  }, [histogram, theme]);

  const h = histogram;
  return (
    <div className="events-histogram">
      <div
        ref={box}
        className="events-histogram-chart"
        data-testid="events-histogram"
        data-from={h?.from}
        data-to={h?.to}
        data-bucket-ms={h?.bucketMs}
        role="img"
        aria-label={
          h
            ? `Matches over time: ${fmtInt(h.total)} from ${fmtUtc(h.from, h.bucketMs)} to ${fmtUtc(h.to, h.bucketMs)}`
            : 'Matches over time'
        }
      />
      {h && h.total === 0 && <div className="events-histogram-empty muted small">no timed line matches</div>}
    </div>
  );
}
