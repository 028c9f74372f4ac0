/**
 * Drawing the entity graph on a 2D canvas (an OffscreenCanvas in the view worker): edges in a few
 * batched strokes, vertices in one filled path per community colour, rings for the selected and
 * expanded ones, and labels of the biggest vertices where they do not collide.
 */
import type { ViewTheme } from './view-protocol';

/** Distinct on dark and light backgrounds; community n takes colour n mod 12. */
export const COMMUNITY_COLOURS = ['#4fa3ff', '#f0b44c', '#43c59e', '#ff6b6b', '#b48cff', '#4dd0e1', '#ff9f5a', '#9ccc65', '#f06292', '#a1887f', '#7986cb', '#e0c341'];
export const NO_COMMUNITY = 255;
const NO_COMMUNITY_COLOUR = '#8892a0';
/** The ring of a group selected together (a campaign's members): amber on either theme. */
const GROUP_COLOUR = '#f5a524';

export interface Scene {
  ids: Int32Array;
  xy: Float32Array;
  radius: Float32Array;
  colour: Uint8Array;
  labels: string[];
  edges: Uint32Array;
  edgeWidth: Float32Array;
  /** Vertex indexes, biggest first: the order labels are tried in. */
  byRadius: Int32Array;
  selected: number;
  hovered: number;
  expanded: Uint8Array;
  /** Selected with the selected vertex as one group (a campaign's members). */
  group: Uint8Array;
}

export interface Camera {
  /** The graph point at the middle of the view, and px per graph unit. */
  cx: number;
  cy: number;
  scale: number;
  /** The scale that fits the whole graph: vertex sizes grow gently from there as one zooms in. */
  fitScale: number;
}

export const screenX = (cam: Camera, w: number, x: number) => (x - cam.cx) * cam.scale + w / 2;
export const screenY = (cam: Camera, h: number, y: number) => (y - cam.cy) * cam.scale + h / 2;

/** Drawn radius: the vertex's own, a little larger zoomed in, a little smaller zoomed out. */
export function drawnRadius(scene: Scene, cam: Camera, i: number): number {
  const z = Math.min(4, Math.max(0.5, Math.sqrt(cam.scale / Math.max(1e-9, cam.fitScale))));
  return scene.radius[i]! * z;
}

export function colourOf(c: number): string {
  return c === NO_COMMUNITY ? NO_COMMUNITY_COLOUR : (COMMUNITY_COLOURS[c % COMMUNITY_COLOURS.length] as string);
}

/**
 * One frame. `light` leaves out edges and labels (while the camera moves over a big graph: they
 * come back in the frame after it stops); `background` fills the frame (for an exported image).
 */
