/**
 * The graph drawing: cytoscape with the fcose force layout. Communities are coloured, vertex size
 * follows PageRank, edge width follows the count. A replaced view is laid out from scratch; an
 * expanded one keeps what is on screen and places the newcomers around the vertex they came from.
 */
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import fcose from 'cytoscape-fcose';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import type { GraphEdge, GraphNode } from '../../../src-shared/contract-graph';
import { themeColours } from '../charts';
import { useApp } from '../store/app';
import { edgeId } from '../store/graph';

cytoscape.use(fcose);

/**
 * cytoscape injects a one-rule <style> (position: relative on its container) unless an element with
 * this id exists; the CSP forbids inline styles, and .graph-canvas is positioned already.
 */
function claimCytoscapeStylesheet(): void {
  const id = '__________cytoscape_stylesheet';
  if (document.getElementById(id)) return;
  const marker = document.createElement('meta');
  marker.id = id;
  document.head.appendChild(marker);
}

/** Distinct on dark and light backgrounds; community n takes colour n mod 12. */
export const COMMUNITY_COLOURS = ['#4fa3ff', '#f0b44c', '#43c59e', '#ff6b6b', '#b48cff', '#4dd0e1', '#ff9f5a', '#9ccc65', '#f06292', '#a1887f', '#7986cb', '#e0c341'];

export function communityColour(c: number | null): string {
  return c === null ? '#8892a0' : (COMMUNITY_COLOURS[c % COMMUNITY_COLOURS.length] as string);
}

const SHAPES: Record<string, string> = {
  ip: 'ellipse',
  user: 'round-rectangle',
  host: 'diamond',
  process: 'hexagon',
  file: 'rectangle',
  domain: 'triangle',
  url: 'tag',
  user_agent: 'octagon',
};

export interface GraphCanvasHandle {
  png(background: string): string | null;
  fit(): void;
}

interface Props {
  nodes: GraphNode[];
  edges: GraphEdge[];
  layoutKey: number;
  selectedId: number | null;
  /** Bumped when the selected vertex was brought into view on purpose: pan and zoom to it. */
  focusKey: number;
  /** Selected together with the selected vertex: a campaign's members. */
  groupIds?: Set<number>;
  expanded: ReadonlySet<number>;
  onSelect(id: number | null): void;
  onExpand(id: number): void;
}

/** Vertex diameter from its PageRank share (1 = an average vertex): 14 px to 64 px, log scale. */
function size(n: GraphNode, count: number): number {
  if (n.pagerank === null) return 18;
  const share = Math.max(1e-3, n.pagerank * count);
  return Math.round(Math.min(64, Math.max(14, 22 + 12 * Math.log2(share))));
}

function label(v: string): string {
  return v.length > 28 ? `${v.slice(0, 26)}…` : v;
}

function nodeElement(n: GraphNode, total: number): ElementDefinition {
  return {
    group: 'nodes',
    data: { id: String(n.id), label: label(n.value), colour: communityColour(n.community), size: size(n, total), shape: SHAPES[n.type] ?? 'ellipse' },
  };
}

function edgeElement(e: GraphEdge): ElementDefinition {
  return {
    group: 'edges',
    data: { id: edgeId(e), source: String(e.src), target: String(e.dst), width: Math.min(8, 1 + Math.log2(e.count)), label: e.type.replace(/_/g, ' ') },
  };
}

/** A small seeded generator (mulberry32): the same graph is laid out the same way on every visit. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Positions of the vertices relative to the first one, rounded: equal for equal layouts. */
function signature(c: Core): string {
  const nodes = c.nodes().sort((a, b) => (a.id() < b.id() ? -1 : 1));
  const o = nodes[0]?.position() ?? { x: 0, y: 0 };
  let h = 0;
  nodes.forEach((n) => {
    const p = n.position();
    h = (Math.imul(h, 31) + Math.round(p.x - o.x) * 7 + Math.round(p.y - o.y)) | 0;
  });
  return `${nodes.length}:${(h >>> 0).toString(36)}`;
}

