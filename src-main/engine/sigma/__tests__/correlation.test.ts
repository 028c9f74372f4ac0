/** Correlation rules (spec: correlation rules specification), always on event time. */
import { describe, expect, it } from 'vitest';
import { SigmaEngine } from '../engine';
import type { SigmaMatch } from '../engine';
import { ev } from './helpers';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const MIN = 60_000;

const BASE = `title: Failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: test
detection:
    selection:
        kind: fail
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource:
    product: test
detection:
    selection:
        kind: ok
    condition: selection
`;

function engineFor(correlation: string): SigmaEngine {
  const engine = new SigmaEngine();
  const res = engine.loadText(`${BASE}---\n${correlation}`, 'corr.yml');
  expect(res.failed).toEqual([]);
  return engine;
}

function feed(engine: SigmaEngine, events: { kind: string; at: number; user?: string; ip?: string; bytes?: number; image?: string }[]): SigmaMatch[] {
  const out: SigmaMatch[] = [];
  for (const e of events) out.push(...engine.evaluate(ev({ ts: T0 + e.at, user: e.user ?? 'bob', src_ip: e.ip ?? null, bytes: e.bytes ?? null, fields: { kind: e.kind, ...(e.image ? { Image: e.image } : {}) } })));
  return out;
}

const corrs = (m: SigmaMatch[]) => m.filter((x) => x.kind === 'correlation');
const fails = (n: number, opts: { user?: string; ip?: string; step?: number; start?: number } = {}) =>
  Array.from({ length: n }, (_, i) => ({ kind: 'fail', at: (opts.start ?? 0) + i * (opts.step ?? 1000), user: opts.user ?? 'bob', ip: opts.ip ?? '198.51.100.7' }));

describe('event_count', () => {
  const rule = `title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
level: high
author: Test Author
tags:
    - attack.credential-access
    - attack.t1110
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 5
`;
  it('fires when the count is reached inside the timespan, with the group and event ids', () => {
    const engine = engineFor(rule);
    const out = feed(engine, fails(5));
    const c = corrs(out);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ ruleId: '0e95725d-7320-415d-80f7-004da920fc11', title: 'Many failed logins', author: 'Test Author', level: 'high' });
    expect(c[0]!.attack.techniques).toEqual(['T1110']);
    expect(c[0]!.correlation).toMatchObject({ type: 'event_count', group: { User: 'bob' }, value: 5, firstTs: T0, lastTs: T0 + 4000 });
    expect(c[0]!.correlation!.eventIds).toHaveLength(5);
  });
  it('does not fire below the threshold or when events are spread beyond the timespan', () => {
    expect(corrs(feed(engineFor(rule), fails(4)))).toHaveLength(0);
    expect(corrs(feed(engineFor(rule), fails(8, { step: 3 * MIN })))).toHaveLength(0);
  });
  it('uses event time, not arrival or wall-clock time', () => {
    // Five events replayed instantly but 20 minutes apart in event time: no match.
    expect(corrs(feed(engineFor(rule), fails(5, { step: 20 * MIN })))).toHaveLength(0);
  });
  it('counts each group separately', () => {
    const events = [...fails(3, { user: 'a' }), ...fails(3, { user: 'b', start: 100 })];
    expect(corrs(feed(engineFor(rule), events))).toHaveLength(0);
  });
  it('grows one match per window and group as the burst goes on, not one per five more events', () => {
    const out = corrs(feed(engineFor(rule), fails(40)));
    // The fifth event fires; every later one grows that same match.
    expect(out.filter((m) => !m.correlation!.update)).toHaveLength(1);
    expect(new Set(out.map((m) => m.correlation!.episode)).size).toBe(1);
    const last = out[out.length - 1]!.correlation!;
    expect(last).toMatchObject({ update: true, value: 40 });
    expect(last.eventIds).toHaveLength(40);
    expect(last.lastTs - last.firstTs).toBe(39 * 1000);
  });
  it('starts a new match once the group was quiet for a whole timespan', () => {
    const events = [...fails(6), ...fails(6, { start: 30 * MIN })];
    const firsts = corrs(feed(engineFor(rule), events)).filter((m) => !m.correlation!.update);
    expect(firsts).toHaveLength(2);
    expect(firsts[0]!.correlation!.episode).not.toBe(firsts[1]!.correlation!.episode);
  });
  it('base rules referenced with generate false do not match on their own', () => {
    const out = feed(engineFor(rule), fails(2));
    expect(out).toHaveLength(0);
    const out2 = feed(engineFor(rule.replace('    timespan: 10m', '    timespan: 10m\n    generate: true')), fails(1));
    expect(out2.map((m) => m.title)).toEqual(['Failed login']);
  });
  it('evicts idle groups and bounds state', () => {
    const engine = new SigmaEngine({ correlationLimits: { maxGroups: 10 } });
    engine.loadText(`${BASE}---\n${rule}`, 'corr.yml');
    const events = Array.from({ length: 100 }, (_, i) => ({ kind: 'fail', at: i, user: `u${i}` }));
    feed(engine, events);
    // @ts-expect-error reaching into private state to check the bound
    const window = [...engine.corrByKey.values()][0].window;
    expect(window!.groupCount).toBeLessThanOrEqual(10);
    feed(engine, [{ kind: 'fail', at: 60 * MIN, user: 'late' }]);
    expect(window!.groupCount).toBe(1);
  });
});

