import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../../test/paths';
import { Drain, DEFAULT_DRAIN_OPTIONS, type DrainResult } from './drain';
import { loadLoghubDataset } from './loghub';

describe('Drain', () => {
  it('creates, merges and generalises while the cluster id stays put', () => {
    const d = new Drain();
    const r1 = d.add('Failed password for root from 10.0.0.1 port 22 ssh2');
    expect(r1).toEqual({
      clusterId: 't1',
      template: 'Failed password for root from <IP> port <NUM> ssh2',
      params: ['10.0.0.1', '22'],
      changed: true,
    });
    // 6 of the 7 constant positions agree (IP and port are parameters on both sides): 6/7 ≥ 0.65.
    const r2 = d.add('Failed password for admin from 10.0.0.2 port 2222 ssh2');
    expect(r2).toEqual({
      clusterId: 't1',
      template: 'Failed password for <*> from <IP> port <NUM> ssh2',
      params: ['admin', '10.0.0.2', '2222'],
      changed: true,
    });
    const r3 = d.add('Failed password for bob from 10.0.0.3 port 1 ssh2');
    expect(r3).toEqual({ ...r2, params: ['bob', '10.0.0.3', '1'], changed: false });
    // Another leading token is another branch of the tree.
    expect(d.add('Accepted password for root from 10.0.0.1 port 22 ssh2').clusterId).toBe('t2');
    // Same leaf, but only 2 of 8 constant positions agree: a new cluster.
    expect(d.add('Failed password change: token manipulation error for alice today').clusterId).toBe('t3');
    // Different token count, different cluster.
    expect(d.add('Failed password for root from 10.0.0.1 port 22').clusterId).toBe('t4');
    expect(d.templates().map((t) => [t.id, t.count])).toEqual([
      ['t1', 3],
      ['t2', 1],
      ['t3', 1],
      ['t4', 1],
    ]);
  });

  it('keeps at most three distinct, bounded examples', () => {
    const d = new Drain({ maxExampleLength: 20 });
    for (const u of ['a', 'b', 'b', 'c', 'd']) d.add(`session opened for user ${u} by (uid=0)`);
    const [t] = d.templates();
    expect(t?.count).toBe(5);
    expect(t?.examples).toEqual(['session opened for u']);
    const d2 = new Drain();
    for (const u of ['a', 'a', 'b', 'c', 'd']) d2.add(`session opened for user ${u} by (uid=0)`);
    expect(d2.templates()[0]?.examples).toEqual([
      'session opened for user a by (uid=0)',
      'session opened for user b by (uid=0)',
      'session opened for user c by (uid=0)',
    ]);
  });

  it('match() finds the cluster and params without learning', () => {
    const d = new Drain();
    d.add('Invalid user admin from 1.2.3.4');
    d.add('Invalid user guest from 1.2.3.5');
    const before = JSON.stringify(d.state());
    expect(d.match('Invalid user oracle from 9.9.9.9')).toEqual({
      clusterId: 't1',
      template: 'Invalid user <*> from <IP>',
      params: ['oracle', '9.9.9.9'],
    });
    expect(d.match('Something else entirely')).toBeNull();
    expect(JSON.stringify(d.state())).toBe(before);
  });

  it('params hold the masked values inside a token and the whole token at a wildcard', () => {
    const d = new Drain();
    d.add('authentication failure; rhost=10.0.0.1 user=root');
    const r = d.add('authentication failure; rhost=10.0.0.2 user=alice');
    expect(r.template).toBe('authentication failure; rhost=<IP> <*>');
    expect(r.params).toEqual(['10.0.0.2', 'user=alice']);
  });

  it('puts tokens with digits and overflowing tokens under "<*>" (max_children)', () => {
    const d = new Drain({ maxChildren: 2 });
    d.add('alpha x');
    d.add('beta x'); // node has 1 child: the last slot is kept for "<*>"
    d.add('gamma x'); // reaches "<*>", 'gamma' ≠ 'beta': new cluster in that leaf
    d.add('42 x');
    const paths = d.state().clusters.map((c) => [c.id, c.path]);
    expect(paths).toEqual([
      ['t1', ['alpha', 'x']],
      ['t2', ['<*>', 'x']],
      ['t3', ['<*>', 'x']],
      ['t4', ['<*>', 'x']],
    ]);
    expect(d.add('gamma x').clusterId).toBe('t3');
  });

  it('evicts the least recently matched clusters past maxClusters and never reuses ids', () => {
    const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo'.split(' ');
    const d = new Drain({ maxClusters: 10 });
    for (const w of words.slice(0, 10)) d.add(w);
    expect(d.add('alpha').clusterId).toBe('t1'); // touch t1: bravo (t2) is now the oldest
    d.add('kilo'); // 11 clusters → evict down to 9: t2 and t3
    expect(d.templates().map((t) => t.id)).toEqual(['t1', 't4', 't5', 't6', 't7', 't8', 't9', 't10', 't11']);
    expect(d.add('bravo').clusterId).toBe('t12');
    expect(d.size).toBe(10);
  });

  it('bounds the clusters of one leaf, evicting its least recently matched one', () => {
    const d = new Drain({ depth: 3, maxClustersPerLeaf: 2 });
    d.add('start one');
    d.add('start two');
    d.add('start one'); // t1 is now more recent than t2
    expect(d.add('start three').clusterId).toBe('t3');
    expect(d.templates().map((t) => t.template)).toEqual(['start one', 'start three']);
  });

  it('handles empty messages and a single token', () => {
    const d = new Drain();
    expect(d.add('').template).toBe('');
    expect(d.add('   ').clusterId).toBe('t1');
    expect(d.add('x').params).toEqual([]);
  });

  it('rejects nonsense options', () => {
    expect(() => new Drain({ depth: 2 })).toThrow(RangeError);
    expect(() => new Drain({ similarity: 2 })).toThrow(RangeError);
    expect(() => new Drain({ maxClusters: 0 })).toThrow(RangeError);
  });
});

