/**
 * Timelines: each anomaly detector's score over event time with its threshold and the alerts it
 * raised; zoom and brush over time, and the events of the brushed interval below.
 */
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { BrushComponent, DataZoomComponent, GridComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';
import type { EventRow, Timeline } from '../../../src-shared/dto';
import { api } from '../api';
import { fmtInt, fmtTime } from '../format';
import { useApp } from '../store/app';

echarts.use([LineChart, ScatterChart, BarChart, GridComponent, TooltipComponent, DataZoomComponent, BrushComponent, TitleComponent, CanvasRenderer]);

const DETECTORS = ['blend', 'holt_winters', 'cusum', 'hst', 'markov'] as const;
const LABEL: Record<string, string> = {
  blend: 'Blended score',
  holt_winters: 'Holt-Winters (counts)',
  cusum: 'CUSUM (change points)',
  hst: 'Half-Space Trees (content)',
  markov: 'Markov (sequences)',
};

export function TimelinesView() {
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [sourceType, setSourceType] = useState<string | undefined>(undefined);
  const [range, setRange] = useState<[number, number] | null>(null);
  const [events, setEvents] = useState<{ rows: EventRow[]; total: number } | null>(null);
  const showError = useApp((s) => s.showError);
  const theme = useApp((s) => s.theme);
  const chartRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    api()
      .call('timelines.get', sourceType ? { sourceType } : {})
      .then(setTimeline, showError);
  }, [sourceType, showError]);

  useEffect(() => {
    if (!range) return;
    api()
      .call('events.search', { from: Math.floor(range[0]), to: Math.ceil(range[1]), limit: 200 })
      .then((p) => setEvents({ rows: p.rows, total: p.total }), showError);
  }, [range, showError]);

  useEffect(() => {
    const el = chartRef.current;
    if (!el || !timeline || timeline.series.length === 0) return;
    const chart = echarts.init(el, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
    const present = DETECTORS.filter((d) => timeline.series.some((s) => s.detector === d));
    const height = 100 / present.length;
    const grids = present.map((_, i) => ({ left: 60, right: 24, top: `${i * height + 4}%`, height: `${height - 8}%` }));
    const series: echarts.EChartsCoreOption[] = [];
    present.forEach((d, i) => {
      const s = timeline.series.find((x) => x.detector === d)!;
      series.push({ name: LABEL[d], type: 'line', xAxisIndex: i, yAxisIndex: i, showSymbol: false, sampling: 'lttb', data: s.points.map((p) => [p[0], p[1]]), lineStyle: { width: 1 } });
      series.push({
        name: `${LABEL[d]} threshold`,
        type: 'line',
        xAxisIndex: i,
        yAxisIndex: i,
        showSymbol: false,
        data: s.points.filter((p) => p[2] !== null).map((p) => [p[0], p[2]]),
        lineStyle: { width: 1, type: 'dashed', color: '#f0b44c' },
      });
    });
    const blendIndex = present.indexOf('blend');
    if (blendIndex >= 0 && timeline.alerts.length > 0) {
      series.push({
        name: 'Alerts',
        type: 'scatter',
        xAxisIndex: blendIndex,
        yAxisIndex: blendIndex,
        symbolSize: 9,
        itemStyle: { color: '#ff6b6b' },
        data: timeline.alerts.map((a) => ({ value: [a.ts, a.score ?? 0], name: a.title })),
      });
    }
    chart.setOption({
      backgroundColor: 'transparent',
      animation: false,
      tooltip: { trigger: 'axis', axisPointer: { type: 'line' } },
      title: present.map((d, i) => ({ text: LABEL[d], left: 64, top: `${i * height + 0.5}%`, textStyle: { fontSize: 11, fontWeight: 'normal' } })),
      grid: grids,
      xAxis: present.map((_, i) => ({ type: 'time', gridIndex: i, axisLabel: { show: i === present.length - 1 } })),
      yAxis: present.map((_, i) => ({ type: 'value', gridIndex: i, splitNumber: 2, scale: true })),
      dataZoom: [
        { type: 'inside', xAxisIndex: present.map((_, i) => i) },
        { type: 'slider', xAxisIndex: present.map((_, i) => i), bottom: 0, height: 18 },
      ],
      brush: { xAxisIndex: 'all', brushLink: 'all', toolbox: ['lineX', 'clear'], brushType: 'lineX', outOfBrush: { colorAlpha: 0.3 } },
      toolbox: { show: false },
      series,
    });
    chart.on('brushEnd', (params: unknown) => {
      const areas = (params as { areas?: { coordRange?: [number, number] }[] }).areas ?? [];
      const r = areas[0]?.coordRange;
      if (r) setRange([r[0], r[1]]);
    });
    // Brush by dragging, without hunting for a toolbox button.
    chart.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: 'lineX', brushMode: 'single' } });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [timeline, theme]);

  if (timeline && timeline.series.length === 0) {
    return (
      <section className="empty" aria-label="Timelines">
        <h2>Timelines</h2>
        <p>Each anomaly detector's score over time, with its threshold and alerts. Scores appear here once detection has run over imported or collected events.</p>
      </section>
    );
  }
  return (
    <section className="panel timelines" aria-label="Timelines">
      <div className="toolbar">
        <h2>Timelines</h2>
        {timeline && timeline.sourceTypes.length > 1 && (
          <select aria-label="Source type" value={timeline.sourceType ?? ''} onChange={(e) => setSourceType(e.target.value)}>
            {timeline.sourceTypes.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        )}
        <span className="muted small">
          {timeline ? `${fmtInt(timeline.alerts.length)} alerts · one point per ${Math.round(timeline.bucketMs / 60000)} min · drag across a chart to see its events` : '…'}
        </span>
      </div>
      <div ref={chartRef} className="timeline-chart" data-testid="timeline-chart" />
      {range && (
        <div className="timeline-events">
          <h3>
            Events {fmtTime(range[0])} – {fmtTime(range[1])} {events && <span className="muted">({fmtInt(events.total)})</span>}
          </h3>
          <div className="table-scroll plain">
            <table className="grid">
              <tbody>
                {events?.rows.map((r) => (
                  <tr key={r.id}>
                    <td className="muted nowrap">{fmtTime(r.ts)}</td>
                    <td className="mono">{r.raw}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
