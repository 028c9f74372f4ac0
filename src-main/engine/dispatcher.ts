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

export type Dispatch = (method: string, input: unknown) => Promise<Envelope<unknown>>;

export function createDispatcher(handlers: Handlers, log: (err: unknown) => void = console.error): Dispatch {
  return async (method, input) => {
    if (!isMethodName(method)) return fail('unknown_method', `Unknown method: ${String(method).slice(0, 100)}`);
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
