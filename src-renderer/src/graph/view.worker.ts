/**
 * The graph view's worker: it lays the graph out (ForceAtlas2) and draws it on the OffscreenCanvas
 * the view handed over, so neither a 5,000-vertex layout nor drawing it while zooming ever runs on
 * the renderer's main thread. The layout is drawn as it settles; the camera (zoom, pan, fit, focus)
 * and hit tests live here too, the main thread only forwards input.
 */
import { drawnRadius, drawScene, type Camera, type Scene } from './draw';
import { Fa2Job } from './fa2';
import { prepareGraph, type PreparedGraph } from './prepare';
import type { FromView, GraphMessage, ToView, ViewTheme } from './view-protocol';

let canvas: OffscreenCanvas | null = null;
let ctx: OffscreenCanvasRenderingContext2D | null = null;
let width = 0;
let height = 0;
let dpr = 1;
let theme: ViewTheme = { text: '#d8dee9', muted: '#8892a0', accent: '#4fa3ff', edge: '#5b6675', background: '#0f1419' };
const cam: Camera = { cx: 0, cy: 0, scale: 1, fitScale: 1 };
let scene: Scene = empty();
let layout: { job: number; fa2: Fa2Job; loners: Int32Array } | null = null;
/** The view being laid out came whole from the layout cache. */
let cachedJob = false;
/** The camera follows the layout (fits it) until the analyst moves it. */
let follow = true;
let marks: { selected: number | null; expanded: number[]; group: number[] } = { selected: null, expanded: [], group: [] };
let pendingFocus: { id: number; zoom: boolean } | null = null;
let lastInteraction = 0;
/** While the camera moves over a big graph, frames leave edges and labels out. */
const LIGHT_OVER = 1500;
const LIGHT_FOR_MS = 160;

function empty(): Scene {
  return {
    ids: new Int32Array(0),
    xy: new Float32Array(0),
    radius: new Float32Array(0),
    colour: new Uint8Array(0),
    labels: [],
    edges: new Uint32Array(0),
    edgeWidth: new Float32Array(0),
    byRadius: new Int32Array(0),
    selected: -1,
    hovered: -1,
    expanded: new Uint8Array(0),
    group: new Uint8Array(0),
  };
}

const post = (msg: FromView, transfer: Transferable[] = []) => postMessage(msg, { transfer });

// ---- drawing, at most once a frame --------------------------------------------------------------
let frameQueued = false;
let fullTimer: ReturnType<typeof setTimeout> | null = null;
const nextFrame: (cb: () => void) => void =
  typeof requestAnimationFrame === 'function' ? (cb) => void requestAnimationFrame(cb) : (cb) => void setTimeout(cb, 16);

/** Ask for a frame: drawn at the next animation frame, or by the layout's next slice, whichever comes first. */
function draw(): void {
  if (frameQueued) return;
  frameQueued = true;
  nextFrame(() => {
    if (frameQueued) render();
  });
}

function render(): void {
  frameQueued = false;
  if (!ctx) return;
  const moving = performance.now() - lastInteraction < LIGHT_FOR_MS;
  const light = moving && scene.ids.length > LIGHT_OVER;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const t0 = performance.now();
  drawScene(ctx, scene, cam, theme, width, height, light);
  // The time of the drawing calls; the canvas rasterises them when this task ends, which this
  // does not include (forcing it here, with a read-back, would cost GPU machines their acceleration).
  post({ type: 'frame', ms: performance.now() - t0, light });
  if (light) {
    // The full frame once the camera has been still for a moment.
    if (fullTimer) clearTimeout(fullTimer);
    fullTimer = setTimeout(draw, LIGHT_FOR_MS);
  }
}

function interacted(): void {
  lastInteraction = performance.now();
  follow = false;
}

// ---- camera --------------------------------------------------------------------------------------
function bounds(): [number, number, number, number] | null {
  const n = scene.ids.length;
  if (n === 0) return null;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = scene.xy[2 * i]!;
    const y = scene.xy[2 * i + 1]!;
    if (x < x1) x1 = x;
    if (x > x2) x2 = x;
    if (y < y1) y1 = y;
    if (y > y2) y2 = y;
  }
  return [x1, y1, x2, y2];
}