describe('value_count', () => {
  const rule = `title: Spraying
correlation:
    type: value_count
    rules:
        - failed_login
    group-by:
        - src_ip
    timespan: 5m
    condition:
        field: User
        gte: 4
`;
  it('counts distinct values of the field per group', () => {
    const events = ['a', 'b', 'a', 'c', 'd'].map((u, i) => ({ kind: 'fail', at: i * 1000, user: u, ip: '1.2.3.4' }));
    const c = corrs(feed(engineFor(rule), events));
    expect(c).toHaveLength(1);
    expect(c[0]!.correlation).toMatchObject({ group: { src_ip: '1.2.3.4' }, value: 4 });
  });
  it('repeated values do not count twice', () => {
    const events = ['a', 'b', 'a', 'b', 'c', 'c'].map((u, i) => ({ kind: 'fail', at: i * 1000, user: u, ip: '1.2.3.4' }));
    expect(corrs(feed(engineFor(rule), events))).toHaveLength(0);
  });
  it('lt conditions are judged when the window ends (or at flush)', () => {
    const engine = engineFor(rule.replace('gte: 4', 'lt: 3'));
    const out = feed(engine, [
      { kind: 'fail', at: 0, user: 'a', ip: '9.9.9.9' },
      { kind: 'fail', at: 1000, user: 'b', ip: '9.9.9.9' },
    ]);
    expect(corrs(out)).toHaveLength(0);
    const later = feed(engine, [{ kind: 'ok', at: 10 * MIN }]);
    expect(corrs(later).map((m) => m.correlation!.value)).toEqual([2]);
    expect(engine.flush()).toEqual([]);
    feed(engine, [{ kind: 'fail', at: 11 * MIN, user: 'z', ip: '8.8.8.8' }]);
    expect(engine.flush().map((m) => m.correlation!.group)).toEqual([{ src_ip: '8.8.8.8' }]);
  });
  it('ranges: gt and lte together', () => {
    const engine = engineFor(rule.replace('gte: 4', 'gt: 1\n        lte: 2'));
    feed(engine, ['a', 'b'].map((u, i) => ({ kind: 'fail', at: i, user: u, ip: '1.1.1.1' })));
    feed(engine, ['a', 'b', 'c'].map((u, i) => ({ kind: 'fail', at: i, user: u, ip: '2.2.2.2' })));
    expect(engine.flush().map((m) => m.correlation!.group.src_ip)).toEqual(['1.1.1.1']);
  });
});

describe('temporal and temporal_ordered', () => {
  const temporal = `title: Fail and success
correlation:
    type: temporal
    rules:
        - failed_login
        - successful_login
    group-by:
        - User
    timespan: 5m
`;
  it('temporal: all referenced rules within the timespan, any order', () => {
    expect(corrs(feed(engineFor(temporal), [{ kind: 'ok', at: 0 }, { kind: 'fail', at: 1000 }]))).toHaveLength(1);
    expect(corrs(feed(engineFor(temporal), [{ kind: 'ok', at: 0 }, { kind: 'fail', at: 6 * MIN }]))).toHaveLength(0);
    expect(corrs(feed(engineFor(temporal), [{ kind: 'ok', at: 0, user: 'a' }, { kind: 'fail', at: 1000, user: 'b' }]))).toHaveLength(0);
  });
  it('temporal_ordered: the rules must appear in order', () => {
    const ordered = temporal.replace('type: temporal', 'type: temporal_ordered');
    expect(corrs(feed(engineFor(ordered), [{ kind: 'ok', at: 0 }, { kind: 'fail', at: 1000 }]))).toHaveLength(0);
    const c = corrs(feed(engineFor(ordered), [{ kind: 'fail', at: 0 }, { kind: 'ok', at: 1000 }]));
    expect(c).toHaveLength(1);
    expect(c[0]!.correlation!.eventIds).toHaveLength(2);
  });
  it('temporal_ordered: order is by event time even when lines arrive out of order', () => {
    const ordered = temporal.replace('type: temporal', 'type: temporal_ordered');
    expect(corrs(feed(engineFor(ordered), [{ kind: 'ok', at: 5000 }, { kind: 'fail', at: 1000 }]))).toHaveLength(1);
  });
  it('aliases map a group-by name to a different field per rule', () => {
    const rule = `title: Aliased
correlation:
    type: temporal
    rules:
        - failed_login
        - successful_login
    group-by:
        - account
    aliases:
        account:
            failed_login: User
            successful_login: TargetUser
    timespan: 5m
`;
    const engine = engineFor(rule);
    const out = [
      ...engine.evaluate(ev({ ts: T0, user: 'carol', fields: { kind: 'fail' } })),
      ...engine.evaluate(ev({ ts: T0 + 1000, fields: { kind: 'ok', TargetUser: 'carol' } })),
    ];
    expect(corrs(out).map((m) => m.correlation!.group)).toEqual([{ account: 'carol' }]);
  });
});

