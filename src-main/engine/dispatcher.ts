/**
 * The dispatcher: the one place where a request becomes a handler call. It validates input
 * against the contract and turns every outcome into an envelope, so nothing thrown in the engine
 * crosses a boundary as anything but plain data.
 */
import { methods, isMethodName } from '../../src-shared/contract';
import type { Envelope } from '../../src-shared/envelope';
import { fail, ok } from '../../src-shared/envelope';
import type { Handlers } from './engine';
import { EngineError } from './errors';
import { caseFileError } from './store/case-db';

/**
 * No method takes input nested deeper than a few levels; free-form parts (a collector config) are
 * walked recursively further in, so a hostile 10,000-level object is refused here, cheaply.
 */
const MAX_INPUT_DEPTH = 64;

export type Dispatch = (method: string, input: unknown) => Promise<Envelope<unknown>>;

export function createDispatcher(handlers: Handlers, log: (err: unknown) => void = console.error): Dispatch {
  return async (method, input) => {
    if (!isMethodName(method)) return fail('unknown_method', `Unknown method: ${String(method).slice(0, 100)}`);
    const depth = nestingDepth(input, MAX_INPUT_DEPTH);
    if (depth > MAX_INPUT_DEPTH) return fail('invalid_input', `Invalid input for ${method}: nested deeper than ${MAX_INPUT_DEPTH} levels`);
    const parsed = methods[method].input.safeParse(input ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const first = issues[0];
      return fail('invalid_input', `Invalid input for ${method}${first ? `: ${first.path ? `${first.path}: ` : ''}${first.message}` : ''}`, { issues });
    }
    try {
      const handler = handlers[method] as (i: unknown) => unknown;
      return ok(await handler(parsed.data));
    } catch (err) {
      if (err instanceof EngineError) return fail(err.code, err.message, err.details);
      // A damaged, full, read-only or locked case file is the analyst's to act on, not a bug.
      const fromSqlite = caseFileError(err);
      if (fromSqlite) return fail(fromSqlite.code, fromSqlite.message, fromSqlite.details);
      log(err);
      return fail('internal', `Vigil hit an unexpected error in ${method}: ${(err as Error)?.message ?? String(err)}`);
    }
  };
}

/** Depth of nested objects and arrays, walked without recursion; stops counting past `limit`. */
function nestingDepth(input: unknown, limit: number): number {
  if (typeof input !== 'object' || input === null) return 0;
  let max = 0;
  const stack: [object, number][] = [[input, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return max;
}
