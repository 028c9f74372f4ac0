import { describe, expect, it } from 'vitest';
import { buildIncidents, CHAIN_GAP_MS } from './builder';
import { classify, type StoredAlert } from './classify';
import { explain, type ExplainLookup } from './explain';
import { decay, riskRegister, RISK_HALF_LIFE_MS } from './risk';

let nextId = 1;
function alert(partial: Partial<StoredAlert>): StoredAlert {
  return {
    id: nextId++,
    detector: 'behaviour',
    kind: 'brute_force',
    title: 'Brute force',
    severity: 'medium',
    score: 0.8,
    firstTs: 0,
    lastTs: 0,
    key: null,
    entities: [],
    evidence: [],
    details: {},
    tags: [],
    ...partial,
  };
}

const T0 = Date.UTC(2024, 2, 4, 10);
const MIN = 60_000;

describe('incident builder', () => {
  it('makes one incident of a brute-force wave over hundreds of sessions from one IP', () => {
    const alerts = Array.from({ length: 300 }, (_, i) =>
      alert({
        detector: i % 3 === 0 ? 'behaviour' : 'sigma',
        kind: i % 3 === 0 ? 'brute_force' : 'rule-1',
        title: i % 3 === 0 ? 'Brute force' : 'SSH Brute Force Against One Account',
        severity: i % 3 === 0 ? 'medium' : 'high',
        firstTs: T0 + i * 20_000,
        lastTs: T0 + i * 20_000 + 10_000,
        key: 'ip:203.0.113.5',
        entities: [
          { type: 'ip', value: '203.0.113.5' },
          { type: 'user', value: `u${i % 7}` },
        ],
        evidence: [i * 2, i * 2 + 1],
        details: i % 3 === 0 ? { summary: 'brute force: 203.0.113.5 failed 12 logins' } : { kind: 'correlation' },
        tags: ['attack.t1110.001', 'attack.credential-access'],
      }),
    );
    const incidents = buildIncidents(alerts.map(classify));
    expect(incidents).toHaveLength(1);
    const inc = incidents[0]!;
    expect(inc.category).toBe('auth_attack');
    expect(inc.pattern).toBe('brute_force');
    expect(inc.alerts).toHaveLength(300);
    expect(inc.evidence).toHaveLength(600);
    expect(inc.entities[0]).toMatchObject({ type: 'ip', value: '203.0.113.5', role: 'actor' });
    expect(inc.tags).toEqual(['attack.credential_access', 'attack.t1110.001']);
    expect(inc.detectors.sort()).toEqual(['behaviour', 'sigma']);
    expect(inc.confidence).toBeGreaterThan(0.9);
  });

  it('makes one scanner incident however many paths, and splits waves an idle hour apart', () => {
    const scan = (t: number, n: number) =>
      Array.from({ length: n }, (_, i) =>
        alert({
          detector: 'sigma',
          kind: 'scan-rule',
          title: 'Web Scanning - Many Not Found Responses',
          severity: 'medium',
          firstTs: t + i * 1000,
          lastTs: t + i * 1000,
          key: 'ip:198.51.100.7',
          details: { kind: 'correlation' },
          tags: ['attack.t1595.003'],
        }),
      );
    const later = T0 + 500_000 + CHAIN_GAP_MS + 10 * MIN;
    const incidents = buildIncidents([...scan(T0, 500), ...scan(later, 3)].map(classify));
    expect(incidents.map((i) => i.category)).toEqual(['scanner', 'scanner']);
    expect(incidents.map((i) => i.alerts.length).sort((a, b) => a - b)).toEqual([3, 500]);
  });

  it('upgrades a brute force that ends in a login to a critical possible compromise', () => {
    const ip = { type: 'ip', value: '192.0.2.9' };
    const incidents = buildIncidents(
      [
        alert({ kind: 'brute_force', firstTs: T0, lastTs: T0 + 5 * MIN, key: 'ip:192.0.2.9', entities: [ip] }),
        alert({
          kind: 'possible_compromise',
          title: 'Possible compromise',
          severity: 'critical',
          firstTs: T0 + 4 * MIN,
          lastTs: T0 + 5 * MIN,
          key: 'ip:192.0.2.9',
          entities: [ip],
        }),
      ].map(classify),
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ category: 'auth_attack', pattern: 'possible_compromise', severity: 'critical' });
  });

  it('leaves a lone weak alert as risk only, and lends source-wide alerts to the incident they overlap', () => {
    const incidents = buildIncidents(
      [
        alert({
          detector: 'sigma',
          kind: 'typo',
          title: 'SSH Login Attempt For A Non-Existent User',
          severity: 'low',
          firstTs: T0,
          lastTs: T0,
          key: 'ip:10.0.0.4',
          tags: ['attack.t1110.001'],
        }),
        alert({
          kind: 'scanning',
          title: 'Scanning',
          severity: 'low',
          firstTs: T0 + 2 * MIN,
          lastTs: T0 + 9 * MIN,
          key: 'ip:198.51.100.1',
        }),
        alert({
          detector: 'ensemble',
          kind: 'source',
          title: 'Unusual activity: source access.log',
          severity: 'low',
          score: 20,
          firstTs: T0 + 5 * MIN,
          lastTs: T0 + 6 * MIN,
          key: 'source:access.log',
          details: { threshold: 10, contributions: { cusum: 12 } },
        }),
      ].map(classify),
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.groupKey).toBe('ip:198.51.100.1');
    expect(incidents[0]!.context.map((a) => a.alert.key)).toEqual(['source:access.log']);
    expect(incidents[0]!.detectors).toContain('ensemble');
  });

  it('gives the same ids to the same alerts, whatever their row ids', () => {
    const make = () =>
      buildIncidents(
        [
          alert({ kind: 'password_spraying', firstTs: T0 + 7 * MIN, lastTs: T0 + 20 * MIN, key: 'ip:192.0.2.1' }),
          alert({ kind: 'scanning', firstTs: T0, lastTs: T0 + MIN, key: 'ip:192.0.2.2' }),
        ].map(classify),
      ).map((i) => i.id);
    const first = make();
    expect(make()).toEqual(first);
    expect(first[0]).toMatch(/^inc_[0-9a-f]{16}$/);
  });
});

