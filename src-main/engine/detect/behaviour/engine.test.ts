import { createParseContext } from '../../parse/parsers/context';
import { parseSyslog3164 } from '../../parse/parsers/syslog3164';
import { describe, expect, it } from 'vitest';
import { BehaviourModel } from './behaviourModel';
import { isOffHours, DEFAULT_BEHAVIOUR_CONFIG } from './config';
import { BehaviourEngine, type BehaviourGroup } from './engine';
import { namedFeatures } from './features';
import { MIN, T0, httpEvent, sshEvent } from './testEvents';

function run(engine: BehaviourEngine, events: Parameters<BehaviourEngine['push']>[0][]): BehaviourGroup[] {
  for (const e of events) engine.push(e);
  return engine.drain().groups;
}

describe('sessions', () => {
  it('split on a 30-minute inactivity gap and close on the watermark', () => {
    const engine = new BehaviourEngine({ allowedLatenessMs: 0 });
    const closed = run(engine, [
      sshEvent(T0, '198.51.100.7', 'alice', 'success'),
      sshEvent(T0 + 10 * MIN, '198.51.100.7', 'alice', 'success'),
      sshEvent(T0 + 45 * MIN, '198.51.100.7', 'alice', 'success'), // 35 min later: new session
    ]);
    const sessions = closed.filter((g) => g.kind === 'session');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ user: 'alice', start: T0, end: T0 + 10 * MIN, events: 2, closeReason: 'gap' });
    // No further event for that key: the watermark alone closes it.
    engine.advanceWatermark(T0 + 45 * MIN + 30 * MIN);
    const later = engine.drain().groups.filter((g) => g.kind === 'session');
    expect(later).toHaveLength(1);
    expect(later[0]?.start).toBe(T0 + 45 * MIN);
  });

  it('keeps (ip, user, agent) apart and ignores events without a source IP', () => {
    const engine = new BehaviourEngine();
    const noIp = sshEvent(T0, 'x', 'root', 'success');
    noIp.src_ip = null;
    run(engine, [
      httpEvent(T0, '203.0.113.1', '/', 200, { ua: 'A' }),
      httpEvent(T0 + 1000, '203.0.113.1', '/', 200, { ua: 'B' }),
      sshEvent(T0 + 2000, '203.0.113.1', 'bob', 'success'),
      noIp,
    ]);
    engine.flush();
    const sessions = engine.drain().groups.filter((g) => g.kind === 'session');
    expect(sessions.map((s) => s.key).sort()).toEqual(['203.0.113.1|bob|', '203.0.113.1||A', '203.0.113.1||B']);
  });

  it('bounds open state by closing the stalest session early', () => {
    const engine = new BehaviourEngine({ maxOpenSessions: 2 });
    const early = run(engine, [
      httpEvent(T0, '203.0.113.1', '/', 200),
      httpEvent(T0 + 1000, '203.0.113.2', '/', 200),
      httpEvent(T0 + 2000, '203.0.113.3', '/', 200),
    ]);
    expect(engine.stats.openSessions).toBe(2);
    engine.flush();
    const reasons = [...early, ...engine.drain().groups].filter((g) => g.kind === 'session').map((g) => `${g.ip}:${g.closeReason}`);
    expect(reasons).toContain('203.0.113.1:evicted');
  });
});

describe('per-IP windows', () => {
  it('are 10-minute tumbling windows aligned to the epoch', () => {
    const engine = new BehaviourEngine({ allowedLatenessMs: 0 });
    const start = Math.floor(T0 / (10 * MIN)) * 10 * MIN;
    const closed = run(engine, [
      httpEvent(start + 1 * MIN, '203.0.113.9', '/a', 200),
      httpEvent(start + 9 * MIN, '203.0.113.9', '/b', 200),
      httpEvent(start + 11 * MIN, '203.0.113.9', '/c', 200),
    ]).filter((g) => g.kind === 'ip_window');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ key: `203.0.113.9@${start}`, start, events: 2, closeReason: 'window_end' });
    expect(namedFeatures(closed[0]!.features).distinct_paths).toBe(2);
  });
});