function fit(): void {
  const b = bounds();
  if (!b || width === 0) return;
  // Room for labels at the sides and, at the bottom, for the legend drawn over the view.
  const pad = 36;
  const padBottom = Math.min(72, height / 5);
  const s = Math.min((width - 2 * pad) / Math.max(1e-6, b[2] - b[0]), (height - pad - padBottom) / Math.max(1e-6, b[3] - b[1]));
  cam.scale = Math.min(s, 50);
  cam.fitScale = cam.scale;
  cam.cx = (b[0] + b[2]) / 2;
  cam.cy = (b[1] + b[3]) / 2 + (padBottom - pad) / 2 / cam.scale;
}

function animateTo(target: { cx: number; cy: number; scale: number }, done?: () => void): void {
  const from = { ...cam };
  const t0 = performance.now();
  const step = () => {
    const k = Math.min(1, (performance.now() - t0) / 250);
    const e = k * (2 - k);
    cam.cx = from.cx + (target.cx - from.cx) * e;
    cam.cy = from.cy + (target.cy - from.cy) * e;
    cam.scale = from.scale * Math.pow(target.scale / from.scale, e);
    lastInteraction = performance.now();
    draw();
    if (k < 1) nextFrame(step);
    else {
      lastInteraction = 0;
      draw();
      done?.();
    }
  };
  nextFrame(step);
}

function focus(id: number, zoom: boolean): void {
  const i = indexOf(id);
  if (i < 0) return;
  follow = false;
  const x = scene.xy[2 * i]!;
  const y = scene.xy[2 * i + 1]!;
  const scale = zoom ? Math.max(cam.scale, cam.fitScale * 3) : cam.scale;
  animateTo({ cx: x, cy: y, scale }, () => {
    const dx = (x - cam.cx) * cam.scale;
    const dy = (y - cam.cy) * cam.scale;
    post({ type: 'focused', offset: Math.round(Math.hypot(dx, dy)) });
  });
}

let idIndex = new Map<number, number>();
const indexOf = (id: number) => idIndex.get(id) ?? -1;

/** The vertex under a point of the view (px), the one drawn on top first; -1 for none. */
function hit(px: number, py: number): number {
  const order = [scene.selected, scene.hovered];
  for (const i of order) if (i >= 0 && near(i, px, py)) return i;
  for (let i = scene.ids.length - 1; i >= 0; i--) if (near(i, px, py)) return i;
  return -1;
}

function near(i: number, px: number, py: number): boolean {
  const x = (scene.xy[2 * i]! - cam.cx) * cam.scale + width / 2;
  const y = (scene.xy[2 * i + 1]! - cam.cy) * cam.scale + height / 2;
  const r = drawnRadius(scene, cam, i) + 2;
  return (x - px) ** 2 + (y - py) ** 2 <= r * r;
}

// ---- the graph and its layout ----------------------------------------------------------------------
function applyMarks(): void {
  scene.selected = marks.selected === null ? -1 : indexOf(marks.selected);
  scene.expanded = new Uint8Array(scene.ids.length);
  for (const id of marks.expanded) {
    const i = indexOf(id);
    if (i >= 0) scene.expanded[i] = 1;
  }
  scene.group = new Uint8Array(scene.ids.length);
  for (const id of marks.group) {
    const i = indexOf(id);
    if (i >= 0) scene.group[i] = 1;
  }
}

function setGraph(m: GraphMessage): void {
  const g = prepareGraph(m);
  const n = m.ids.length;
  const old = scene;
  const oldIndex = idIndex;
  const { xy, given } = g;
  idIndex = g.index;
  // An expansion keeps what is on screen where it is.
  if (!m.fresh) {
    for (let i = 0; i < n; i++) {
      const j = oldIndex.get(m.ids[i]!);
      if (j !== undefined) {
        xy[2 * i] = old.xy[2 * j]!;
        xy[2 * i + 1] = old.xy[2 * j + 1]!;
        given[i] = 1;
      }
    }
  }
  const degree = new Uint32Array(n);
  for (let k = 0; k < g.edges.length; k++) degree[g.edges[k]!]!++;
  placeNewcomers(m.ids, g);
  const byRadius = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => g.radius[b]! - g.radius[a]! || a - b);
  scene = { ids: m.ids, xy, radius: g.radius, colour: g.colour, labels: g.labels, edges: g.edges, edgeWidth: g.edgeWidth, byRadius, selected: -1, hovered: -1, expanded: new Uint8Array(n), group: new Uint8Array(n) };
  applyMarks();
  if (m.fresh) follow = true;
  // Vertices with no edge on screen take no part in the forces: they go in rows under the rest.
  const moves = (i: number) => !g.onlyNew || !given[i];
  const loners: number[] = [];
  const members: number[] = [];
  for (let i = 0; i < n; i++) (degree[i] === 0 && moves(i) ? loners : members).push(i);
  const pos = new Map(members.map((i, k) => [i, k]));
  const pairs = new Uint32Array(g.edges.length);
  let p = 0;
  for (let e = 0; e < g.edges.length / 2; e++) {
    const a = pos.get(g.edges[2 * e]!);
    const b = pos.get(g.edges[2 * e + 1]!);
    if (a === undefined || b === undefined || a === b) continue;
    pairs[p++] = a;
    pairs[p++] = b;
  }
  const fixed = Uint8Array.from(members, (i) => (moves(i) ? 0 : 1));
  layout = null;
  cachedJob = g.cached;
  if (g.iterations > 0 && members.length > 0) {
    layout = { job: m.job, fa2: new Fa2Job(Int32Array.from(members), xy, g.radius, fixed, pairs.subarray(0, p), g.iterations), loners: Int32Array.from(loners) };
    nextSlice(step);
  } else {
    placeLoners(Int32Array.from(loners));
    finish(m.job, 0, 0);
  }
  if (follow) fit();
  draw();
}