describe('risk register', () => {
  it('halves risk every half-life of event time and keeps the peak', () => {
    expect(decay(100, 0, RISK_HALF_LIFE_MS)).toBeCloseTo(50);
    const a1 = alert({ severity: 'high', firstTs: T0, lastTs: T0, key: 'ip:192.0.2.3', entities: [{ type: 'user', value: 'root' }] });
    const a2 = alert({
      severity: 'low',
      detector: 'sigma',
      kind: 'x',
      title: 'x',
      firstTs: T0 + RISK_HALF_LIFE_MS,
      lastTs: T0 + RISK_HALF_LIFE_MS,
      key: 'ip:192.0.2.4',
    });
    const { asOf, entities } = riskRegister([a1, a2].map(classify));
    expect(asOf).toBe(T0 + RISK_HALF_LIFE_MS);
    const ip = entities.get('ip:192.0.2.3')!;
    expect(ip.risk).toBeCloseTo(ip.peak / 2);
    expect(entities.get('user:root')!.risk).toBeCloseTo(ip.risk);
    expect(entities.get('ip:192.0.2.4')!.alerts).toBe(1);
  });

  it('explains an incident the same whatever order its alerts were stored in', () => {
    // A detection pass stores the worker's Sigma alerts after the engine thread's graph alerts,
    // the pass on one thread before them: the incident must not read differently.
    const ip = [{ type: 'ip', value: '198.51.100.9' }];
    const base = [
      alert({ detector: 'behaviour', kind: 'brute_force', firstTs: T0, lastTs: T0 + 5 * MIN, key: 'ip:198.51.100.9', entities: ip, details: { summary: 'brute force: 198.51.100.9 failed 40 logins' } }),
      alert({ detector: 'sigma', kind: 'rule-9', title: 'SSH brute force', severity: 'high', firstTs: T0 + MIN, lastTs: T0 + 2 * MIN, key: 'ip:198.51.100.9', entities: ip, details: { kind: 'correlation' } }),
      alert({ detector: 'graph', kind: 'fan_out', title: 'Fan-out burst', firstTs: T0 + MIN, lastTs: T0 + 3 * MIN, key: 'ip:198.51.100.9', entities: ip }),
    ];
    const lookup: ExplainLookup = { entity: () => null, totalEvents: 1000, templates: () => [] };
    const told = (order: StoredAlert[]) => {
      // Stored in this order: ids follow it.
      const [inc] = buildIncidents(order.map((a, i) => classify({ ...a, id: 100 + i })));
      return { detectors: inc!.detectors, summary: explain(inc!, lookup).summary };
    };
    const one = told([base[0]!, base[1]!, base[2]!]);
    expect(one.summary).toMatch(/Confirmed by/);
    expect(told([base[0]!, base[2]!, base[1]!])).toEqual(one);
    expect(told([base[2]!, base[1]!, base[0]!])).toEqual(one);
  });
});
