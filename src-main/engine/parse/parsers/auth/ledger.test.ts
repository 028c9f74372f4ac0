/** The auth ledger pairs the lines of one attempt, and keeps a flood of attempts in bounded memory. */
import { describe, expect, it } from 'vitest';
import { AUTH_FIELDS, type NormalizedEvent } from '../../../../../src-shared/event';
import { AuthLedger } from './ledger';

const T0 = Date.UTC(2026, 2, 1, 12);

function line(n: number, at: number): NormalizedEvent {
  return { ts: T0 + at, host: `web-${n % 7}`, app: 'sshd', pid: n % 900, src_ip: `198.51.${n % 200}.${n % 250}`, user: `u${n % 500}`, fields: {} } as unknown as NormalizedEvent;
}

const attempts = (ev: NormalizedEvent) => ev.fields[AUTH_FIELDS.attempts];

describe('AuthLedger', () => {
  it("pairs an attempt's lines by their statements, and counts a second line of the same statement anew", () => {
    const ledger = new AuthLedger();
    const sshd = line(1, 0);
    const pam = line(1, 5);
    const again = line(1, 10);
    ledger.record(sshd, { service: 'ssh', reporter: 'sshd', result: 'failure' });
    ledger.record(pam, { service: 'ssh', reporter: 'pam', result: 'failure' });
    ledger.record(again, { service: 'ssh', reporter: 'sshd', result: 'failure' });
    expect([attempts(sshd), attempts(pam), attempts(again)]).toEqual([1, 0, 1]);
  });

  it('holds at most its slot bound under a flood of attempts within seconds, however many lines come', () => {
    const ledger = new AuthLedger();
    for (let n = 0; n < 400_000; n++) ledger.record(line(n, n / 100), { service: 'ssh', reporter: 'sshd', result: 'failure' });
    const inside = ledger as unknown as { queue: unknown[]; head: number; index: Map<string, unknown>; names: Map<string, string> };
    // 100,000 live slots, and the dropped ones at the queue's front let go a few thousand at a time.
    expect(inside.queue.length - inside.head).toBe(100_000);
    expect(inside.queue.length).toBeLessThanOrEqual(100_000 + 16_384);
    // Keys by process (host, program, pid) and by source: no more than there are of either.
    expect(inside.index.size).toBeLessThanOrEqual(7 * 900 + 7 * 1000);
    expect(inside.names.size).toBeLessThanOrEqual(1000 + 500 + 1);
  });
});
