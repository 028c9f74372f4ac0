/**
 * Timelines: each anomaly detector's score over event time with its threshold and the alerts it
 * raised, stacked on one shared time axis (a cursor reads the same time on every chart). Drag
 * across the charts to list the events of that interval below them; click a point for its events
 * or its place in the graph.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EventRow, Timeline } from '../../../src-shared/dto';
import { api } from '../api';
import {
  ALERT_COLOUR,
  echarts,
  fmtUtc,
  fmtValue,
  PALETTE,
  THRESHOLD_COLOUR,
  themeColours,
  tooltipBase,
  tooltipNode,
  type TipRow,
} from '../charts';
import { SCORE_SERIES, SCORE_SERIES_LABELS } from '../../../src-shared/detectors';
import { fmtInt, fmtTime } from '../format';
import { useApp } from '../store/app';
import { openEvents, openGraph } from '../store/pivot';

const DETECTORS = SCORE_SERIES;
const LABEL: Record<string, string> = SCORE_SERIES_LABELS;

/** Pixels: a chart's title band, the gap between charts, the shared axis and the zoom slider below. */
const TITLE = 18;
const GAP = 14;
const AXIS = 22;
const SLIDER = 26;
/** The least height of one chart: below it the stage grows and the panel scrolls, rather than charts overlap. */
const MIN_BAND = 24;

interface Menu {
  x: number;
  y: number;
  /** Start of the bucket clicked. */
  t: number;
  alert: Timeline['alerts'][number] | null;
}

/**
 * The value of a series at time t: the point of the bucket that holds it; between two points (the
 * line drawn joins them) the nearer one; outside the series, nothing beyond one bucket.
 */
function valueAt(points: [number, number, number | null][], t: number, bucketMs: number): [number, number | null] | null {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]![0] <= t) lo = mid + 1;
    else hi = mid;
  }
  // points[lo - 1] is the last point at or before t, points[lo] the first after it.
  const before = points[lo - 1];
  const after = points[lo];
  if (before && t < before[0] + bucketMs) return [before[1], before[2]];
  const db = before ? t - before[0] : Infinity;
  const da = after ? after[0] - t : Infinity;
  const near = db <= da ? before : after;
  if (!near || (!(before && after) && Math.min(db, da) > bucketMs * 1.5)) return null;
  return [near[1], near[2]];
}

