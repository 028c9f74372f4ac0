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

/** The points where a threshold changes (and the last one): the same step line, far fewer points. */
function thresholdCorners(points: [number, number, number | null][]): [number, number][] {
  const out: [number, number][] = [];
  let prev: number | null = null;
  points.forEach((p, i) => {
    if (p[2] === null) return;
    if (p[2] !== prev || i === points.length - 1) out.push([p[0], p[2]]);
    prev = p[2];
  });
  return out;
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
  const cursorRef = useRef<HTMLDivElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
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
          // The series draw on a canvas layer of their own: moving the cursor repaints only the
          // pointer's layer, not thousands of points on every chart.
          zlevel: 1,
          // Hover draws nothing on the series (the cursor below reads them): no repaint per move.
          silent: true,
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
          zlevel: 1,
          showSymbol: false,
          // A threshold moves in steps: its corners are enough to draw it.
          step: 'end',
          data: thresholdCorners(s.points),
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
          zlevel: 1,
          xAxisIndex: Math.max(0, blendIndex),
          yAxisIndex: Math.max(0, blendIndex),
          symbolSize: 9,
          itemStyle: { color: ALERT_COLOUR },
          data: timeline.alerts.map((a) => ({ value: [a.ts, a.score ?? 0], name: a.title, id: String(a.id) })),
          silent: true,
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
        // The cursor and its reading are drawn by this view (below), not by ECharts.
        axisPointer: { show: false },
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
        tooltip: { show: false },
        dataZoom: [
          { type: 'inside', xAxisIndex: present.map((_, i) => i), zoomOnMouseWheel: 'ctrl', moveOnMouseWheel: false },
          { type: 'slider', xAxisIndex: present.map((_, i) => i), bottom: 4, height: 16, labelFormatter: (v: number) => fmtUtc(v, bucket) },
        ],
        brush: {
          // No linked selection or fading outside the brush: both restyle every point on each move.
          xAxisIndex: 'all',
          brushType: 'lineX',
          brushMode: 'single',
          transformable: false,
          brushStyle: { color: 'rgba(79,163,255,0.12)', borderColor: colours.accent, borderWidth: 1 },
        },
        toolbox: { show: false },
        series,
      } as echarts.EChartsCoreOption;
    };

    chart.setOption(build(), true);

    // One cursor over all the charts at one time, and its reading: two DOM nodes moved by
    // transform at most once a frame, so hovering costs no chart repaint at all.
    const cursor = cursorRef.current!;
    const tip = tipRef.current!;
    let frame = 0;
    let at: { x: number; y: number } | null = null;
    const paint = () => {
      frame = 0;
      const p = at;
      const inGrid = p !== null && chart.containPixel({ gridIndex: present.map((_, i) => i) }, [p.x, p.y]);
      if (!p || !inGrid) {
        cursor.hidden = true;
        tip.hidden = true;
        return;
      }
      const time = chart.convertFromPixel({ xAxisIndex: 0 }, p.x) as number;
      if (!Number.isFinite(time)) return;
      const t = bucketOf(time);
      const rows: TipRow[] = [];
      present.forEach((d, i) => {
        const v = valueAt(byDetector.get(d)!.points, t, bucket);
        if (!v) return;
        // One row per series: its score, and its threshold beside it.
        rows.push({ name: LABEL[d]!, value: fmtValue(v[0]), colour: i, ...(v[1] !== null ? { note: `threshold ${fmtValue(v[1])}` } : {}) });
      });
      const near = timeline.alerts.filter((a) => a.ts >= t && a.ts < t + bucket);
      for (const a of near.slice(0, 3)) rows.push({ name: a.title, value: a.score === null ? '' : fmtValue(a.score), colour: 'alert' });
      tip.replaceChildren(
        tooltipNode(
          fmtUtc(t, bucket),
          rows.length ? rows : [{ name: 'no score in this interval', value: '' }],
          'click for this moment’s events · drag to list an interval',
        ),
      );
      cursor.hidden = false;
      tip.hidden = false;
      cursor.style.transform = `translateX(${Math.round(p.x)}px)`;
      // Beside the cursor, on whichever side has room.
      const w = tip.offsetWidth;
      const left = p.x + 14 + w > el.clientWidth ? p.x - 14 - w : p.x + 14;
      const top = Math.min(Math.max(0, p.y - 20), Math.max(0, el.clientHeight - tip.offsetHeight));
      tip.style.transform = `translate(${Math.round(Math.max(0, left))}px, ${Math.round(top)}px)`;
    };
    const move = (e: MouseEvent) => {
      const box = el.getBoundingClientRect();
      at = { x: e.clientX - box.left, y: e.clientY - box.top };
      if (!frame) frame = requestAnimationFrame(paint);
    };
    const leave = () => {
      at = null;
      if (!frame) frame = requestAnimationFrame(paint);
    };
    el.addEventListener('mousemove', move);
    el.addEventListener('mouseleave', leave);
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
    let size = [el.clientWidth, el.clientHeight];
    const resize = new ResizeObserver(() => {
      // Observing starts with a call at the size the charts were built for: nothing to redo.
      if (el.clientWidth === size[0] && el.clientHeight === size[1]) return;
      size = [el.clientWidth, el.clientHeight];
      chart.resize();
      const { grid, title } = build() as { grid: unknown; title: unknown };
      chart.setOption({ grid, title }, { replaceMerge: ['grid', 'title'] });
    });
    resize.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      cursor.hidden = true;
      tip.hidden = true;
      el.removeEventListener('mousemove', move);
      el.removeEventListener('mouseleave', leave);
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
        <div ref={cursorRef} className="timeline-cursor" hidden aria-hidden />
        <div ref={tipRef} className="timeline-tip chart-tooltip" hidden role="tooltip" />
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
              <span className="muted" data-testid="timeline-events-count">
                {events.rows.length < events.total || events.capped
                  ? `(first ${fmtInt(events.rows.length)} of ${fmtInt(events.total)}${events.capped ? '+' : ''})`
                  : `(${fmtInt(events.total)})`}
              </span>
            )}{' '}
            <button className="link small" onClick={() => openEvents('', here, { from: range[0], to: range[1] })}>
              {events && events.rows.length < events.total ? 'all of them in Events' : 'open in Events'}
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