describe('features', () => {
  it('computes the documented values for a hand-built session', () => {
    const ip = '192.0.2.50';
    const engine = new BehaviourEngine();
    const evs = [
      sshEvent(T0, ip, 'carol', 'failure'),
      sshEvent(T0 + 5_000, ip, 'carol', 'failure'),
      sshEvent(T0 + 10_000, ip, 'carol', 'failure'),
      sshEvent(T0 + 15_000, ip, 'carol', 'success'),
      sshEvent(T0 + 20_000, ip, 'carol', 'failure'),
      sshEvent(T0 + 120_000, ip, 'carol', 'success'),
    ];
    run(engine, evs);
    engine.flush();
    const s = engine.drain().groups.find((g) => g.kind === 'session');
    const f = namedFeatures(s!.features);
    expect(f).toMatchObject({
      event_count: 6,
      duration_s: 120,
      events_per_min: 3,
      failed_logins: 4,
      successful_logins: 2,
      max_failure_streak: 3,
      failures_before_success: 3,
      distinct_users_per_ip: 1,
      distinct_ips_per_user: 1,
      off_hours_ratio: 0,
      first_seen_ip: 1,
      first_seen_user: 1,
      ip_count_z: 0,
      scanner_agent: 0,
    });
    expect(f.failure_ratio).toBeCloseTo(4 / 6, 12);
  });

  it('counts web errors, bursts, rare paths and scanner agents', () => {
    const ip = '192.0.2.60';
    const evs = [];
    for (let i = 0; i < 12; i++) evs.push(httpEvent(T0 + i * 2000, ip, `/nope-${i}`, 404, { ua: 'sqlmap/1.8' }));
    evs.push(httpEvent(T0 + 30_000, ip, '/admin/x', 500, { ua: 'sqlmap/1.8' }));
    evs.push(httpEvent(T0 + 31_000, ip, '/admin/x?y=1', 403, { ua: 'sqlmap/1.8' }));
    const engine = new BehaviourEngine();
    run(engine, evs);
    engine.flush();
    const f = namedFeatures(engine.drain().groups.find((g) => g.kind === 'session')!.features);
    expect(f).toMatchObject({ http_4xx: 13, http_5xx: 1, max_4xx_per_min: 13, max_5xx_per_min: 1, distinct_paths: 13, sensitive_errors: 2, scanner_agent: 1, rare_path_ratio: 1 });
    expect(f.http_404_ratio).toBeCloseTo(12 / 14, 12);
  });

  it('marks activity outside business hours and weekends', () => {
    const bh = DEFAULT_BEHAVIOUR_CONFIG.businessHours;
    expect(isOffHours(Date.UTC(2024, 2, 5, 10), bh)).toBe(false); // Tuesday 10:00
    expect(isOffHours(Date.UTC(2024, 2, 5, 3), bh)).toBe(true); // Tuesday 03:00
    expect(isOffHours(Date.UTC(2024, 2, 9, 10), bh)).toBe(true); // Saturday
    expect(isOffHours(Date.UTC(2024, 2, 5, 3), { ...bh, utcOffsetMinutes: 8 * 60 })).toBe(false); // 11:00 at UTC+8
  });

  it('z-scores an entity against its own history', () => {
    const ip = '192.0.2.70';
    const engine = new BehaviourEngine();
    const evs = [];
    // Four quiet sessions of 2 events, then one of 40.
    for (let s = 0; s < 4; s++) for (let k = 0; k < 2; k++) evs.push(httpEvent(T0 + s * 60 * MIN + k * 1000, ip, '/', 200));
    for (let k = 0; k < 40; k++) evs.push(httpEvent(T0 + 4 * 60 * MIN + k * 1000, ip, '/', 200));
    const early = run(engine, evs);
    engine.flush();
    const sessions = [...early, ...engine.drain().groups].filter((g) => g.kind === 'session');
    expect(sessions.map((g) => namedFeatures(g.features).ip_count_z)).toEqual([0, 0, 0, 0, 10]); // (40-2)/max(sd,1), capped at 10
  });

  it('counts an sshd "Invalid user" + "Failed password for invalid user" pair once', () => {
    const ip = '192.0.2.80';
    const engine = new BehaviourEngine();
    // As the auth parser reads them: the pair is one attempt, the folded line three more.
    const ctx = createParseContext('auth.log', { referenceTime: T0 + 60_000 });
    const lines = [
      `Invalid user oracle from ${ip} port 4`,
      `Failed password for invalid user oracle from ${ip} port 4 ssh2`,
      `Failed password for invalid user oracle from ${ip} port 4 ssh2`,
      `message repeated 3 times: [ Failed password for invalid user oracle from ${ip} port 4 ssh2]`,
    ].map((m, i) => {
      const ev = parseSyslog3164(`Mar  5 10:00:0${i} h sshd[4]: ${m}`, ctx, 'auth')!;
      ev.id = 900 + i;
      return ev;
    });
    run(engine, lines);
    engine.flush();
    const f = namedFeatures(engine.drain().groups.find((g) => g.kind === 'session')!.features);
    expect(f.failed_logins).toBe(5); // 1 (pair) + 1 + 3 repeated
    expect(f.invalid_user_ratio).toBe(1);
  });
});

describe('models and state', () => {
  it('scores closed groups once a model is loaded and survives state()/restore()', () => {
    const engine = new BehaviourEngine();
    const rows: number[][] = [];
    for (let i = 0; i < 64; i++) {
      run(engine, [httpEvent(T0 + i * 40 * MIN, `203.0.113.${i + 1}`, '/', 200)]);
    }
    engine.flush();
    for (const g of engine.drain().groups) if (g.kind === 'session') rows.push(g.features);
    engine.setModel('session', BehaviourModel.train('session', rows, { params: { seed: 1 } }));
    const restored = new BehaviourEngine({}, JSON.parse(JSON.stringify(engine.state())));
    expect(restored.getModel('session')).not.toBeNull();
    run(restored, [httpEvent(T0 + 10_000 * MIN, '203.0.113.1', '/', 200)]);
    restored.flush();
    const s = restored.drain().groups.find((g) => g.kind === 'session')!;
    expect(s.score).toBeGreaterThan(0);
    expect(['low', 'medium', 'high']).toContain(s.level);
    // Restored history remembers the IP: not first seen any more.
    expect(namedFeatures(s.features).first_seen_ip).toBe(0);
  });
});
