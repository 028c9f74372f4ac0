import { describe, expect, it } from 'vitest';
import { ReorderBuffer, type Timed } from './reorder';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** Events one a second, each written up to `lateS` seconds after its time, in the order written. */
function disordered(n: number, lateS: number, seed: number): Timed[] {
  const r = rng(seed);
  const events = Array.from({ length: n }, (_, i) => ({ id: i + 1, ts: 1_000_000 + i * 1000, at: 1_000_000 + i * 1000 + Math.floor(r() * lateS * 1000) }));
  return events.sort((a, b) => a.at - b.at).map(({ id, ts }) => ({ id, ts }));
}

function drive(buffer: ReorderBuffer<Timed>, events: Timed[], batch: number): Timed[] {
  const out: Timed[] = [];
  for (let i = 0; i < events.length; i += batch) out.push(...buffer.push(events.slice(i, i + batch)));
  out.push(...buffer.flush());
  return out;
}

const byTime = (a: Timed, b: Timed) => a.ts! - b.ts! || a.id - b.id;

describe('ReorderBuffer', () => {
  it('puts lines up to the lateness out of order back in time order, whatever the batches', () => {
    const events = disordered(20_000, 90, 3);
    for (const batch of [1, 7, 500, 20_000]) {
      const buffer = new ReorderBuffer<Timed>(120_000);
      const out = drive(buffer, events, batch);
      expect(out).toEqual([...events].sort(byTime));
      expect(buffer.late).toBe(0);
    }
  });

  it('lets a line later than the lateness through at once, counted, and keeps the rest in order', () => {
    const events = disordered(5000, 30, 5);
    // One line from an hour before, arriving in the middle.
    const straggler = { id: 99_999, ts: 1_000_000 + 2000 * 1000 - 3_600_000 };
    const input = [...events.slice(0, 2500), straggler, ...events.slice(2500)];
    const buffer = new ReorderBuffer<Timed>(60_000);
    const out = drive(buffer, input, 100);
    expect(buffer.late).toBe(1);
    expect(out).toHaveLength(input.length);
    expect(out.filter((e) => e !== straggler)).toEqual([...events].sort(byTime));
  });

  it('releases only what the watermark has passed, and holds about the lateness', () => {
    const buffer = new ReorderBuffer<Timed>(10_000);
    expect(buffer.push([{ id: 1, ts: 0 }, { id: 2, ts: 5000 }])).toEqual([]);
    expect(buffer.push([{ id: 3, ts: 12_000 }]).map((e) => e.id)).toEqual([1]);
    expect(buffer.held).toBe(2);
    expect(buffer.flush().map((e) => e.id)).toEqual([2, 3]);
  });

  it('keeps an event without a time where it arrived', () => {
    const buffer = new ReorderBuffer<Timed>(0);
    const out = drive(buffer, [{ id: 1, ts: 10 }, { id: 2, ts: null }, { id: 3, ts: 20 }], 1);
    expect(out.map((e) => e.id)).toEqual([1, 2, 3]);
  });
});
