import { describe, expect, it } from 'vitest';
import { newDrain, SourceNormalizer } from '../../pipeline/normalize';
import { SenderClocks } from './sender-clocks';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 7, 6, 0, 0);

describe('sender clocks', () => {
  it('keeps the header times of a 3-day backlog replayed in a burst', () => {
    const clocks = new SenderClocks();
    for (let i = 0; i < 500; i++) {
      const header = NOW - 3 * DAY + i * 500_000;
      expect(clocks.judge('10.0.0.5 web-01', header, NOW + i)).toEqual({ ts: header, how: 'header' });
    }
    expect(clocks.list()[0]).toMatchObject({ lines: 500, skewMs: null, corrected: 0, received: 0 });
  });

  it('does not take a backlog replayed slowly for a clock that is off', () => {
    const clocks = new SenderClocks();
    // 3 days of lines over 60 s: the offsets shrink as it catches up.
    for (let i = 0; i <= 600; i++) {
      const header = NOW - 3 * DAY + i * (3 * DAY / 600);
      expect(clocks.judge('10.0.0.5', header, NOW + i * 100).how).toBe('header');
    }
    expect([null, 0]).toContain(clocks.list()[0]!.skewMs);
  });

  it('sees a steady offset over 20 s, shows it, and only then corrects', () => {
    const clocks = new SenderClocks();
    const ahead = 2 * HOUR;
    const verdicts = [];
    for (let i = 0; i < 40; i++) verdicts.push(clocks.judge('192.0.2.9 pos-3', NOW + i * 1000 + ahead, NOW + i * 1000));
    // Two hours in the future is not believed before the skew is seen: the receive time.
    expect(verdicts[0]).toEqual({ ts: NOW, how: 'received' });
    const firstCorrected = verdicts.findIndex((v) => v.how === 'corrected');
    expect(firstCorrected).toBeGreaterThanOrEqual(20);
    expect(verdicts[39]).toEqual({ ts: NOW + 39_000, how: 'corrected', skewMs: ahead });
    expect(clocks.list()[0]).toMatchObject({ sender: '192.0.2.9 pos-3', skewMs: ahead });
  });

  it('corrects a clock running behind only once the offset is seen to hold', () => {
    const clocks = new SenderClocks();
    const behind = -3 * HOUR;
    const first = clocks.judge('198.51.100.4', NOW + behind, NOW);
    // Three hours old is believable on its own (a short backlog): kept until the skew is seen.
    expect(first).toEqual({ ts: NOW + behind, how: 'header' });
    let last;
    for (let i = 1; i <= 30; i++) last = clocks.judge('198.51.100.4', NOW + i * 1000 + behind, NOW + i * 1000);
    expect(last).toEqual({ ts: NOW + 30_000, how: 'corrected', skewMs: behind });
  });

  it('gives a line without a time its own receive time, and a header older than the window the receive time', () => {
    const clocks = new SenderClocks(2 * DAY);
    expect(clocks.judge('a', null, NOW)).toEqual({ ts: NOW, how: 'received' });
    expect(clocks.judge('a', NOW - 3 * DAY, NOW + 5)).toEqual({ ts: NOW + 5, how: 'received' });
    expect(clocks.judge('a', NOW - DAY, NOW + 6)).toEqual({ ts: NOW - DAY, how: 'header' });
  });
});

describe('live lines through the normalizer', () => {
  const live = () => new SourceNormalizer(newDrain(), { name: 'udp listener', format: 'syslog5424', head: [], referenceTime: NOW });

  it('dates each yearless line alone from its receive time, never in the future', () => {
    const n = live();
    const dec = n.line('<38>Dec  6 23:59:00 bastion sshd[1]: Accepted password for ann from 192.0.2.1 port 22 ssh2', NOW).event;
    const jan = n.line('<38>Jan  2 10:00:00 bastion sshd[1]: Accepted password for ann from 192.0.2.1 port 22 ssh2', NOW).event;
    expect(new Date(dec.ts!).toISOString()).toBe('2026-12-06T23:59:00.000Z');
    expect(new Date(jan.ts!).toISOString()).toBe('2026-01-02T10:00:00.000Z');
    // Received on New Year's morning, a line from New Year's Eve is of the year before.
    const eve = n.line('<38>Dec 31 23:59:59 bastion sshd[1]: x', Date.UTC(2027, 0, 1, 0, 0, 5)).event;
    expect(new Date(eve.ts!).toISOString()).toBe('2026-12-31T23:59:59.000Z');
  });

  it('carries no time from one live line to the next', () => {
    const n = live();
    expect(n.line('<38>1 2003-10-11T22:14:15.003Z host app - - - old', NOW).event.ts).toBe(Date.UTC(2003, 9, 11, 22, 14, 15, 3));
    expect(n.line('<38>1 - host app - - - no time', NOW + 1).event.ts).toBeNull();
    expect(n.line('just a plain line', NOW + 2).event.ts).toBeNull();
  });
});