/** Newcomers without a position start near a placed neighbour (or the middle), jittered by their id. */
function placeNewcomers(ids: Int32Array, g: PreparedGraph): void {
  const anchor = new Int32Array(ids.length).fill(-1);
  for (let e = 0; e < g.edges.length / 2; e++) {
    const a = g.edges[2 * e]!;
    const b = g.edges[2 * e + 1]!;
    if (!g.given[a] && g.given[b] && anchor[a]! < 0) anchor[a] = b;
    if (!g.given[b] && g.given[a] && anchor[b]! < 0) anchor[b] = a;
  }
  for (let i = 0; i < ids.length; i++) {
    if (g.given[i]) continue;
    const j = anchor[i]!;
    const h = Math.imul(ids[i]! ^ 0x9e3779b9, 2654435761) >>> 0;
    const jx = ((h & 0xffff) / 0xffff - 0.5) * 20;
    const jy = ((h >>> 16) / 0xffff - 0.5) * 20;
    g.xy[2 * i] = (j >= 0 ? g.xy[2 * j]! : 0) + jx;
    g.xy[2 * i + 1] = (j >= 0 ? g.xy[2 * j + 1]! : 0) + jy;
  }
}

function placeLoners(loners: Int32Array): void {
  if (loners.length === 0) return;
  const lonerSet = new Set(loners);
  let x1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let i = 0; i < scene.ids.length; i++) {
    if (lonerSet.has(i)) continue;
    x1 = Math.min(x1, scene.xy[2 * i]!);
    x2 = Math.max(x2, scene.xy[2 * i]!);
    y2 = Math.max(y2, scene.xy[2 * i + 1]!);
  }
  if (!Number.isFinite(x1)) [x1, x2, y2] = [0, 100, 0];
  const perRow = Math.max(10, Math.ceil(Math.sqrt(loners.length * 4)));
  const gap = Math.max(1, (x2 - x1) / perRow);
  loners.forEach((i, k) => {
    scene.xy[2 * i] = x1 + (k % perRow) * gap;
    scene.xy[2 * i + 1] = y2 + gap * (2 + Math.floor(k / perRow));
  });
}

let lastProgressDraw = 0;

function step(): void {
  const l = layout;
  if (!l) return;
  l.fa2.run(30);
  l.fa2.writeTo(scene.xy);
  placeLoners(l.loners);
  if (l.fa2.finished) {
    layout = null;
    finish(l.job, Math.round(l.fa2.ms), l.fa2.done);
    if (follow) fit();
    draw();
    return;
  }
  post({ type: 'progress', job: l.job, done: l.fa2.done, iterations: l.fa2.iterations });
  // Drawn as it settles, a few times a second (drawing every slice would slow the layout down),
  // and here rather than at an animation frame: the slices leave none free until they end. A
  // frame asked for by the analyst (a zoom, a pan) is drawn by the next slice.
  if (performance.now() - lastProgressDraw > (scene.ids.length > LIGHT_OVER ? 300 : 120)) {
    lastProgressDraw = performance.now();
    if (follow) fit();
    render();
  } else if (frameQueued) render();
  nextSlice(step);
}

/**
 * The next slice as soon as the worker's queue is free. Not setTimeout(0): nested timers in a
 * worker were held back ~350 ms each (a 5,000-vertex layout of 6 s took 50 s of wall time).
 * Messages from the view (wheel, pan, hit tests) queue alongside and are answered between slices.
 */
