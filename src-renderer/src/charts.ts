/**
 * ECharts, set up once for every chart of the workbench: the parts we use, UTC time axes, and
 * tooltips built as DOM nodes with classes. ECharts' own tooltip HTML carries inline style
 * attributes, which the CSP (`style-src 'self'`) refuses on every hover; nodes made here carry
 * none, and text goes in as text, so a log line can never inject markup.
 */
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  AxisPointerComponent,
  BrushComponent,
  DataZoomComponent,
  GridComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  LineChart,
  ScatterChart,
  BarChart,
  GridComponent,
  TooltipComponent,
  AxisPointerComponent,
  DataZoomComponent,
  BrushComponent,
  ToolboxComponent,
  TitleComponent,
  CanvasRenderer,
]);

export { echarts };

/** Series colours; `.chart-dot.cN` in styles.css draws the same colour N in tooltips. */
export const PALETTE = ['#4fa3ff', '#43c59e', '#b48cff', '#ff9f5a', '#4dd0e1', '#f06292', '#9ccc65', '#e0c341'];
export const THRESHOLD_COLOUR = '#f0b44c';
export const ALERT_COLOUR = '#ff6b6b';

/** A time as the workbench writes it, to the precision the bucket width needs, in UTC. */
export function fmtUtc(ms: number, stepMs = 60_000): string {
  const iso = new Date(ms).toISOString();
  const text =
    stepMs < 1000 ? iso.slice(0, 23) : stepMs < 60_000 ? iso.slice(0, 19) : stepMs < 86_400_000 ? iso.slice(0, 16) : iso.slice(0, 10);
  return `${text.replace('T', ' ')} UTC`;
}

/** A score or count as a reader wants it: no 5.592229988750454. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export interface TipRow {
  name: string;
  value: string;
  /** A second, quieter figure on the same row (a series' threshold beside its score). */
  note?: string;
  /** Palette index of the dot, or a named dot class (threshold, alert). */
  colour?: number | 'threshold' | 'alert';
}

/** A tooltip as DOM: a heading (the time) and one row per series. */
export function tooltipNode(heading: string, rows: TipRow[], footer?: string): HTMLElement {
  const box = document.createElement('div');
  box.className = 'chart-tip';
  const h = document.createElement('div');
  h.className = 'chart-tip-time';
  h.textContent = heading;
  box.appendChild(h);
  for (const r of rows) {
    const row = document.createElement('div');
    row.className = 'chart-tip-row';
    const dot = document.createElement('span');
    dot.className = `chart-dot ${typeof r.colour === 'number' ? `c${r.colour % PALETTE.length}` : (r.colour ?? 'none')}`;
    const name = document.createElement('span');
    name.className = 'chart-tip-name';
    name.textContent = r.name;
    const value = document.createElement('span');
    value.className = 'chart-tip-value';
    value.textContent = r.value;
    row.append(dot, name, value);
    if (r.note) {
      const note = document.createElement('span');
      note.className = 'chart-tip-note';
      note.textContent = r.note;
      row.appendChild(note);
    }
    box.appendChild(row);
  }
  if (footer) {
    const f = document.createElement('div');
    f.className = 'chart-tip-foot';
    f.textContent = footer;
    box.appendChild(f);
  }
  return box;
}

/**
 * Tooltip options every chart shares: the DOM formatter does the content; confined, so ECharts
 * draws no arrow (an inline-styled element); no inline extraCssText. No glide between positions:
 * ECharts' default eases the box for 0.4 s after every move, restyling the page on every frame.
 */
export function tooltipBase(): echarts.EChartsCoreOption {
  return { confine: true, className: 'chart-tooltip', padding: 0, borderWidth: 0, backgroundColor: 'transparent', extraCssText: '', transitionDuration: 0 };
}

/** Theme colours read from the page (they follow the light/dark switch). */
export function themeColours(): { text: string; muted: string; border: string; accent: string } {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text', '#d8dee9'),
    muted: v('--muted', '#8892a0'),
    border: v('--border', '#28313d'),
    accent: v('--accent', '#4fa3ff'),
  };
}
