/**
 * Robustness: random and hostile input never throws, and huge lines cost bounded work (the
 * bound is the test timeout; no timing assertions on a shared machine).
 */
import { describe, expect, it } from 'vitest';
import { emptyEvent } from '../../../src-shared/event';
import { Drain } from './drain';
import { extractEntities } from './entities';
import { maskMessage } from './mask';

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefABCDEF0123456789:.-/\\@[]()<>*=%,;"\' \t_xyz#';

function randomMessage(next: () => number): string {
  const len = Math.floor(next() * 200);
  let s = '';
  for (let i = 0; i < len; i++) {
    const r = next();
    if (r < 0.85) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
    else if (r < 0.95) s += String.fromCharCode(Math.floor(next() * 0x3000));
    else s += String.fromCharCode(0xd800 + Math.floor(next() * 0x800)); // lone surrogates
  }
  return s;
}

describe('robustness', () => {
  it('random strings: no throw, params and templates stay consistent, state round-trips', () => {
    const next = rng(42);
    const d = new Drain({ maxClusters: 500 });
    for (let i = 0; i < 20_000; i++) {
      const msg = randomMessage(next);
      const r = d.add(msg);
      const m = d.match(msg);
      expect(m?.clusterId).toBe(r.clusterId);
      expect(r.template.split(' ').length).toBe(Math.max(1, maskMessage(msg).tokens.length));
      extractEntities({ ...emptyEvent(msg, 'fuzz'), src_ip: msg.slice(0, 20), user: msg.slice(5, 15), host: msg.slice(0, 8) });
    }
    expect(d.size).toBeLessThanOrEqual(500);
    const restored = Drain.restore(JSON.parse(JSON.stringify(d.state())));
    expect(restored.state()).toEqual(d.state());
  });

  it('10 MB lines with and without spaces', () => {
    const d = new Drain();
    const words = 'user=root 10.0.0.1 /var/log x 0xff '.repeat(300_000); // ~10.5 MB, 1.5M tokens
    const r = d.add(words);
    expect(r.template.split(' ').length).toBe(d.options.maxTokens);
    expect(r.params.at(-1)?.length).toBeGreaterThan(10_000_000);
    const blob = 'A1/'.repeat(3_500_000); // one 10.5 MB token
    const r2 = d.add(blob);
    expect(r2.template).toBe('<LONG>');
    expect(r2.params).toEqual([blob]);
    for (const t of d.templates()) for (const e of t.examples) expect(e.length).toBeLessThanOrEqual(512);
    expect(extractEntities(emptyEvent(words, 'fuzz')).length).toBeGreaterThan(0);
    expect(extractEntities(emptyEvent(blob, 'fuzz'))).toEqual([]);
  }, 60_000);

  it('many distinct tokens at every position do not grow the tree past its caps', () => {
    const d = new Drain({ maxChildren: 8, maxClusters: 1000 });
    const next = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + Math.floor(next() * 12);
      const toks: string[] = [];
      for (let k = 0; k < n; k++) toks.push(`w${Math.floor(next() * 1e6).toString(36)}x`.replace(/\d/g, 'q'));
      d.add(toks.join(' '));
    }
    expect(d.size).toBeLessThanOrEqual(1000);
    const state = d.state();
    for (const c of state.clusters) expect(c.examples.length).toBeLessThanOrEqual(3);
    // Per node at most maxChildren distinct keys: check the first layer of each length.
    const firstKeys = new Map<number, Set<string>>();
    for (const c of state.clusters) {
      const set = firstKeys.get(c.tokens.length) ?? new Set<string>();
      if (c.path[0] !== undefined) set.add(c.path[0]);
      firstKeys.set(c.tokens.length, set);
    }
    for (const set of firstKeys.values()) expect(set.size).toBeLessThanOrEqual(8);
  });
});