export function drawScene(
  ctx: OffscreenCanvasRenderingContext2D,
  scene: Scene,
  cam: Camera,
  theme: ViewTheme,
  w: number,
  h: number,
  light: boolean,
  background?: string,
): void {
  ctx.clearRect(0, 0, w, h);
  if (background) {
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, w, h);
  }
  const n = scene.ids.length;
  const sx = new Float32Array(n);
  const sy = new Float32Array(n);
  const sr = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    sx[i] = screenX(cam, w, scene.xy[2 * i]!);
    sy[i] = screenY(cam, h, scene.xy[2 * i + 1]!);
    sr[i] = drawnRadius(scene, cam, i);
  }
  if (!light) drawEdges(ctx, scene, sx, sy, theme, w, h);
  // Vertices, one path per colour.
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = sr[i]!;
    if (sx[i]! + r < 0 || sx[i]! - r > w || sy[i]! + r < 0 || sy[i]! - r > h) continue;
    const c = scene.colour[i]!;
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(i);
  }
  // Each disc filled on its own: Skia has a fast path for one circle, none for a path of thousands.
  for (const [c, list] of groups) {
    ctx.fillStyle = colourOf(c);
    for (const i of list) {
      ctx.beginPath();
      ctx.arc(sx[i]!, sy[i]!, sr[i]!, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  const ring = (i: number, colour: string, width: number) => {
    ctx.beginPath();
    ctx.arc(sx[i]!, sy[i]!, sr[i]! + width / 2 + 1, 0, 2 * Math.PI);
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.stroke();
  };
  for (let i = 0; i < n; i++) if (scene.expanded[i]) ring(i, theme.muted, 2);
  for (let i = 0; i < n; i++) if (scene.group[i]) ring(i, GROUP_COLOUR, 3);
  if (scene.hovered >= 0) ring(scene.hovered, theme.text, 1.5);
  if (scene.selected >= 0) ring(scene.selected, theme.accent, 3);
  if (!light) drawLabels(ctx, scene, sx, sy, sr, theme, w, h);
}

/**
 * Edges, drawn the way Skia rasterises fast in software: thin ones in one path stroked 1 px wide
 * (drawn as hairlines: a 5,000-vertex view in ~8 ms, where one stroked path per width took
 * 150-1,100 ms), thicker ones each stroked on its own (a single segment is a quad; a path of
 * thousands of wide segments goes through the stroker and a full-size mask).
 */
function drawEdges(ctx: OffscreenCanvasRenderingContext2D, scene: Scene, sx: Float32Array, sy: Float32Array, theme: ViewTheme, w: number, h: number): void {
  const m = scene.edges.length / 2;
  const thin = new Path2D();
  const thick: number[] = [];
  for (let e = 0; e < m; e++) {
    const a = scene.edges[2 * e]!;
    const b = scene.edges[2 * e + 1]!;
    // Both ends off the same side of the view: nothing of it shows.
    if ((sx[a]! < 0 && sx[b]! < 0) || (sx[a]! > w && sx[b]! > w) || (sy[a]! < 0 && sy[b]! < 0) || (sy[a]! > h && sy[b]! > h)) continue;
    if (scene.edgeWidth[e]! > 1.25) thick.push(e);
    else {
      thin.moveTo(sx[a]!, sy[a]!);
      thin.lineTo(sx[b]!, sy[b]!);
    }
  }
  ctx.globalAlpha = 0.45;
  ctx.strokeStyle = theme.edge;
  ctx.lineWidth = 1;
  ctx.stroke(thin);
  for (const e of thick) {
    const a = scene.edges[2 * e]!;
    const b = scene.edges[2 * e + 1]!;
    ctx.lineWidth = Math.round(scene.edgeWidth[e]! * 2) / 2;
    ctx.beginPath();
    ctx.moveTo(sx[a]!, sy[a]!);
    ctx.lineTo(sx[b]!, sy[b]!);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}

const LABEL_MIN_RADIUS = 6;
const MAX_LABELS = 250;
const LABEL_H = 14;
const LABEL_GAP = 6;
const CELL = 64;
/** Label widths in px by the scene's label list, measured once (the font never changes). */
const labelWidths = new WeakMap<string[], Float32Array>();

/** Labels of the biggest vertices first, skipping any whose box would overlap one already drawn. */
function drawLabels(
  ctx: OffscreenCanvasRenderingContext2D,
  scene: Scene,
  sx: Float32Array,
  sy: Float32Array,
  sr: Float32Array,
  theme: ViewTheme,
  w: number,
  h: number,
): void {
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.lineJoin = 'round';
  let widths = labelWidths.get(scene.labels);
  if (!widths) labelWidths.set(scene.labels, (widths = new Float32Array(scene.labels.length).fill(-1)));
  // Boxes drawn so far, indexed by the grid cells they cover.
  const boxes: number[] = [];
  const grid = new Map<number, number[]>();
  const cols = Math.ceil((w + 200) / CELL) + 1;
  const cellsOf = (x1: number, y1: number, x2: number, y2: number, visit: (cell: number) => boolean | void) => {
    for (let cy = Math.floor((y1 + 100) / CELL); cy <= Math.floor((y2 + 100) / CELL); cy++)
      for (let cx = Math.floor((x1 + 100) / CELL); cx <= Math.floor((x2 + 100) / CELL); cx++) if (visit(cy * cols + cx) === true) return true;
    return false;
  };
  const overlaps = (x1: number, y1: number, x2: number, y2: number) =>
    cellsOf(x1, y1, x2, y2, (cell) =>
      (grid.get(cell) ?? []).some((b) => x1 < boxes[b + 2]! && boxes[b]! < x2 && y1 < boxes[b + 3]! && boxes[b + 1]! < y2),
    );
  let drawn = 0;
  const put = (i: number, force: boolean) => {
    const x = sx[i]!;
    const y = sy[i]! + sr[i]! + 2;
    if (x < -50 || x > w + 50 || y < -20 || y > h + 20) return;
    const text = scene.labels[i]!;
    let width = widths[i]!;
    if (width < 0) widths[i] = width = ctx.measureText(text).width;
    const half = width / 2 + LABEL_GAP / 2;
    const [x1, y1, x2, y2] = [x - half, y - 1, x + half, y + LABEL_H];
    if (!force && overlaps(x1, y1, x2, y2)) return;
    const b = boxes.length;
    boxes.push(x1, y1, x2, y2);
    cellsOf(x1, y1, x2, y2, (cell) => {
      let list = grid.get(cell);
      if (!list) grid.set(cell, (list = []));
      list.push(b);
    });
    ctx.strokeStyle = theme.background;
    ctx.lineWidth = 3;
    ctx.strokeText(text, x, y);
    ctx.fillStyle = theme.text;
    ctx.fillText(text, x, y);
    drawn++;
  };
  if (scene.selected >= 0) put(scene.selected, true);
  if (scene.hovered >= 0 && scene.hovered !== scene.selected) put(scene.hovered, true);
  for (const i of scene.byRadius) {
    if (drawn >= MAX_LABELS || sr[i]! < LABEL_MIN_RADIUS) break;
    if (i !== scene.selected && i !== scene.hovered) put(i, false);
  }
}
