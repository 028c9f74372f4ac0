/**
 * How the engine's JavaScript heaps may grow. Detection promotes kilobytes per event to the old
 * generation that die soon after (batches in flight, sessions until they close), and V8 lets a
 * heap grow to up to four times what survived its last full collection before collecting again:
 * at a million lines the engine thread held about 140 MB live in up to 580 MB, and `vigil analyze`
 * peaked past 1 GB. Growing by half of what is live instead costs a few more full collections
 * (about 5% of the CPU of a large import) and keeps the peak near 600 MB.
 *
 * The flag is the process's: it applies to every isolate of it, and V8 reads it at each full
 * collection, so setting it when the engine starts is enough for the threads it makes later too.
 */
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

let applied = false;

export function boundHeapGrowth(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