/** A seed from what is on screen, so the layout depends on the graph, not on the visit. */
function seedOf(ids: string[]): number {
  let h = 2166136261;
  for (const id of ids) for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Run `fn` with Math.random replaced by a seeded generator: fcose draws its spectral samples and
 * jitter from Math.random, and its run is synchronous when not animated.
 */
function withSeed<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = seeded(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

export const GraphCanvas = forwardRef<GraphCanvasHandle, Props>(function GraphCanvas({ nodes, edges, layoutKey, selectedId, focusKey, groupIds, expanded, onSelect, onExpand }, ref) {
  const box = useRef<HTMLDivElement>(null);
  const focused = useRef(focusKey);
  const cy = useRef<Core | null>(null);
  const lastKey = useRef(-1);
  const handlers = useRef({ onSelect, onExpand });
  handlers.current = { onSelect, onExpand };
  const [stats, setStats] = useState<{ state: 'idle' | 'running' | 'done'; layoutMs: number; renderMs: number }>({ state: 'idle', layoutMs: 0, renderMs: 0 });
  /** Where the layout put the vertices, in short (the same graph must land the same way every visit). */
  const [layoutSig, setLayoutSig] = useState('');
  /** How far from the centre of the view a vertex brought into view ended up, in px. */
  const [focusOffset, setFocusOffset] = useState<number | null>(null);

  useEffect(() => {
    claimCytoscapeStylesheet();
    const c = cytoscape({
      container: box.current,
      minZoom: 0.05,
      maxZoom: 4,
      // Big graphs stay fluid while panning: draw a cached bitmap, hide edges meanwhile.
      textureOnViewport: true,
      hideEdgesOnViewport: true,
      pixelRatio: 1,
      style: [
        {
          selector: 'node',
          style: {
            'background-color': 'data(colour)',
            width: 'data(size)',
            height: 'data(size)',
            shape: 'data(shape)' as unknown as cytoscape.Css.NodeShape,
            label: 'data(label)',
            color: '#b8c2cf',
            'font-size': 10,
            'min-zoomed-font-size': 8,
            'text-valign': 'bottom',
            'text-margin-y': 3,
            'text-outline-width': 2,
            'text-outline-color': '#0f1419',
            'border-width': 1,
            'border-color': '#0f1419',
          },
        },
        // Labels of small vertices only once zoomed in, so an overview stays readable.
        { selector: 'node[size < 26]', style: { 'min-zoomed-font-size': 13 } },
        { selector: 'node.expanded', style: { 'border-width': 3, 'border-color': '#d8dee9' } },
        { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#ffffff', 'overlay-opacity': 0 } },
        { selector: 'node.group', style: { 'border-width': 4, 'border-color': '#f5a524' } },
        {
          selector: 'edge',
          style: {
            width: 'data(width)',
            'line-color': '#5b6675',
            'target-arrow-color': '#5b6675',
            'target-arrow-shape': 'triangle',
            'arrow-scale': 0.6,
            'curve-style': 'haystack',
            opacity: 0.7,
          },
        },
        { selector: 'edge:selected', style: { 'line-color': '#4fa3ff', label: 'data(label)', 'font-size': 9, color: '#b8c2cf', 'curve-style': 'bezier' } },
      ],
    });
    c.on('tap', 'node', (e) => handlers.current.onSelect(Number(e.target.id())));
    c.on('dbltap', 'node', (e) => handlers.current.onExpand(Number(e.target.id())));
    c.on('tap', (e) => {
      if (e.target === c) handlers.current.onSelect(null);
    });
    cy.current = c;
    return () => {
      c.destroy();
      cy.current = null;
    };
  }, []);

  useEffect(() => {
    const c = cy.current;
    if (!c) return;
    const t0 = performance.now();
    const fresh = lastKey.current !== layoutKey;
    lastKey.current = layoutKey;
    const wantNodes = new Set(nodes.map((n) => String(n.id)));
    const wantEdges = new Set(edges.map(edgeId));
    const added: cytoscape.CollectionReturnValue[] = [];
    c.batch(() => {
      if (fresh) c.elements().remove();
      else c.elements().filter((el) => (el.isNode() ? !wantNodes.has(el.id()) : !wantEdges.has(el.id()))).remove();
      const total = nodes.length;
      const toAdd: ElementDefinition[] = [];
      for (const n of nodes) {
        const existing = c.getElementById(String(n.id));
        if (existing.nonempty()) existing.data(nodeElement(n, total).data);
        else toAdd.push(nodeElement(n, total));
      }
      for (const e of edges) if (c.getElementById(edgeId(e)).empty()) toAdd.push(edgeElement(e));
      if (toAdd.length) added.push(c.add(toAdd));
      // Newcomers of an expansion start around the vertex they hang off.
      if (!fresh) {
        const rnd = seeded(seedOf((added[0]?.nodes() ?? c.collection()).map((n) => n.id())));
        for (const el of added[0]?.nodes() ?? []) {
          const anchor = el.neighborhood().nodes().filter((m) => !added[0]!.contains(m));
          const p = anchor.nonempty() ? anchor.nodes()[0]!.position() : { x: 0, y: 0 };
          el.position({ x: p.x + (rnd() - 0.5) * 80, y: p.y + (rnd() - 0.5) * 80 });
        }
      }
    });
    const renderMs = performance.now() - t0;
    if (c.nodes().length === 0) {
      setStats({ state: 'done', layoutMs: 0, renderMs });
      return;
    }
    if (!fresh && added.length === 0) return;
    const big = c.nodes().length > 1000;
    setStats((s) => ({ ...s, state: 'running' }));
    const started = performance.now();
    // On a big fresh view, vertices with a single neighbour (a path one client asked for, an
    // account tried once) are left out of the force layout and set around that neighbour after:
    // fcose's cost grows with every vertex, and a ring of leaves is where it would put them.
    const leaves = fresh && big ? c.nodes().filter((n) => n.degree(false) === 1) : c.collection();
    // Vertices with no edge on screen (their edges were capped away) go in rows under the rest.
    const loners = fresh && big ? c.nodes().filter((n) => n.degree(false) === 0) : c.collection();
    const core = c.elements().not(leaves).not(leaves.connectedEdges()).not(loners);
    const layout = core.layout({
      name: 'fcose',
      // A fresh view: spectral draft then (for small graphs) force refinement; an expansion keeps positions.
      quality: fresh ? (big ? 'draft' : 'default') : 'proof',
      randomize: fresh,
      animate: false,
      fit: !big,
      padding: 30,
      nodeRepulsion: () => 6000,
      idealEdgeLength: () => 60,
      numIter: big ? 1000 : 2500,
      samplingType: true,
      sampleSize: 25,
      tile: !big,
    } as cytoscape.LayoutOptions);
    layout.one('layoutstop', () => {
      if (leaves.nonempty()) {
        c.batch(() => {
          const rings = new Map<string, cytoscape.NodeSingular[]>();
          leaves.forEach((leaf) => {
            const hub = leaf.neighborhood().nodes()[0];
            const key = hub ? hub.id() : '';
            rings.set(key, [...(rings.get(key) ?? []), leaf]);
          });
          for (const [hubId, ring] of rings) {
            const hub = c.getElementById(hubId);
            const centre = hub.nonempty() ? hub.position() : { x: 0, y: 0 };
            const radius = 40 + 6 * Math.sqrt(ring.length);
            ring.forEach((leaf, i) => {
              const a = (2 * Math.PI * i) / ring.length;
              leaf.position({ x: centre.x + radius * Math.cos(a), y: centre.y + radius * Math.sin(a) });
            });
          }
        });
      }
      if (loners.nonempty()) {
        const box = core.nonempty() ? core.boundingBox({}) : { x1: 0, x2: 1000, y2: 0 };
        const perRow = Math.max(10, Math.round((box.x2 - box.x1) / 30));
        c.batch(() => loners.forEach((n, i) => void n.position({ x: box.x1 + (i % perRow) * 30, y: box.y2 + 80 + Math.floor(i / perRow) * 30 })));
      }
      if (big) c.fit(undefined, 30);
      setStats({ state: 'done', layoutMs: Math.round(performance.now() - started), renderMs: Math.round(renderMs) });
      setLayoutSig(signature(c));
    });
    withSeed(seedOf(c.nodes().map((n) => n.id()).sort()), () => layout.run());
  }, [nodes, edges, layoutKey]);

  useEffect(() => {
    const c = cy.current;
    if (!c) return;
    c.batch(() => {
      c.nodes().unselect();
      c.nodes('.group').removeClass('group');
      for (const id of groupIds ?? []) c.getElementById(String(id)).addClass('group').select();
      if (selectedId !== null) c.getElementById(String(selectedId)).select();
      c.nodes('.expanded').forEach((n) => {
        if (!expanded.has(Number(n.id()))) n.removeClass('expanded');
      });
      for (const id of expanded) c.getElementById(String(id)).addClass('expanded');
    });
    const sel = selectedId === null ? null : c.getElementById(String(selectedId));
    if (!sel || sel.empty()) return;
    if (focused.current !== focusKey) {
      // Found by search or reached by a pivot: centre on it, close enough to read its neighbours.
      focused.current = focusKey;
      c.stop();
      setFocusOffset(null);
      c.animate(
        { center: { eles: sel }, zoom: Math.min(1.6, Math.max(c.zoom(), 1)) },
        {
          duration: 250,
          complete: () => {
            const p = sel.renderedPosition();
            setFocusOffset(Math.round(Math.hypot(p.x - c.width() / 2, p.y - c.height() / 2)));
          },
        },
      );
      return;
    }
    // Picked elsewhere (the edge list): bring it into view if it is off screen; a tapped one already is.
    const p = sel.renderedPosition();
    const inside = p.x > 20 && p.y > 20 && p.x < c.width() - 20 && p.y < c.height() - 20;
    if (!inside) c.animate({ center: { eles: sel } }, { duration: 250 });
  }, [selectedId, expanded, nodes, focusKey, groupIds]);

  const theme = useApp((st) => st.theme);
  useEffect(() => {
    // Labels and the selection ring follow the light/dark theme.
    const c = cy.current;
    if (!c) return;
    const t = themeColours();
    const bg = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#0f1419';
    c.style()
      .selector('node')
      .style({ color: t.text, 'text-outline-color': bg, 'border-color': bg })
      .selector('node.expanded')
      .style({ 'border-width': 3, 'border-color': t.muted })
      .selector('node:selected')
      .style({ 'border-width': 4, 'border-color': t.accent })
      .selector('edge:selected')
      .style({ color: t.text })
      .update();
  }, [theme]);

  useImperativeHandle(ref, () => ({
    png: (background) => cy.current?.png({ full: true, scale: 2, bg: background, output: 'base64uri' }) ?? null,
    fit: () => cy.current?.fit(undefined, 30),
  }));

  return (
    <div
      ref={box}
      className="graph-canvas"
      data-testid="graph-canvas"
      data-nodes={nodes.length}
      data-layout={stats.state}
      data-layout-sig={layoutSig}
      data-focus-offset={focusOffset ?? undefined}
      data-layout-ms={stats.layoutMs}
      data-render-ms={stats.renderMs}
      aria-label={`Entity graph: ${nodes.length} vertices, ${edges.length} edges`}
      role="img"
    />
  );
});
