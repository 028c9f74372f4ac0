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

/**
 * The engine thread's young generation (MB; V8 splits it into two semi-spaces and a third for
 * large objects, so 96 is a 32 MB semi-space where V8 gives 16 on 64-bit). A batch's events, the
 * rows being stored and the groups being built are alive for the whole batch: with 16 MB
 * semi-spaces most scavenges found a batch in flight, copied it, then promoted it. Over the
 * first 200K lines of the bench's Apache log (`node --trace-gc bin/vigil.mjs analyze`) the engine
 * thread scavenged 88 times for 1.3 s instead of 180 times for 2.5 s, and its full collections
 * took 0.14 s instead of 0.30; 144 MB saved 0.17 s more. A million lines took 0.93x the time
 * (three runs in turn) for 50-70 MB more peak RSS. The engine's thread gets it where a host
 * starts it (link.ts); the normalizing and detection threads, off the critical path, gained less
 * from it (0.87 to 0.78 s and 0.50 to 0.28 s of scavenges) and keep V8's default.
 */
export const ENGINE_YOUNG_GENERATION_MB = 96;

let applied = false;

export function boundHeapGrowth(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
