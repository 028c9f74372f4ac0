/**
 * Runs computeMetrics in a worker thread, so a big graph's Louvain and PageRank never stall the
 * engine thread that answers the workbench's queries.
 *
 * Why an `eval` worker: the engine is bundled into one file for the app and runs from TypeScript
 * source under vitest, so there is no worker file path that exists in both. The worker's source is
 * built here from computeMetrics' own text plus a loader that `require`s the graphology packages by
 * the absolute paths the engine resolves (from its own location, in either setting).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { computeMetrics, type MetricsInput, type MetricsOutput, type MetricsPhase } from './algorithms';

const MODULES = {
  Graph: 'graphology',
  louvain: 'graphology-communities-louvain',
  pagerank: 'graphology-metrics/centrality/pagerank',
  betweenness: 'graphology-metrics/centrality/betweenness',
} as const;

let source: string | null = null;

function workerSource(): string {
  if (source) return source;
  return (source = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
// Helpers a TypeScript transpiler may weave into a function's text (esbuild's keepNames).
const __name = (target) => target;
const load = (p) => { const m = require(p); return m && m.__esModule && m.default ? m.default : m; };
const libs = {};
for (const [k, p] of Object.entries(workerData.modules)) libs[k] = load(p);
const computeMetrics = ${computeMetrics.toString()};
parentPort.on('message', (input) => {
  try {
    const out = computeMetrics(input, libs, (phase) => parentPort.postMessage({ phase }));
    parentPort.postMessage({ out }, [out.pagerank.buffer, out.community.buffer, out.betweenness.buffer]);
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.stack || err) });
  }
});
`);
}

function modulePaths(): Record<string, string> {
  const req = createRequire(import.meta.url);
  return Object.fromEntries(Object.entries(MODULES).map(([k, m]) => [k, req.resolve(m)]));
}

/** Compute in a fresh worker; the worker ends with the computation. */
export function computeInWorker(input: MetricsInput, onPhase?: (phase: MetricsPhase) => void): Promise<MetricsOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource(), { eval: true, workerData: { modules: modulePaths() } });
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (msg: { phase?: MetricsPhase; out?: MetricsOutput; error?: string }) => {
      if (msg.phase) onPhase?.(msg.phase);
      else if (msg.out) done(() => resolve(msg.out as MetricsOutput));
      else done(() => reject(new Error(msg.error ?? 'graph worker failed')));
    });
    worker.on('error', (err) => done(() => reject(err)));
    worker.on('exit', (code) => done(() => reject(new Error(`graph worker exited with code ${code}`))));
    // Copied, not transferred: the caller still reads the snapshot when the results come back.
    worker.postMessage(input);
  });
}
