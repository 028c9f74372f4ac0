import { describe, expect, it } from 'vitest';
import { LiveQueue, messageCost } from './queue';
import type { LiveMessage } from './types';

const msg = (i: number, line = `line ${i}`): LiveMessage => ({ source: 'udp', line, receivedAt: i, sender: '127.0.0.1' });

describe('LiveQueue', () => {
  it('keeps order across the ring boundary and takes batches', () => {
    const q = new LiveQueue({ maxMessages: 4, maxBytes: 1 << 20 });
    const seen: string[] = [];
    let i = 0;
    for (let round = 0; round < 10; round++) {
      while (q.offer(msg(i))) i++;
      for (const m of q.takeBatch(3)) seen.push(m.line);
    }
    for (const m of q.takeBatch(100)) seen.push(m.line);
    expect(seen).toEqual(Array.from({ length: i }, (_, k) => `line ${k}`));
  });

  it('counts drops per source when full by messages or by bytes', () => {
    const q = new LiveQueue({ maxMessages: 2, maxBytes: 1 << 20 });
    expect(q.offer(msg(1))).toBe(true);
    expect(q.offer(msg(2))).toBe(true);
    expect(q.offer(msg(3))).toBe(false);
    expect(q.offer({ ...msg(4), source: 'webhook' })).toBe(false);
    expect(q.stats().dropped).toEqual({ udp: 1, webhook: 1 });

    const big = msg(0, 'x'.repeat(1000));
    const byBytes = new LiveQueue({ maxMessages: 1000, maxBytes: messageCost(big) * 2 });
    expect(byBytes.offer(big)).toBe(true);
    expect(byBytes.offer(big)).toBe(true);
    expect(byBytes.offer(big)).toBe(false);
    expect(byBytes.bytes).toBe(messageCost(big) * 2);
    byBytes.takeBatch(2);
    expect(byBytes.bytes).toBe(0);
  });

  it('stays within its bounds under a flood with a slow consumer', () => {
    const q = new LiveQueue({ maxMessages: 1000, maxBytes: 200_000 });
    let accepted = 0;
    for (let i = 0; i < 200_000; i++) {
      if (q.offer(msg(i, 'x'.repeat(i % 500)))) accepted++;
      if (i % 1000 === 0) {
        q.takeBatch(10);
        expect(q.length).toBeLessThanOrEqual(1000);
      }
    }
    const s = q.stats();
    expect(s.peakBytes).toBeLessThanOrEqual(200_000);
    expect(s.peakLength).toBeLessThanOrEqual(1000);
    expect(accepted + (s.dropped.udp ?? 0)).toBe(200_000);
  });

  it('wakes a waiting consumer, releases paused producers at the resume mark, and ends when closed', async () => {
    const q = new LiveQueue({ maxMessages: 10, maxBytes: 1 << 20 });
    const batches: number[] = [];
    const consumer = (async () => {
      for await (const b of q.batches(4)) batches.push(b.length);
    })();
    for (let i = 0; i < 10; i++) q.offer(msg(i));
    let released = false;
    const space = q.waitForSpace().then(() => (released = true));
    await new Promise((r) => setTimeout(r, 10));
    await space;
    expect(released).toBe(true);
    q.close();
    await consumer;
    expect(batches.reduce((a, b) => a + b, 0)).toBe(10);
    expect(q.tryOffer(msg(99))).toBe(false);
  });

  it('lets a single message larger than maxBytes through an empty queue', () => {
    const q = new LiveQueue({ maxMessages: 10, maxBytes: 100 });
    expect(q.offer(msg(0, 'x'.repeat(500)))).toBe(true);
    expect(q.offer(msg(1))).toBe(false);
  });
});
