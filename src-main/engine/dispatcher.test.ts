import { describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatcher';
import type { Handlers } from './engine';
import { EngineError } from './errors';

function handlersWith(overrides: Partial<Handlers>): Handlers {
  return overrides as Handlers;
}

describe('dispatcher', () => {
  it('maps an EngineError to its code and anything else to internal, never throwing', async () => {
    const logged: unknown[] = [];
    const dispatch = createDispatcher(
      handlersWith({
        'cases.open': () => {
          throw new EngineError('bad_format', 'not a case');
        },
        'cases.close': () => {
          throw new TypeError('boom');
        },
      }),
      (e) => logged.push(e),
    );
    expect(await dispatch('cases.open', { path: '/x' })).toEqual({ ok: false, error: { code: 'bad_format', message: 'not a case' } });
    const internal = await dispatch('cases.close', {});
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(logged).toHaveLength(1);
  });

  it('names the failing field of invalid input', async () => {
    const dispatch = createDispatcher(handlersWith({}));
    const reply = await dispatch('ingest.startImport', { paths: [] });
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('invalid_input');
      expect(reply.error.message).toContain('paths');
    }
  });

  it('passes parsed input with defaults to the handler', async () => {
    let seen: unknown;
    const dispatch = createDispatcher(
      handlersWith({
        'events.search': (input) => {
          seen = input;
          return { rows: [], offset: 0, total: 0, totalCapped: false };
        },
      }),
    );
    await dispatch('events.search', {});
    expect(seen).toEqual({ query: '', order: 'time', offset: 0, limit: 200 });
  });
});
