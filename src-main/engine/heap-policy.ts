/**
 * How the engine's JavaScript heaps may grow. Detection promotes kilobytes per event to the old
 * generation that die soon after (batches in flight, sessions until they close), and V8 lets a
 * heap grow to up to four times what survived its last full collection before collecting again:
 * at a million lines the engine thread held about 140 MB live in up to 580 MB, and `vigil analyze`
 * peaked past 1 GB. Letting it grow by what is live (twice the live size) costs more full
 * collections and keeps `vigil analyze` of 1M, 2M and 4M Apache lines at 458, 462 and 479 MB
 * (`npm run bench analyze-real-rss`; at 50%, 432-440 MB for 35 full collections of the engine
 * thread on 200K lines instead of 24).
 *
 * The flag is the process's: it applies to every isolate of it, and V8 reads it at each full
 * collection, so setting it when the engine starts is enough for the threads it makes later too.
 */
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 100;

let applied = false;

export function boundHeapGrowth(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