describe('value_sum, value_avg, value_percentile', () => {
  const metric = (type: string, cond: string, field = 'bytes') => `title: Metric
correlation:
    type: ${type}
    rules:
        - failed_login
    group-by:
        - src_ip
    timespan: 1h
    condition:
        field: ${field}
        ${cond}
`;
  it('value_sum', () => {
    const ev3 = [100, 200, 800].map((b, i) => ({ kind: 'fail', at: i * 1000, ip: '1.1.1.1', bytes: b }));
    const c = corrs(feed(engineFor(metric('value_sum', 'gt: 1000')), ev3));
    expect(c).toHaveLength(1);
    expect(c[0]!.correlation!.value).toBe(1100);
    expect(corrs(feed(engineFor(metric('value_sum', 'gt: 5000')), ev3))).toHaveLength(0);
  });
  it('value_avg', () => {
    const ev2 = [100, 300].map((b, i) => ({ kind: 'fail', at: i * 1000, ip: '1.1.1.1', bytes: b }));
    const engine = engineFor(metric('value_avg', 'lt: 250'));
    feed(engine, ev2);
    expect(engine.flush().map((m) => m.correlation!.value)).toEqual([200]);
    expect(corrs(feed(engineFor(metric('value_avg', 'gte: 150')), ev2)).map((m) => m.correlation!.value)).toEqual([200]);
  });
  it('value_percentile: how common the newest value is in the window, in percent', () => {
    const common = Array.from({ length: 199 }, (_, i) => ({ kind: 'fail', at: i * 10, ip: '1.1.1.1', image: '/usr/bin/bash' }));
    const rare = { kind: 'fail', at: 5000, ip: '1.1.1.1', image: '/tmp/evil' };
    const c = corrs(feed(engineFor(metric('value_percentile', 'lte: 1', 'Image')), [...common, rare]));
    expect(c).toHaveLength(1);
    expect(c[0]!.correlation!.value).toBeCloseTo(0.5);
  });
});

describe('chained correlations (spec example: failed logins followed by a success)', () => {
  const chain = `title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
level: high
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 3
`;
  it('an inner correlation feeds the outer one; only the outermost matches', () => {
    const out = feed(engineFor(chain), [...fails(3), { kind: 'ok', at: 5000, user: 'bob' }]);
    const c = corrs(out);
    expect(c.map((m) => m.title)).toEqual(['Correlation - Multiple Failed Logins Followed by Successful Login']);
    expect(c[0]!.correlation!.eventIds).toHaveLength(4);
    expect(c[0]!.correlation!.group).toEqual({ User: 'bob' });
  });
  it('success without enough failures, or for another user, does not match', () => {
    expect(corrs(feed(engineFor(chain), [...fails(2), { kind: 'ok', at: 5000, user: 'bob' }]))).toHaveLength(0);
    expect(corrs(feed(engineFor(chain), [...fails(3), { kind: 'ok', at: 5000, user: 'eve' }]))).toHaveLength(0);
  });
  it('cycles are rejected', () => {
    const engine = new SigmaEngine();
    const res = engine.loadText(`title: A\nname: ca\ncorrelation:\n    type: temporal\n    rules: [cb, failed_login]\n    group-by: [User]\n    timespan: 1m\n---\ntitle: B\nname: cb\ncorrelation:\n    type: temporal\n    rules: [ca, failed_login]\n    group-by: [User]\n    timespan: 1m\n---\n${BASE}`, 'cyc.yml');
    expect(res.failed.map((f) => f.reasons[0]!.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/cycle/)]));
  });
});