const nextSlice = (() => {
  const channel = new MessageChannel();
  let queued: (() => void) | null = null;
  channel.port1.onmessage = () => {
    const f = queued;
    queued = null;
    f?.();
  };
  return (f: () => void) => {
    // One message in flight at a time: a new layout over a running one does not start a second chain.
    if (queued === null) channel.port2.postMessage(null);
    queued = f;
  };
})();

function finish(job: number, ms: number, iterations: number): void {
  const ids = scene.ids.slice();
  const xy = scene.xy.slice();
  post({ type: 'done', job, ms, iterations, cached: cachedJob, ids, xy, signature: signature() }, [ids.buffer, xy.buffer]);
  if (pendingFocus) {
    const f = pendingFocus;
    pendingFocus = null;
    focus(f.id, f.zoom);
  }
}

/** Positions relative to the lowest-numbered vertex, rounded: equal for equal layouts. */
function signature(): string {
  const n = scene.ids.length;
  if (n === 0) return '0:0';
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scene.ids[a]! - scene.ids[b]!);
  const o = order[0]!;
  let h = 0;
  for (const i of order) {
    const dx = Math.round(scene.xy[2 * i]! - scene.xy[2 * o]!);
    const dy = Math.round(scene.xy[2 * i + 1]! - scene.xy[2 * o + 1]!);
    h = (Math.imul(h, 31) + dx * 7 + dy) | 0;
  }
  return `${n}:${(h >>> 0).toString(36)}`;
}

async function exportPng(seq: number, background: string): Promise<void> {
  const scale = 2;
  const out = new OffscreenCanvas(Math.max(1, width * scale), Math.max(1, height * scale));
  const c = out.getContext('2d');
  if (!c) return post({ type: 'export', seq, blob: null });
  c.setTransform(scale, 0, 0, scale, 0, 0);
  drawScene(c, scene, cam, theme, width, height, false, background);
  post({ type: 'export', seq, blob: await out.convertToBlob({ type: 'image/png' }) });
}

onmessage = (e: MessageEvent<ToView>) => {
  const m = e.data;
  switch (m.type) {
    case 'init':
      canvas = m.canvas;
      ctx = canvas.getContext('2d');
      theme = m.theme;
      resize(m.width, m.height, m.dpr);
      return;
    case 'resize':
      resize(m.width, m.height, m.dpr);
      return;
    case 'theme':
      theme = m.theme;
      return draw();
    case 'graph':
      return setGraph(m);
    case 'marks':
      marks = { selected: m.selected, expanded: m.expanded, group: m.group };
      applyMarks();
      return draw();
    case 'wheel': {
      interacted();
      // Zoom about the cursor: the graph point under it stays under it.
      const k = Math.exp(-m.deltaY / 500);
      const next = Math.min(cam.fitScale * 60, Math.max(cam.fitScale * 0.2, cam.scale * k));
      const gx = (m.x - width / 2) / cam.scale + cam.cx;
      const gy = (m.y - height / 2) / cam.scale + cam.cy;
      cam.scale = next;
      cam.cx = gx - (m.x - width / 2) / next;
      cam.cy = gy - (m.y - height / 2) / next;
      return draw();
    }
    case 'pan':
      interacted();
      cam.cx -= m.dx / cam.scale;
      cam.cy -= m.dy / cam.scale;
      return draw();
    case 'fit':
      follow = true;
      fit();
      return draw();
    case 'focus':
      if (layout) pendingFocus = { id: m.id, zoom: m.zoom };
      else focus(m.id, m.zoom);
      return;
    case 'hit': {
      const i = hit(m.x, m.y);
      return post({ type: 'hit', seq: m.seq, id: i < 0 ? null : scene.ids[i]! });
    }
    case 'hover': {
      const i = hit(m.x, m.y);
      if (i === scene.hovered) return;
      scene.hovered = i;
      post({ type: 'hover', id: i < 0 ? null : scene.ids[i]! });
      return draw();
    }
    case 'export':
      void exportPng(m.seq, m.background);
      return;
  }
};

function resize(w: number, h: number, ratio: number): void {
  width = w;
  height = h;
  dpr = ratio;
  if (canvas) {
    canvas.width = Math.max(1, Math.round(w * ratio));
    canvas.height = Math.max(1, Math.round(h * ratio));
  }
  if (follow) fit();
  draw();
}

