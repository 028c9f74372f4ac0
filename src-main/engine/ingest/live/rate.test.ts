import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate';

const T0 = 1_800_000_000_000;

describe('rate meter', () => {
  it('reads a steady stream at its rate within a second, not a ten-second mean', () => {
    const m = new RateMeter(10);
    // 228 messages a second for 3 s, after 7 quiet seconds.
    for (let ms = 0; ms < 3000; ms += 1000 / 228) m.add(1, T0 + 7000 + ms);
    expect(m.rate(T0 + 10_000)).toBeGreaterThanOrEqual(226);
    expect(m.rate(T0 + 10_000)).toBeLessThanOrEqual(230);
  });

  it('shows a burst that came in under 0.1 s as its size, and keeps its peak for the window', () => {
    const m = new RateMeter(10);
    for (let i = 0; i < 140; i++) m.add(1, T0 + 50 + i * 0.3);
    expect(m.rate(T0 + 500)).toBe(140);
    expect(m.peak(T0 + 500)).toBe(140);
    // Five seconds later: nothing now, the burst still the peak.
    expect(m.rate(T0 + 5000)).toBe(0);
    expect(m.peak(T0 + 5000)).toBe(140);
    // After the window it is gone.
    expect(m.peak(T0 + 12_000)).toBe(0);
  });
});
