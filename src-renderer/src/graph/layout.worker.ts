/**
 * The graph view's force layout, off the renderer's main thread: ForceAtlas2 (graphology's own
 * iteration step) over typed arrays, posting positions every ~40 ms so the view can draw the
 * layout as it settles. The iteration sequence depends only on the request, so the same graph
 * from the same start lands in the same place however the posting is timed.
 */
import iterate from 'graphology-layout-forceatlas2/iterate.js';
import type { LayoutProgress, LayoutRequest, LayoutStop } from './layout-protocol';

/** Slots per vertex and per edge in graphology-layout-forceatlas2's matrices. */
const PPN = 10;
const PPE = 3;
const POST_EVERY_MS = 40;

interface Job {
  id: number;
  nodes: Float32Array;
  edges: Float32Array;
  settings: Record<string, number | boolean>;
  iterations: number;
  done: number;
  ms: number;
}

let current: Job | null = null;

function settingsFor(n: number): Record<string, number | boolean> {
  return {
    linLogMode: false,
    outboundAttractionDistribution: false,
    adjustSizes: false,
    edgeWeightInfluence: 1,
    scalingRatio: n > 2000 ? 4 : 8,
    strongGravityMode: true,
    gravity: 0.6,
    slowDown: 1 + Math.log(Math.max(1, n)),
    barnesHutOptimize: n > 400,
    barnesHutTheta: 0.6,
  };
}

function start(r: LayoutRequest): Job {
  const n = r.size.length;
  const nodes = new Float32Array(n * PPN);
  for (let i = 0; i < n; i++) {
    const o = i * PPN;
    nodes[o] = r.xy[2 * i]!;
    nodes[o + 1] = r.xy[2 * i + 1]!;
    nodes[o + 6] = 1; // mass: 1 + degree, below
    nodes[o + 7] = 1; // convergence
    nodes[o + 8] = r.size[i]!;
    nodes[o + 9] = r.fixed[i]!;
  }
  const m = r.edges.length / 2;
  const edges = new Float32Array(m * PPE);
  for (let k = 0; k < m; k++) {
    const a = r.edges[2 * k]!;
    const b = r.edges[2 * k + 1]!;
    edges[k * PPE] = a * PPN;
    edges[k * PPE + 1] = b * PPN;
    edges[k * PPE + 2] = 1;
    nodes[a * PPN + 6] = nodes[a * PPN + 6]! + 1;
    nodes[b * PPN + 6] = nodes[b * PPN + 6]! + 1;
  }
  return { id: r.job, nodes, edges, settings: settingsFor(n), iterations: r.iterations, done: 0, ms: 0 };
}

function positions(job: Job): Float32Array {
  const n = job.nodes.length / PPN;
  const xy = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = job.nodes[i * PPN]!;
    xy[2 * i + 1] = job.nodes[i * PPN + 1]!;
  }
  return xy;
}

function post(job: Job): void {
  const xy = positions(job);
  const msg: LayoutProgress = { job: job.id, xy, done: job.done, iterations: job.iterations, final: job.done >= job.iterations, ms: Math.round(job.ms) };
  postMessage(msg, { transfer: [xy.buffer] });
}

/** Iterate for about POST_EVERY_MS, post where the vertices are, and yield to incoming messages. */
function step(): void {
  const job = current;
  if (!job) return;
  const t0 = performance.now();
  while (job.done < job.iterations && performance.now() - t0 < POST_EVERY_MS) {
    iterate(job.settings, job.nodes, job.edges);
    job.done++;
  }
  job.ms += performance.now() - t0;
  post(job);
  if (job.done < job.iterations) setTimeout(step, 0);
  else current = null;
}

onmessage = (e: MessageEvent<LayoutRequest | LayoutStop>) => {
  const msg = e.data;
  if (msg.type === 'stop') {
    if (current?.id === msg.job) current = null;
    return;
  }
  const wasIdle = current === null;
  current = start(msg);
  if (current.iterations <= 0 || current.nodes.length === 0) {
    current.iterations = 0;
    post(current);
    current = null;
    return;
  }
  if (wasIdle) setTimeout(step, 0);
};
