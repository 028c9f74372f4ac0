/**
 * The graph drawing. Layout (ForceAtlas2) and drawing both run in a worker on an OffscreenCanvas
 * (graph/view.worker.ts): this component hands the canvas over, sends the vertices and edges, and
 * forwards input. Communities are coloured, vertex size follows PageRank, edge width the count. A
 * replaced view starts from where the same view ended last time (drawn at once, nothing to compute)
 * or from a seeded layout drawn as it settles; an expanded one keeps what is on screen still and
 * lets the newcomers settle around the vertex they came from.
 *
 * Why not a WebGL library: without a GPU (Chromium's software GL, as in CI and some VMs) every
 * WebGL frame is read back on the main thread, ~190 ms a frame for 5,000 vertices; a 2D canvas
 * in a worker keeps the main thread free whatever the machine.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import type { GraphEdgeColumns, GraphNodeColumns } from '../../../src-shared/contract-graph';
import { themeColours } from '../charts';
import { COMMUNITY_COLOURS, colourOf, NO_COMMUNITY } from '../graph/draw';
import { layoutCache } from '../graph/positions';
import type { FromView, GraphMessage, ToView, ViewTheme } from '../graph/view-protocol';
import { useApp } from '../store/app';

export { COMMUNITY_COLOURS };

export function communityColour(c: number | null): string {
  return colourOf(c === null ? NO_COMMUNITY : c % COMMUNITY_COLOURS.length);
}

export interface GraphCanvasHandle {
  png(background: string): Promise<string | null>;
  fit(): void;
}

interface Props {
  /** The vertices and edges to draw, as the slice's columns (row i is one vertex). */
  nodes: GraphNodeColumns;
  edges: GraphEdgeColumns;
  layoutKey: number;
  /** Names the view (case, graph computation, mode, filter): finished layouts are cached under it. */
  viewKey: string;
  selectedId: number | null;
  /** Bumped when the selected vertex was brought into view on purpose: pan and zoom to it. */
  focusKey: number;
  /** Selected together with the selected vertex: a campaign's members. */
  groupIds?: ReadonlySet<number>;
  expanded: ReadonlySet<number>;
  onSelect(id: number | null): void;
  onExpand(id: number): void;
}

/** Two lists of vertex numbers hold the same ones in the same order. */
function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function viewTheme(): ViewTheme {
  const t = themeColours();
  const bg = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#0f1419';
  return { text: t.text, muted: t.muted, accent: t.accent, edge: t.muted, background: bg };
}

type LayoutState = {
  state: 'idle' | 'running' | 'done';
  layoutMs: number;
  renderMs: number;
  cached: boolean;
  iterations: number;
  /** The vertices this state is about: until the effect has sent new ones, they are still running. */
  of: GraphNodeColumns | null;
};

