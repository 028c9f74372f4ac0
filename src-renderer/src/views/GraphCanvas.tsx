/**
 * The graph drawing: sigma.js (WebGL) over a graphology graph, laid out by ForceAtlas2 in a worker
 * (graph/layout.worker.ts) so the main thread only draws. Communities are coloured, vertex size
 * follows PageRank, edge width follows the count. A replaced view starts from a seeded layout (or
 * from where the same view ended last time, drawn at once) and is drawn as it settles; an expanded
 * one keeps what is on screen still and lets the newcomers settle around the vertex they came from.
 */
import { createNodeBorderProgram } from '@sigma/node-border';
import { toBlob } from '@sigma/export-image';
import Graph from 'graphology';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import Sigma from 'sigma';
import type { GraphEdge, GraphNode } from '../../../src-shared/contract-graph';
import { themeColours } from '../charts';
import { LayoutRunner } from '../graph/layout-runner';
import { layoutCache, seeded, seedOf, seedPositions } from '../graph/positions';
import { useApp } from '../store/app';
import { edgeId } from '../store/graph';

/** Distinct on dark and light backgrounds; community n takes colour n mod 12. */
export const COMMUNITY_COLOURS = ['#4fa3ff', '#f0b44c', '#43c59e', '#ff6b6b', '#b48cff', '#4dd0e1', '#ff9f5a', '#9ccc65', '#f06292', '#a1887f', '#7986cb', '#e0c341'];

export function communityColour(c: number | null): string {
  return c === null ? '#8892a0' : (COMMUNITY_COLOURS[c % COMMUNITY_COLOURS.length] as string);
}

export interface GraphCanvasHandle {
  png(background: string): Promise<string | null>;
  fit(): void;
}

interface Props {
  nodes: GraphNode[];
  edges: GraphEdge[];
  layoutKey: number;
  /** Names the view (case, graph computation, mode, filter): finished layouts are cached under it. */
  viewKey: string;
  selectedId: number | null;
  /** Bumped when the selected vertex was brought into view on purpose: pan and zoom to it. */
  focusKey: number;
  expanded: ReadonlySet<number>;
  onSelect(id: number | null): void;
  onExpand(id: number): void;
}

interface NodeAttrs {
  x: number;
  y: number;
  size: number;
  color: string;
  label: string;
  borderColor: string;
  borderSize: number;
}

/** Vertex radius from its PageRank share (1 = an average vertex), smaller when many are shown. */
function radius(n: GraphNode, count: number): number {
  const d = n.pagerank === null ? 18 : Math.min(64, Math.max(14, 22 + 12 * Math.log2(Math.max(1e-3, n.pagerank * count))));
  const k = Math.min(1, Math.max(0.3, Math.sqrt(300 / Math.max(1, count))));
  return (d / 2) * k;
}

function label(v: string): string {
  return v.length > 28 ? `${v.slice(0, 26)}…` : v;
}

/** Positions of the vertices relative to the lowest-numbered one, rounded: equal for equal layouts. */
function signature(g: Graph<NodeAttrs>): string {
  const ids = g.nodes().sort((a, b) => Number(a) - Number(b));
  if (ids.length === 0) return '0:0';
  const o = g.getNodeAttributes(ids[0]!);
  let h = 0;
  for (const id of ids) {
    const p = g.getNodeAttributes(id);
    h = (Math.imul(h, 31) + Math.round(p.x - o.x) * 7 + Math.round(p.y - o.y)) | 0;
  }
  return `${ids.length}:${(h >>> 0).toString(36)}`;
}

const NodeProgram = createNodeBorderProgram<NodeAttrs>({
  borders: [
    { size: { attribute: 'borderSize', defaultValue: 0 }, color: { attribute: 'borderColor' } },
    { size: { fill: true }, color: { attribute: 'color' } },
  ],
});

type LayoutState = { state: 'idle' | 'running' | 'done'; layoutMs: number; renderMs: number; cached: boolean; iterations: number };