describe('Drain state', () => {
  function corpus(): string[] {
    const dir = join(SHARED_DATA, 'loghub-2k');
    if (existsSync(join(dir, 'Linux'))) {
      return [...loadLoghubDataset(dir, 'Linux').contents, ...loadLoghubDataset(dir, 'OpenSSH').contents];
    }
    const out: string[] = [];
    for (let i = 0; i < 3000; i++) out.push(`event ${i % 37} kind${i % 7} from 10.0.${i % 5}.${i % 250} took ${i}ms ${'x'.repeat(i % 4)}`);
    return out;
  }

  it('a restored miner continues exactly as if it had never stopped', () => {
    const lines = corpus();
    const half = Math.floor(lines.length / 2);
    // Small limits so that eviction and the "<*>" overflow path are part of the round trip.
    const options = { maxClusters: 40, maxChildren: 4 };
    const live = new Drain(options);
    for (const l of lines.slice(0, half)) live.add(l);
    const saved = JSON.parse(JSON.stringify(live.state()));
    const restored = Drain.restore(saved);
    expect(restored.state()).toEqual(live.state());
    const a: DrainResult[] = [];
    const b: DrainResult[] = [];
    for (const l of lines.slice(half)) {
      a.push(live.add(l));
      b.push(restored.add(l));
    }
    expect(b).toEqual(a);
    expect(restored.state()).toEqual(live.state());
    expect(restored.templates()).toEqual(live.templates());
  });

  it('state is plain JSON with the options and counters', () => {
    const d = new Drain();
    d.add('hello world');
    const s = d.state();
    expect(s).toEqual({
      version: 1,
      options: { ...DEFAULT_DRAIN_OPTIONS },
      nextId: 2,
      tick: 1,
      clusters: [{ id: 't1', tokens: ['hello', 'world'], count: 1, examples: ['hello world'], lastSeen: 1, path: ['hello', 'world'] }],
    });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('refuses unknown state versions', () => {
    expect(() => Drain.restore({ version: 2 } as never)).toThrow(/version/);
  });
});
