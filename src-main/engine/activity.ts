/**
 * When the workbench last asked the engine something. Bulk work (imports) stores bigger batches
 * while nobody is waiting on a reply, and small ones while an analyst is clicking around, so
 * queries never wait long behind a transaction.
 */
let lastRequestAt = 0;

export function noteRequest(): void {
  lastRequestAt = performance.now();
}

/** True when a request arrived in the last `withinMs` milliseconds. */
export function interactive(withinMs = 2000): boolean {
  return lastRequestAt > 0 && performance.now() - lastRequestAt < withinMs;
}

/** The same handlers, each noting its call first. */
export function noting<T extends Record<string, (input: never) => unknown>>(handlers: T): T {
  const out: Record<string, (input: never) => unknown> = {};
  for (const [name, fn] of Object.entries(handlers)) {
    out[name] = (input: never) => {
      noteRequest();
      return fn(input);
    };
  }
  return out as T;
}