describe('shared correlation_rule_valid semantics', () => {
  it('event_count group-by two fields', () => {
    const engine = new SigmaEngine();
    engine.loadText(`title: Base rule\nname: base_rule\nid: 5d8fd9da-6916-45ef-8d4d-3fa9d19d1a64\nlogsource:\n    category: test\ndetection:\n    selection:\n        fieldA: value1\n        fieldB: value2\n    condition: selection\n---\ntitle: Many\ncorrelation:\n    type: event_count\n    rules:\n        - base_rule\n    group-by:\n        - fieldC\n        - fieldD\n    timespan: 15m\n    condition:\n        gte: 10\n`, 'x.yml');
    let n = 0;
    for (let i = 0; i < 10; i++) n += engine.evaluate(ev({ ts: T0 + i, fields: { fieldA: 'value1', fieldB: 'value2', fieldC: 'c', fieldD: i < 5 ? 'd1' : 'd2' } })).length;
    expect(n).toBe(0);
    for (let i = 0; i < 5; i++) n += engine.evaluate(ev({ ts: T0 + 100 + i, fields: { fieldA: 'value1', fieldB: 'value2', fieldC: 'c', fieldD: 'd1' } })).length;
    expect(n).toBe(1);
  });
});

describe('memory of correlation windows', () => {
  it('holds no more expired entries than live ones, however long many groups stay busy', () => {
    // 2,000 users fail once a minute for ten hours against a 5-minute window that never fires:
    // each group always has live entries, so its expired front must still be cut off.
    const engine = engineFor(`title: Many failures
name: many_failures
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 5m
    condition:
        gte: 1000
`);
    for (let minute = 0; minute < 600; minute++)
      for (let u = 0; u < 2000; u++) engine.evaluate(ev({ ts: T0 + minute * MIN + u, user: `u${u}`, fields: { kind: 'fail' } }));
    const m = engine.correlationMemory();
    expect(m.groups).toBe(2000);
    expect(m.live).toBeLessThanOrEqual(2000 * 6);
    expect(m.held).toBeLessThanOrEqual(2 * m.live);
  });
});

describe('memory of correlation windows under a flood', () => {
  // One source tries one account 5,000 times within the timespan: a count that only has to reach
  // N needs the newest N hits, a distinct count the newest hit of each value.
  const flood = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'fail', at: i * 10, user: `u${i % 3}`, ip: '198.51.100.9' }));

  it('an event_count window holds the hits its threshold needs, and still fires once and grows', () => {
    const engine = engineFor(`title: Brute force
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - src_ip
    timespan: 10m
    condition:
        gte: 10
`);
    const c = corrs(feed(engine, flood(5000)));
    const m = engine.correlationMemory();
    expect(m.held).toBeLessThanOrEqual(2 * 10);
    // One match that grows with every further hit, its first firing on the tenth with its ten events.
    expect(c.filter((x) => !x.correlation!.update)).toHaveLength(1);
    expect(c[0]!.correlation).toMatchObject({ value: 10 });
    expect(c[0]!.correlation!.eventIds).toHaveLength(10);
    expect(c.at(-1)!.correlation).toMatchObject({ update: true, value: 5000 });
  });

  it('a value_count window holds the newest hit of each value, and counts as before', () => {
    const rule = `title: Spraying
correlation:
    type: value_count
    rules:
        - failed_login
    group-by:
        - src_ip
    timespan: 10m
    condition:
        field: User
        gte: 4
`;
    const three = engineFor(rule);
    expect(corrs(feed(three, flood(5000)))).toHaveLength(0);
    expect(three.correlationMemory().held).toBeLessThanOrEqual(2 * 16);
    // A fourth account fires it, after thousands of hits of the other three.
    const four = engineFor(rule);
    const c = corrs(feed(four, [...flood(5000), { kind: 'fail', at: 50_001, user: 'u9', ip: '198.51.100.9' }]));
    expect(c).toHaveLength(1);
    expect(c[0]!.correlation).toMatchObject({ group: { src_ip: '198.51.100.9' }, value: 4 });
    // A value whose newest hit left the window no longer counts.
    const late = engineFor(rule);
    const spread = [...flood(3), { kind: 'fail', at: 11 * MIN, user: 'u7', ip: '198.51.100.9' }, { kind: 'fail', at: 11 * MIN + 1, user: 'u8', ip: '198.51.100.9' }];
    expect(corrs(feed(late, spread))).toHaveLength(0);
  });
});