export const GraphCanvas = forwardRef<GraphCanvasHandle, Props>(function GraphCanvas(
  { nodes, edges, layoutKey, viewKey, selectedId, focusKey, expanded, onSelect, onExpand },
  ref,
) {
  const box = useRef<HTMLDivElement>(null);
  const graph = useRef(new Graph<NodeAttrs>({ type: 'directed', multi: true, allowSelfLoops: false }));
  const sigma = useRef<Sigma<NodeAttrs> | null>(null);
  const runner = useRef<LayoutRunner | null>(null);
  const lastKey = useRef(-1);
  const focused = useRef(focusKey);
  /** A focus asked for while the layout still moved the vertices: done when it ends. */
  const pendingFocus = useRef<number | null>(null);
  const view = useRef({ selectedId, expanded, theme: themeColours() });
  view.current.selectedId = selectedId;
  view.current.expanded = expanded;
  const handlers = useRef({ onSelect, onExpand });
  handlers.current = { onSelect, onExpand };
  const [stats, setStats] = useState<LayoutState>({ state: 'idle', layoutMs: 0, renderMs: 0, cached: false, iterations: 0 });
  /** Where the layout put the vertices, in short (the same graph must land the same way every visit). */
  const [layoutSig, setLayoutSig] = useState('');
  /** How far from the centre of the view a vertex brought into view ended up, in px. */
  const [focusOffset, setFocusOffset] = useState<number | null>(null);

  useEffect(() => {
    const container = box.current!;
    const s = new Sigma<NodeAttrs>(graph.current, container, {
      allowInvalidContainer: true,
      defaultNodeType: 'bordered',
      nodeProgramClasses: { bordered: NodeProgram },
      defaultEdgeType: 'line',
      // Moving the camera redraws only the vertices: edges and labels come back when it stops.
      hideEdgesOnMove: true,
      hideLabelsOnMove: true,
      labelRenderedSizeThreshold: 7,
      labelDensity: 0.6,
      labelGridCellSize: 90,
      labelFont: 'system-ui, sans-serif',
      labelSize: 11,
      zIndex: true,
      minCameraRatio: 0.02,
      maxCameraRatio: 4,
      stagePadding: 24,
      labelColor: { color: view.current.theme.text },
      nodeReducer: (node, data) => {
        const v = view.current;
        const id = Number(node);
        if (v.selectedId === id) return { ...data, borderColor: v.theme.accent, borderSize: 0.35, zIndex: 2, forceLabel: true, highlighted: true };
        if (v.expanded.has(id)) return { ...data, borderColor: v.theme.muted, borderSize: 0.25, zIndex: 1 };
        return data;
      },
      edgeReducer: (_edge, data) => ({ ...data, color: view.current.theme.muted }),
    });
    s.on('clickNode', ({ node }) => handlers.current.onSelect(Number(node)));
    s.on('doubleClickNode', (e) => {
      e.preventSigmaDefault();
      handlers.current.onExpand(Number(e.node));
    });
    s.on('clickStage', () => handlers.current.onSelect(null));
    s.on('enterNode', () => container.classList.add('over-node'));
    s.on('leaveNode', () => container.classList.remove('over-node'));
    sigma.current = s;
    runner.current = new LayoutRunner();
    return () => {
      runner.current?.dispose();
      runner.current = null;
      s.kill();
      sigma.current = null;
    };
  }, []);

  useEffect(() => {
    const s = sigma.current;
    const run = runner.current;
    if (!s || !run) return;
    const g = graph.current;
    const t0 = performance.now();
    const fresh = lastKey.current !== layoutKey;
    lastKey.current = layoutKey;
    const total = nodes.length;
    const colours = themeColours();
    const before = new Set(g.nodes());
    const want = new Set(nodes.map((n) => String(n.id)));
    if (fresh) g.clear();
    else for (const id of before) if (!want.has(id)) g.dropNode(id);
    const cached = fresh ? layoutCache.get(viewKey) : undefined;
    const seeds = fresh && (!cached || nodes.some((n) => !cached.has(n.id))) ? seedPositions(nodes) : null;
    const added: string[] = [];
    for (const n of nodes) {
      const key = String(n.id);
      const attrs = { size: radius(n, total), color: communityColour(n.community), label: label(n.value), borderColor: colours.muted, borderSize: 0 };
      if (g.hasNode(key)) {
        g.mergeNodeAttributes(key, attrs);
        continue;
      }
      const p = cached?.get(n.id) ?? seeds?.get(n.id) ?? [0, 0];
      g.addNode(key, { ...attrs, x: p[0], y: p[1] });
      added.push(key);
    }
    const wantEdges = new Set(edges.map(edgeId));
    if (!fresh) g.forEachEdge((e) => void (!wantEdges.has(e) && g.dropEdge(e)));
    for (const e of edges) {
      const key = edgeId(e);
      if (g.hasEdge(key) || !g.hasNode(String(e.src)) || !g.hasNode(String(e.dst)) || e.src === e.dst) continue;
      g.addDirectedEdgeWithKey(key, String(e.src), String(e.dst), { size: Math.min(3, 0.4 + 0.35 * Math.log2(Math.max(1, e.count))) });
    }
    if (!fresh) {
      // Newcomers of an expansion start around the vertex they hang off, scattered by a seeded generator.
      const rnd = seeded(seedOf(added.map(Number)));
      const isNew = new Set(added);
      for (const key of added) {
        const anchor = g.neighbors(key).find((m) => !isNew.has(m));
        const p = anchor ? g.getNodeAttributes(anchor) : { x: 0, y: 0 };
        g.mergeNodeAttributes(key, { x: p.x + (rnd() - 0.5) * 20, y: p.y + (rnd() - 0.5) * 20 });
      }
    }
    if (fresh) s.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
    const renderMs = Math.round(performance.now() - t0);

    const finish = (ms: number, fromCache: boolean, iterations: number) => {
      layoutCache.put(viewKey, g.mapNodes((id, a) => [Number(id), [a.x, a.y]] as [number, [number, number]]));
      setStats({ state: 'done', layoutMs: ms, renderMs, cached: fromCache, iterations });
      setLayoutSig(signature(g));
      if (pendingFocus.current !== null) {
        pendingFocus.current = null;
        focusSelected();
      }
    };
    if (g.order === 0) {
      run.stop();
      setStats({ state: 'done', layoutMs: 0, renderMs, cached: false, iterations: 0 });
      setLayoutSig(signature(g));
      return;
    }
    if (fresh && !seeds) {
      // The same view, laid out before: drawn where it was, nothing to compute.
      run.stop();
      finish(0, true, 0);
      return;
    }
    if (!fresh && added.length === 0) return;
    // Everything but the newcomers (of an expansion, or missing from a cached view) stays put.
    const moving = fresh && !cached ? null : new Set(added);
    setStats((st) => ({ ...st, state: 'running' }));
    // Each batch of positions is one graph update, which sigma draws at its next frame.
    run.start(g, moving, fresh && !cached ? undefined : 120, {
      onProgress: () => undefined,
      onDone: (ms, iterations) => finish(ms, false, iterations),
    });
  }, [nodes, edges, layoutKey]);

  /** Centre the selected vertex, close enough to read its neighbours; record how close it landed. */
  const focusSelected = () => {
    const s = sigma.current;
    const id = view.current.selectedId;
    if (!s || id === null || !graph.current.hasNode(String(id))) return;
    const d = s.getNodeDisplayData(String(id));
    if (!d) return;
    setFocusOffset(null);
    const camera = s.getCamera();
    void camera.animate({ x: d.x, y: d.y, ratio: Math.min(camera.ratio, 0.35) }, { duration: 250 }).then(() => {
      const a = graph.current.getNodeAttributes(String(id));
      const p = s.graphToViewport({ x: a.x, y: a.y });
      const { width, height } = s.getDimensions();
      setFocusOffset(Math.round(Math.hypot(p.x - width / 2, p.y - height / 2)));
    });
  };

  useEffect(() => {
    const s = sigma.current;
    if (!s) return;
    // The reducer reads the selection: draw again with it at the next frame.
    s.refresh({ schedule: true });
    if (selectedId === null || !graph.current.hasNode(String(selectedId))) return;
    if (focused.current !== focusKey) {
      // Found by search or reached by a pivot: centre on it once the layout has placed it.
      focused.current = focusKey;
      if (runner.current?.running) pendingFocus.current = selectedId;
      else focusSelected();
      return;
    }
    // Picked elsewhere (the edge list): bring it into view if it is off screen; a clicked one already is.
    const a = graph.current.getNodeAttributes(String(selectedId));
    const p = s.graphToViewport({ x: a.x, y: a.y });
    const { width, height } = s.getDimensions();
    const inside = p.x > 20 && p.y > 20 && p.x < width - 20 && p.y < height - 20;
    if (!inside) {
      const d = s.getNodeDisplayData(String(selectedId));
      if (d) void s.getCamera().animate({ x: d.x, y: d.y }, { duration: 250 });
    }
  }, [selectedId, expanded, nodes, focusKey]);

  const theme = useApp((st) => st.theme);
  useEffect(() => {
    // Labels, edges and the selection ring follow the light/dark theme.
    const s = sigma.current;
    if (!s) return;
    const t = themeColours();
    view.current.theme = t;
    s.setSetting('labelColor', { color: t.text });
    s.refresh({ schedule: true });
  }, [theme]);

  useImperativeHandle(ref, () => ({
    png: async (background) => {
      const s = sigma.current;
      if (!s) return null;
      const blob = await toBlob(s as unknown as Sigma, { format: 'png', backgroundColor: background });
      return URL.createObjectURL(blob);
    },
    fit: () => void sigma.current?.getCamera().animatedReset({ duration: 250 }),
  }));

  return (
    <div
      ref={box}
      className="graph-canvas"
      data-testid="graph-canvas"
      data-nodes={nodes.length}
      data-layout={stats.state}
      data-layout-sig={layoutSig}
      data-layout-cached={stats.cached ? 'yes' : 'no'}
      data-layout-iterations={stats.iterations}
      data-focus-offset={focusOffset ?? undefined}
      data-layout-ms={stats.layoutMs}
      data-render-ms={stats.renderMs}
      aria-label={`Entity graph: ${nodes.length} vertices, ${edges.length} edges`}
      role="img"
    />
  );
});
