import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../../src-shared/event';
import { detectAttackPatterns } from './analyze';
import { MIN, T0, httpEvent, sshEvent } from './testEvents';

const ATTACKER = '203.0.113.66';
const patterns = (events: NormalizedEvent[]) => detectAttackPatterns(events).map((d) => `${d.pattern}:${d.key}`);

describe('auth patterns', () => {
  it('brute force: many failures against one account', () => {
    const evs = Array.from({ length: 40 }, (_, i) => sshEvent(T0 + i * 3000, ATTACKER, 'root', 'failure'));
    const ds = detectAttackPatterns(evs);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ pattern: 'brute_force', key: ATTACKER, users: ['root'], firstTs: T0, lastTs: T0 + 39 * 3000 });
    expect(ds[0]?.facts).toMatchObject({ failures: 40, distinct_users: 1 });
    expect(ds[0]?.evidence.length).toBeGreaterThan(0);
    expect(ds[0]?.evidence.length).toBeLessThanOrEqual(50);
  });

  it('possible compromise: a success right after a failure run, raised on the success itself', () => {
    const evs = Array.from({ length: 6 }, (_, i) => sshEvent(T0 + i * 3000, ATTACKER, 'alice', 'failure'));
    const win = sshEvent(T0 + 20_000, ATTACKER, 'alice', 'success');
    const ds = detectAttackPatterns([...evs, win]);
    expect(ds.map((d) => d.pattern)).toEqual(['possible_compromise']);
    expect(ds[0]).toMatchObject({ users: ['alice'], firstTs: T0, lastTs: T0 + 20_000 });
    expect(ds[0]?.evidence).toContain(win.id);
    expect(ds[0]?.facts.failures_before_success).toBe(6);
  });

  it('a typo or two before a login is not a compromise', () => {
    const evs = [sshEvent(T0, '10.8.0.3', 'bob', 'failure'), sshEvent(T0 + 4000, '10.8.0.3', 'bob', 'failure'), sshEvent(T0 + 9000, '10.8.0.3', 'bob', 'success')];
    expect(patterns(evs)).toEqual([]);
  });

  it('password spraying: many accounts, one or two tries each, no success', () => {
    const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
    const evs = [0, 1].flatMap((round) => users.map((u, i) => sshEvent(T0 + round * 10 * MIN + i * 5000, ATTACKER, u, 'failure')));
    const ds = detectAttackPatterns(evs);
    expect(ds.map((d) => d.pattern)).toEqual(['password_spraying']);
    expect(ds[0]?.summary).toMatch(/20 users with 40 failures/);
  });

  it('credential stuffing: accounts tried once each, several work on the first try', () => {
    const evs = Array.from({ length: 40 }, (_, i) => sshEvent(T0 + i * 2000, ATTACKER, `leak${i}`, i % 13 === 5 ? 'success' : 'failure'));
    const ds = detectAttackPatterns(evs);
    expect(ds.map((d) => d.pattern)).toEqual(['credential_stuffing']);
    expect(ds[0]?.facts.first_try_success_users).toBe(3);
  });

  it('credential stuffing over the web: basic-auth users with rotating agents', () => {
    const evs = Array.from({ length: 30 }, (_, i) =>
      httpEvent(T0 + i * 1500, ATTACKER, '/api/login', i === 7 ? 200 : 401, { method: 'POST', user: `leak${i}`, ua: `Agent/${i % 10}` }),
    );
    const ds = detectAttackPatterns(evs);
    expect(ds.map((d) => d.pattern)).toEqual(['credential_stuffing']);
    expect(ds[0]?.facts.user_agent_rotation).toBe(1);
  });

  it('one lucky hit in a spray stays a spray', () => {
    const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
    const evs = users.map((u, i) => sshEvent(T0 + i * 5000, ATTACKER, u, i === 9 ? 'success' : 'failure'));
    expect(patterns(evs)).toEqual([`password_spraying:${ATTACKER}`]);
  });

  it('an office gateway where many staff log in, with typos, is not an attack', () => {
    const evs: NormalizedEvent[] = [];
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0) evs.push(sshEvent(T0 + i * MIN, '10.20.0.1', `staff${i % 15}`, 'failure'));
      evs.push(sshEvent(T0 + i * MIN + 5000, '10.20.0.1', `staff${i % 15}`, 'success'));
    }
    expect(patterns(evs)).toEqual([]);
  });
});

describe('web patterns', () => {
  it('scanning: a known scanner agent, even for a few requests', () => {
    const evs = ['/', '/robots.txt'].map((p, i) => httpEvent(T0 + i * 1000, ATTACKER, p, 200, { ua: 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)' }));
    const ds = detectAttackPatterns(evs);
    expect(ds.map((d) => d.pattern)).toEqual(['scanning']);
    expect(ds[0]?.facts.scanner_agent).toBe('masscan');
  });

  it('scanning: many distinct paths, mostly 404, behind a browser agent', () => {
    const evs = Array.from({ length: 60 }, (_, i) => httpEvent(T0 + i * 500, ATTACKER, `/dir${i}/`, i % 10 === 0 ? 200 : 404));
    expect(patterns(evs)).toEqual([`scanning:${ATTACKER}`]);
  });

  it('a polite crawler fetching many pages with 200s is not scanning', () => {
    const ua = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    const evs = Array.from({ length: 200 }, (_, i) => httpEvent(T0 + i * 8000, '66.249.66.1', `/blog/post-${i}`, i % 50 === 0 ? 404 : 200, { ua }));
    expect(patterns(evs)).toEqual([]);
  });

  it('error burst: denials on a sensitive path, not explained by a login attack or scan', () => {
    const evs = Array.from({ length: 25 }, (_, i) => httpEvent(T0 + i * 2000, ATTACKER, '/admin/upload', 500, { method: 'POST', ua: 'python-requests/2.31.0' }));
    const ds = detectAttackPatterns(evs);
    expect(ds.map((d) => d.pattern)).toEqual(['error_burst']);
    expect(ds[0]?.facts).toMatchObject({ errors: 25, http_5xx: 25 });
  });

  it('spread-out errors are not a burst, and 401s on logins that name a user count as logins', () => {
    const slow = Array.from({ length: 25 }, (_, i) => httpEvent(T0 + i * 20_000, ATTACKER, '/admin/', 403));
    expect(patterns(slow)).toEqual([]);
    const logins = Array.from({ length: 25 }, (_, i) => httpEvent(T0 + i * 1000, '198.51.100.4', '/api/login', 401, { method: 'POST', user: 'admin' }));
    expect(patterns(logins)).toEqual(['brute_force:198.51.100.4']);
  });
});

describe('episodes', () => {
  it('a source that pauses longer than the episode gap is judged per episode', () => {
    const burst = (t: number) => Array.from({ length: 15 }, (_, i) => sshEvent(t + i * 2000, ATTACKER, 'root', 'failure'));
    const ds = detectAttackPatterns([...burst(T0), ...burst(T0 + 3 * 60 * MIN)]);
    expect(ds.map((d) => d.pattern)).toEqual(['brute_force', 'brute_force']);
  });
});