export function TimelinesView() {
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [sourceType, setSourceType] = useState<string | undefined>(undefined);
  const [range, setRange] = useState<[number, number] | null>(null);
  const [events, setEvents] = useState<{ rows: EventRow[]; total: number; capped: boolean } | null>(null);
  const [menu, setMenu] = useState<Menu | null>(null);
  const showError = useApp((s) => s.showError);
  const theme = useApp((s) => s.theme);
  const chartRef = useRef<HTMLDivElement>(null);
  /** Each chart's band on screen, [top, height] in px: what a reader (or a test) aims the cursor at. */
  const [bands, setBands] = useState<[number, number][]>([]);

  useEffect(() => {
    api()
      .call('timelines.get', sourceType ? { sourceType } : {})
      .then(setTimeline, showError);
  }, [sourceType, showError]);

  useEffect(() => {
    if (!range) return;
    api()
      .call('events.search', { from: Math.floor(range[0]), to: Math.ceil(range[1]), limit: 200 })
      .then((p) => setEvents({ rows: p.rows, total: p.total, capped: p.totalCapped }), showError);
  }, [range, showError]);

  const present = useMemo(() => DETECTORS.filter((d) => timeline?.series.some((s) => s.detector === d)), [timeline]);
  /** One time extent for every chart: the same x is the same time on all of them. */
  const extent = useMemo(() => {
    if (!timeline) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of timeline.series) {
      if (s.points.length === 0) continue;
      lo = Math.min(lo, s.points[0]![0]);
      hi = Math.max(hi, s.points[s.points.length - 1]![0] + timeline.bucketMs);
    }
    for (const a of timeline.alerts) {
      lo = Math.min(lo, a.ts);
      hi = Math.max(hi, a.ts);
    }
    // Buckets start where the series start (the engine cuts them all from one origin).
    let origin = Infinity;
    for (const s of timeline.series) if (s.points.length) origin = Math.min(origin, s.points[0]![0]);
    return Number.isFinite(lo) ? { lo, hi, origin: Number.isFinite(origin) ? origin : lo } : null;
  }, [timeline]);

  useEffect(() => {
    const el = chartRef.current;
    if (!el || !timeline || !extent || present.length === 0) return;
    const chart = echarts.init(el, undefined, { renderer: 'canvas' });
    const colours = themeColours();
    const bucket = timeline.bucketMs;
    const byDetector = new Map(timeline.series.map((s) => [s.detector, s]));
    /** Where the cursor is over the charts (px from their left edge), read before ECharts sees the move. */
    let pointerX: number | null = null;
    const track = (e: MouseEvent) => {
      pointerX = e.clientX - el.getBoundingClientRect().left;
    };
    el.addEventListener('mousemove', track, { capture: true });
    /** The bucket a time falls in: the same on every chart, since they share the axis. */
    const bucketOf = (t: number) => extent.origin + Math.floor((t - extent.origin) / bucket) * bucket;

    const build = () => {
      const height = el.clientHeight;
      const band = Math.max(MIN_BAND, (height - AXIS - SLIDER - present.length * (TITLE + GAP)) / present.length);
      const top = (i: number) => i * (band + TITLE + GAP) + TITLE;
      setBands(present.map((_, i) => [Math.round(top(i)), Math.round(band)]));
      const series: echarts.EChartsCoreOption[] = [];
      present.forEach((d, i) => {
        const s = byDetector.get(d)!;
        series.push({
          id: d,
          name: LABEL[d],
          type: 'line',
          xAxisIndex: i,
          yAxisIndex: i,
          showSymbol: false,
          sampling: 'lttb',
          data: s.points.map((p) => [p[0], p[1]]),
          lineStyle: { width: 1, color: PALETTE[i % PALETTE.length] },
          itemStyle: { color: PALETTE[i % PALETTE.length] },
        });
        series.push({
          id: `${d}-threshold`,
          name: `${LABEL[d]} threshold`,
          type: 'line',
          xAxisIndex: i,
          yAxisIndex: i,
          showSymbol: false,
          data: s.points.filter((p) => p[2] !== null).map((p) => [p[0], p[2]]),
          lineStyle: { width: 1, type: 'dashed', color: THRESHOLD_COLOUR },
          itemStyle: { color: THRESHOLD_COLOUR },
          silent: true,
        });
      });
      const blendIndex = present.indexOf('blend');
      if (timeline.alerts.length > 0) {
        series.push({
          id: 'alerts',
          name: 'Alerts',
          type: 'scatter',
          xAxisIndex: Math.max(0, blendIndex),
          yAxisIndex: Math.max(0, blendIndex),
          symbolSize: 9,
          itemStyle: { color: ALERT_COLOUR },
          data: timeline.alerts.map((a) => ({ value: [a.ts, a.score ?? 0], name: a.title, id: String(a.id) })),
          tooltip: { show: false },
        });
      }
      const axes = present.map((_, i) => ({
        type: 'time',
        gridIndex: i,
        min: extent.lo,
        max: extent.hi,
        axisLabel: { show: i === present.length - 1, color: colours.muted, fontSize: 10, hideOverlap: true },
        axisTick: { show: i === present.length - 1 },
        axisLine: { lineStyle: { color: colours.border } },
        splitLine: { show: false },
        axisPointer: {
          // Not snapped to each chart's nearest point: the cursor is one time for all of them.
          snap: false,
          label: { show: i === present.length - 1, formatter: (p: { value: number }) => fmtUtc(p.value, 60_000) },
        },
      }));
      return {
        useUTC: true,
        backgroundColor: 'transparent',
        animation: false,
        textStyle: { color: colours.text },
        title: present.map((d, i) => ({
          text: LABEL[d],
          left: 58,
          top: top(i) - TITLE + 1,
          textStyle: { fontSize: 11, fontWeight: 'normal', color: colours.muted },
        })),
        grid: present.map((_, i) => ({ left: 56, right: 20, top: top(i), height: band })),
        xAxis: axes,
        yAxis: present.map((_, i) => ({
          type: 'value',
          gridIndex: i,
          splitNumber: 2,
          scale: true,
          axisLabel: { color: colours.muted, fontSize: 10, formatter: (v: number) => fmtValue(v) },
          splitLine: { lineStyle: { color: colours.border } },
        })),
        // One cursor over all the charts, at the same time.
        axisPointer: { link: [{ xAxisIndex: 'all' }], lineStyle: { color: colours.muted } },
        tooltip: {
          ...tooltipBase(),
          trigger: 'axis',
          axisPointer: { type: 'line' },
          formatter: (params: unknown) => {
            // The cursor's own time, not the nearest point of whichever series ECharts lists first
            // (a sparse series would pull the reading hours away from the cursor).
            const at = pointerX !== null ? (chart.convertFromPixel({ xAxisIndex: 0 }, pointerX) as number) : (params as { axisValue?: number }[])[0]?.axisValue;
            if (at === undefined || !Number.isFinite(at)) return '';
            const t = bucketOf(at);
            const rows: TipRow[] = [];
            present.forEach((d, i) => {
              const v = valueAt(byDetector.get(d)!.points, t, bucket);
              if (!v) return;
              rows.push({ name: LABEL[d]!, value: fmtValue(v[0]), colour: i });
              if (v[1] !== null) rows.push({ name: 'threshold', value: fmtValue(v[1]), colour: 'threshold' });
            });
            const near = timeline.alerts.filter((a) => a.ts >= t && a.ts < t + bucket);
            for (const a of near.slice(0, 3))
              rows.push({ name: a.title, value: a.score === null ? '' : fmtValue(a.score), colour: 'alert' });
            return tooltipNode(
              fmtUtc(t, bucket),
              rows.length ? rows : [{ name: 'no score in this interval', value: '' }],
              'click for this moment’s events · drag to list an interval',
            );
          },
        },
        dataZoom: [
          { type: 'inside', xAxisIndex: present.map((_, i) => i), zoomOnMouseWheel: 'ctrl', moveOnMouseWheel: false },
          { type: 'slider', xAxisIndex: present.map((_, i) => i), bottom: 4, height: 16, labelFormatter: (v: number) => fmtUtc(v, bucket) },
        ],
        brush: {
          xAxisIndex: 'all',
          brushLink: 'all',
          brushType: 'lineX',
          brushMode: 'single',
          transformable: false,
          outOfBrush: { colorAlpha: 0.3 },
          brushStyle: { color: 'rgba(79,163,255,0.12)', borderColor: colours.accent, borderWidth: 1 },
        },
        toolbox: { show: false },
        series,
      } as echarts.EChartsCoreOption;
    };

    chart.setOption(build(), true);
    chart.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: 'lineX', brushMode: 'single' } });
    chart.on('brushEnd', (params: unknown) => {
      const r = (params as { areas?: { coordRange?: [number, number] }[] }).areas?.[0]?.coordRange;
      if (r && Math.abs(r[1] - r[0]) >= bucket) {
        setMenu(null);
        setRange([Math.min(r[0], r[1]), Math.max(r[0], r[1])]);
      }
    });
    chart.getZr().on('click', (e: { offsetX: number; offsetY: number }) => {
      const gridIndex = present.findIndex((_, i) => chart.containPixel({ gridIndex: i }, [e.offsetX, e.offsetY]));
      if (gridIndex < 0) return setMenu(null);
      const [t] = chart.convertFromPixel({ gridIndex }, [e.offsetX, e.offsetY]) as [number, number];
      const start = bucketOf(t);
      const alert = timeline.alerts.find((a) => a.ts >= start && a.ts < start + bucket) ?? null;
      setMenu({ x: e.offsetX, y: e.offsetY, t: start, alert });
    });
    const resize = new ResizeObserver(() => {
      chart.resize();
      chart.setOption(build(), { replaceMerge: ['grid', 'title'] });
    });
    resize.observe(el);
    return () => {
      el.removeEventListener('mousemove', track, { capture: true });
      resize.disconnect();
      chart.dispose();
    };
  }, [timeline, theme, present, extent]);

  if (timeline && timeline.series.length === 0) {
    return (
      <section className="empty" aria-label="Timelines">
        <h2>Timelines</h2>
        <p>
          Each anomaly detector's score over time, with its threshold and alerts. Scores appear here once detection has run over imported or
          collected events.
        </p>
      </section>
    );
  }
  const here = { view: 'timelines' as const, label: 'Timelines' };
  return (
    <section className={`panel timelines${range ? ' with-events' : ''}`} aria-label="Timelines">
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
          {timeline
            ? `${fmtInt(timeline.alerts.length)} alerts · one point per ${Math.round(timeline.bucketMs / 60000)} min · times in UTC · drag across the charts to list an interval, click a point for its events`
            : '…'}
        </span>
      </div>
      <div className="timeline-stage" style={{ minHeight: AXIS + SLIDER + present.length * (TITLE + GAP + MIN_BAND) }}>
        <div
          ref={chartRef}
          className="timeline-chart"
          data-testid="timeline-chart"
          data-from={extent?.lo}
          data-to={extent?.hi}
          data-bands={JSON.stringify(bands)}
        />
        {menu && timeline && (
          <div className="timeline-menu" role="menu" aria-label="This moment" style={{ left: menu.x, top: menu.y }}>
            <div className="muted small">
              {fmtUtc(menu.t, timeline.bucketMs)}
              {menu.alert ? ` · ${menu.alert.title}` : ''}
            </div>
            <button role="menuitem" className="link" onClick={() => openEvents('', here, { from: menu.t, to: menu.t + timeline.bucketMs })}>
              Events of this {Math.round(timeline.bucketMs / 60000)} min
            </button>
            <button
              role="menuitem"
              className="link"
              onClick={() => openGraph({ range: { from: menu.t, to: menu.t + timeline.bucketMs } }, here)}
            >
              Graph of this {Math.round(timeline.bucketMs / 60000)} min
            </button>
            <button role="menuitem" className="link muted" onClick={() => setMenu(null)}>
              Close
            </button>
          </div>
        )}
      </div>
      {range && (
        <div className="timeline-events">
          <h3>
            Events {fmtTime(range[0])} – {fmtTime(range[1])}{' '}
            {events && (
              <span className="muted">
                ({fmtInt(events.total)}
                {events.capped ? '+' : ''})
              </span>
            )}{' '}
            <button className="link small" onClick={() => openEvents('', here, { from: range[0], to: range[1] })}>
              open in Events
            </button>{' '}
            <button className="link small" onClick={() => setRange(null)}>
              close
            </button>
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