export const GraphCanvas = forwardRef<GraphCanvasHandle, Props>(function GraphCanvas(
  { nodes, edges, layoutKey, viewKey, selectedId, focusKey, groupIds, expanded, onSelect, onExpand },
  ref,
) {
  const box = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const worker = useRef<Worker | null>(null);
  const job = useRef(0);
  const lastKey = useRef(-1);
  const focused = useRef(focusKey);
  const shownIds = useRef<readonly number[]>([]);
  const requests = useRef(new Map<number, (value: unknown) => void>());
  const seq = useRef(0);
  const viewKeyOf = useRef(new Map<number, string>());
  const handlers = useRef({ onSelect, onExpand });
  handlers.current = { onSelect, onExpand };
  const [stats, setStats] = useState<LayoutState>({ state: 'idle', layoutMs: 0, renderMs: 0, cached: false, iterations: 0, of: null });
  /** Where the layout put the vertices, in short (the same graph must land the same way every visit). */
  const [layoutSig, setLayoutSig] = useState('');
  /** How far from the centre of the view a vertex brought into view ended up, in px. */
  const [focusOffset, setFocusOffset] = useState<number | null>(null);
  const [hovered, setHovered] = useState(false);

  const send = (msg: ToView, transfer: Transferable[] = []) => worker.current?.postMessage(msg, transfer);
  /** Ask the worker and wait for its answer (hit tests, the exported image). */
  const ask = <T,>(make: (seq: number) => ToView): Promise<T> =>
    new Promise((resolve) => {
      const n = ++seq.current;
      requests.current.set(n, resolve as (v: unknown) => void);
      send(make(n));
    });

  useEffect(() => {
    const el = canvasRef.current!;
    const container = box.current!;
    const w = new Worker(new URL('../graph/view.worker.ts', import.meta.url), { type: 'module', name: 'graph-view' });
    worker.current = w;
    w.onmessage = (e: MessageEvent<FromView>) => {
      const m = e.data;
      if (m.type === 'progress') {
        if (m.job === job.current) setStats((s) => (s.state === 'running' ? s : { ...s, state: 'running' }));
      } else if (m.type === 'done') {
        const key = viewKeyOf.current.get(m.job);
        if (key) layoutCache.put(key, { ids: m.ids, xy: m.xy });
        viewKeyOf.current.delete(m.job);
        if (m.job !== job.current) return;
        setStats((s) => ({ ...s, state: 'done', layoutMs: m.ms, iterations: m.iterations, cached: m.cached }));
        setLayoutSig(m.signature);
      } else if (m.type === 'hit' || m.type === 'export') {
        const r = requests.current.get(m.seq);
        requests.current.delete(m.seq);
        r?.(m.type === 'hit' ? m.id : m.blob);
      } else if (m.type === 'hover') setHovered(m.id !== null);
      else if (m.type === 'focused') setFocusOffset(m.offset);
      else if (m.type === 'frame') {
        // Written straight on the element (no render per frame): what a bench or a test reads.
        container.dataset.frameMs = m.ms.toFixed(1);
        container.dispatchEvent(new CustomEvent('graphframe', { detail: { ms: m.ms, light: m.light } }));
      }
    };
    const offscreen = el.transferControlToOffscreen();
    const rect = container.getBoundingClientRect();
    w.postMessage({ type: 'init', canvas: offscreen, width: rect.width, height: rect.height, dpr: window.devicePixelRatio || 1, theme: viewTheme() } satisfies ToView, [offscreen]);
    const resize = new ResizeObserver(() => {
      const r = container.getBoundingClientRect();
      w.postMessage({ type: 'resize', width: r.width, height: r.height, dpr: window.devicePixelRatio || 1 } satisfies ToView);
    });
    resize.observe(container);

    // Input: drag pans, wheel zooms, a click selects, a double-click expands; hover rings a vertex.
    let down: { x: number; y: number; moved: boolean } | null = null;
    let hoverAt: { x: number; y: number } | null = null;
    let hoverFrame = 0;
    const local = (e: MouseEvent) => {
      const r = el.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const onDown = (e: PointerEvent) => {
      if (e.button !== 0) return;
      down = { ...local(e), moved: false };
      el.setPointerCapture(e.pointerId);
    };
    const onMove = (e: PointerEvent) => {
      const p = local(e);
      if (down) {
        const dx = p.x - down.x;
        const dy = p.y - down.y;
        if (!down.moved && Math.hypot(dx, dy) < 4) return;
        down = { ...p, moved: true };
        w.postMessage({ type: 'pan', dx, dy } satisfies ToView);
        return;
      }
      hoverAt = p;
      if (!hoverFrame)
        hoverFrame = requestAnimationFrame(() => {
          hoverFrame = 0;
          if (hoverAt) w.postMessage({ type: 'hover', ...hoverAt } satisfies ToView);
        });
    };
    const onUp = (e: PointerEvent) => {
      const was = down;
      down = null;
      if (!was || was.moved) return;
      const p = local(e);
      void ask<number | null>((n) => ({ type: 'hit', seq: n, ...p })).then((id) => handlers.current.onSelect(id));
    };
    const onDouble = (e: MouseEvent) => {
      const p = local(e);
      void ask<number | null>((n) => ({ type: 'hit', seq: n, ...p })).then((id) => id !== null && handlers.current.onExpand(id));
    };
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      w.postMessage({ type: 'wheel', ...local(e), deltaY: e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY } satisfies ToView);
    };
    el.addEventListener('pointerdown', onDown);
    el.addEventListener('pointermove', onMove);
    el.addEventListener('pointerup', onUp);
    el.addEventListener('dblclick', onDouble);
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      cancelAnimationFrame(hoverFrame);
      resize.disconnect();
      el.removeEventListener('pointerdown', onDown);
      el.removeEventListener('pointermove', onMove);
      el.removeEventListener('pointerup', onUp);
      el.removeEventListener('dblclick', onDouble);
      el.removeEventListener('wheel', onWheel);
      w.terminate();
      worker.current = null;
    };
    // The worker and the canvas live as long as the component; ask/send read refs only.
  }, []);

  useEffect(() => {
    const t0 = performance.now();
    const fresh = lastKey.current !== layoutKey;
    lastKey.current = layoutKey;
    if (!fresh && sameIds(nodes.id, shownIds.current)) {
      // The same vertices: nothing to lay out again.
      setStats((s) => ({ ...s, of: nodes }));
      return;
    }
    // The columns go to the worker as they came: it sizes, colours, labels, seeds and indexes them.
    const ids = Int32Array.from(nodes.id);
    const cached = fresh ? layoutCache.get(viewKey) : undefined;
    const msg: GraphMessage = {
      type: 'graph',
      job: ++job.current,
      fresh,
      ids,
      pagerank: Float64Array.from(nodes.pagerank, (p) => p ?? NaN),
      community: Int32Array.from(nodes.community, (c) => c ?? -1),
      values: nodes.value.join(''),
      valueLength: Int32Array.from(nodes.value, (v) => v.length),
      src: Int32Array.from(edges.src),
      dst: Int32Array.from(edges.dst),
      count: Float64Array.from(edges.count),
      // Copies: the cache keeps its own.
      cached: cached ? { ids: cached.ids.slice(), xy: cached.xy.slice() } : null,
    };
    viewKeyOf.current.set(msg.job, viewKey);
    shownIds.current = nodes.id;
    const moved = [msg.ids, msg.pagerank, msg.community, msg.valueLength, msg.src, msg.dst, msg.count, ...(msg.cached ? [msg.cached.ids, msg.cached.xy] : [])];
    send(msg, moved.map((a) => a.buffer));
    send({ type: 'marks', selected: selectedId, expanded: [...expanded], group: [...(groupIds ?? [])] });
    // 'done' when the worker says so, with the signature and whether it all came from the cache.
    setStats({ state: 'running', layoutMs: 0, renderMs: Math.round(performance.now() - t0), cached: false, iterations: 0, of: nodes });
  }, [nodes, edges, layoutKey]);

  useEffect(() => {
    send({ type: 'marks', selected: selectedId, expanded: [...expanded], group: [...(groupIds ?? [])] });
    if (selectedId === null || !shownIds.current.includes(selectedId)) return;
    if (focused.current !== focusKey) {
      // Found by search or reached by a pivot: centre on it (once the layout has placed it).
      focused.current = focusKey;
      setFocusOffset(null);
      send({ type: 'focus', id: selectedId, zoom: true });
    }
  }, [selectedId, expanded, nodes, focusKey, groupIds]);

  const theme = useApp((st) => st.theme);
  useEffect(() => send({ type: 'theme', theme: viewTheme() }), [theme]);

  useImperativeHandle(ref, () => ({
    png: async (background) => {
      const blob = await ask<Blob | null>((n) => ({ type: 'export', seq: n, background }));
      return blob ? URL.createObjectURL(blob) : null;
    },
    fit: () => send({ type: 'fit' }),
  }));

  return (
    <div
      ref={box}
      className={`graph-canvas${hovered ? ' over-node' : ''}`}
      data-testid="graph-canvas"
      data-nodes={nodes.id.length}
      data-layout={stats.of === nodes ? stats.state : 'running'}
      data-layout-sig={layoutSig}
      data-layout-cached={stats.cached ? 'yes' : 'no'}
      data-layout-iterations={stats.iterations}
      data-focus-offset={focusOffset ?? undefined}
      data-layout-ms={stats.layoutMs}
      data-render-ms={stats.renderMs}
      aria-label={`Entity graph: ${nodes.id.length} vertices, ${edges.src.length} edges`}
      role="img"
    >
      <canvas ref={canvasRef} className="graph-surface" />
    </div>
  );
});
