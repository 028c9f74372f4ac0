import { describe, expect, it } from 'vitest';
import { emptyEvent } from '../../../../src-shared/event';
import { noveltySurprisal } from './ensemble';
import { FieldCounts, Novelty, type NoveltyState } from './novelty';

describe('FieldCounts (Good–Turing plus the discoveries it failed to predict)', () => {
  it('scores a never-seen value by (n1+1)/(N+1) + max(0, d − e)/(w+1), by hand', () => {
    const f = new FieldCounts({ maxValues: 100, maxTotal: 1000, discoveryMemory: 4 });
    // draw 1: nothing seen: GT (0+1)/(0+1) = 1 → 0 nats; e = 1, d = 1, w = 1
    expect(f.scoreAndLearn('a', 0)).toBe(0);
    // same value, same bucket: not a draw
    expect(f.scoreAndLearn('a', 0)).toBe(0);
    expect(f.total).toBe(1);
    // 'a' in bucket 1 (GT before it: n1 1, N 1 → 1) and bucket 2 (n1 0, N 2 → 1/3), decayed by ¾:
    // e = (1·¾ + 1)·¾ + 1/3, d = 1·¾·¾, w = (1·¾ + 1)·¾ + 1
    f.scoreAndLearn('a', 1);
    f.scoreAndLearn('a', 2);
    expect(f.total).toBe(3);
    expect(f.singletons).toBe(0);
    expect(f.expected).toBeCloseTo(1.75 * 0.75 + 1 / 3, 12);
    expect(f.discoveries).toBeCloseTo(0.5625, 12);
    expect(f.draws).toBeCloseTo(2.3125, 12);
    // the one discovery was expected: GT alone, 1/4
    expect(f.surprisal('b')).toBeCloseTo(Math.log(4), 12);
    expect(f.scoreAndLearn('b', 3)).toBeCloseTo(Math.log(4), 12);
    expect(f.singletons).toBe(1);
    expect(f.surprisal('a')).toBe(0);
  });

  it('a settled vocabulary makes a new value as rare as Good–Turing says, however it formed', () => {
    const f = new FieldCounts({ maxValues: 100, maxTotal: 10_000, discoveryMemory: 1000 });
    for (let b = 0; b < 999; b++) f.scoreAndLearn(b % 3 === 0 ? 'x' : 'y', b);
    // N = 999, n1 = 0: 1/1000, not the 3/1000 of "two discoveries in the last thousand draws"
    expect(f.surprisal('z')).toBeCloseTo(Math.log(1000), 9);
  });

  it('a field that keeps discovering values in conversations is judged by the excess', () => {
    const f = new FieldCounts({ maxValues: 1000, maxTotal: 100_000, discoveryMemory: 1000 });
    // each value is seen in 3 consecutive buckets, then never again: never a singleton when the
    // next one comes, so GT alone would call every new value ever rarer
    let b = 0;
    for (let u = 0; u < 60; u++) for (let k = 0; k < 3; k++) f.scoreAndLearn('u' + String(u), b++);
    const gt = (f.singletons + 1) / (f.total + 1);
    expect(f.discoveries).toBeGreaterThan(f.expected);
    const p = gt + (f.discoveries - f.expected) / (f.draws + 1);
    expect(f.surprisal('new')).toBeCloseTo(-Math.log(p), 12);
    // about one draw in three is new, and the estimate knows it is not rare
    expect(f.surprisal('new')).toBeLessThan(2);
  });

  it('halves at maxTotal and keeps n1 and N consistent', () => {
    const f = new FieldCounts({ maxValues: 100, maxTotal: 6, discoveryMemory: 10 });
    ['a', 'a', 'a', 'b', 'b', 'c'].forEach((v, i) => f.scoreAndLearn(v, i));
    // counts a3 b2 c1 → halved a1 b1 (c dropped)
    expect(f.total).toBe(2);
    expect(f.singletons).toBe(2);
    expect(f.state().counts.map(([v]) => v)).toEqual(['a', 'b']);
    expect(f.surprisal('a')).toBe(0);
  });
});

describe('Novelty of events', () => {
  const ev = (template: string, user: string | null, severity = 6): ReturnType<typeof emptyEvent> => {
    const e = emptyEvent('m', 's');
    e.template_id = template;
    e.user = user;
    e.severity = severity;
    return e;
  };

  it('sums the never-seen fields; severity only with a new template; restores from JSON', () => {
    const n = new Novelty({ maxValues: 100, maxTotal: 1000, discoveryMemory: 1e9 });
    for (let b = 0; b < 50; b++) n.scoreAndLearn(ev('t1', 'u1'), b);
    // template: N 50, n1 0, its one discovery expected → GT 1/51; user alike; severity field:
    // 1 draw (one template), n1 = 1 → (1+1)/(1+1) = 1 → 0 nats for a new severity
    const t = Math.log(51);
    const snapshot = JSON.parse(JSON.stringify(n.state())) as NoveltyState;
    expect(n.scoreAndLearn(ev('t2', 'u2', 3), 50)).toBeCloseTo(2 * t, 6);
    const r = new Novelty({ maxValues: 100, maxTotal: 1000, discoveryMemory: 1e9 });
    r.restore(snapshot);
    expect(r.scoreAndLearn(ev('t2', 'u2', 3), 50)).toBeCloseTo(2 * t, 6);
    // a known template with a new severity is not novel
    expect(r.scoreAndLearn(ev('t1', 'u1', 2), 51)).toBe(0);
  });

  it('combines the novel events of a bucket: max(max − ln k, sum − ln C(k, m))', () => {
    // one new line among 10: 9 − ln 10
    expect(noveltySurprisal(9, 9, 1, 10)).toBeCloseTo(9 - Math.log(10), 12);
    // two lines of 8 nats among 10: 16 − ln 45 beats 8 − ln 10
    expect(noveltySurprisal(8, 16, 2, 10)).toBeCloseTo(16 - Math.log(45), 9);
    // many faint ones never beat the strongest alone, and never go below 0
    expect(noveltySurprisal(3, 5, 5, 100)).toBe(0);
  });
});
