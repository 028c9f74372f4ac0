/** The incident queue's search in the query language, on a real case file. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listIncidents, setIncidentState } from '../incidents/queries';
import { CaseDb } from '../store/case-db';
import { tempDir } from '../test-support';

let store: CaseDb;

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 30, 10);
const ROWS = [
  {
    id: 'inc_a',
    category: 'auth_attack',
    pattern: 'possible_compromise',
    title: 'Possible compromise after failed logins from 24.151.103.17',
    severity: 'critical',
    priority: 99.3,
    first: T0,
    last: T0 + 6 * H,
    entities: [
      { type: 'ip', value: '24.151.103.17', role: 'actor' },
      { type: 'user', value: 'elastic_user_0', role: 'target' },
    ],
    detectors: ['behaviour', 'sigma'],
    tags: ['attack.t1110.001'],
    events: 514,
    risk: 120,
  },
  {
    id: 'inc_b',
    category: 'auth_attack',
    pattern: 'password_spraying',
    title: 'Password spraying from 91.197.232.109',
    severity: 'high',
    priority: 79.3,
    first: T0 - 48 * H,
    last: T0 - 47 * H,
    entities: [
      { type: 'ip', value: '91.197.232.109', role: 'actor' },
      { type: 'user', value: 'admin', role: 'target' },
      { type: 'host', value: 'bastion', role: 'target' },
    ],
    detectors: ['behaviour', 'sigma', 'ensemble'],
    tags: ['attack.t1110.003'],
    events: 65,
    risk: 40,
  },
  {
    id: 'inc_c',
    category: 'scanner',
    pattern: 'scanning',
    title: 'Scanning / reconnaissance from 10.0.0.9',
    severity: 'medium',
    priority: 45,
    first: T0 + 24 * H,
    last: T0 + 25 * H,
    entities: [
      { type: 'ip', value: '10.0.0.9', role: 'actor' },
      { type: 'url', value: '/wp-login.php', role: 'related' },
    ],
    detectors: ['sigma'],
    tags: [],
    events: 3000,
    risk: 12,
  },
];

beforeAll(() => {
  store = CaseDb.create(join(tempDir(), 'queue.vigil'), 'queue');
  const put = store.db.prepare(
    `INSERT INTO incidents (id, category, pattern, title, severity, confidence, priority, first_ts, last_ts, group_key, entities, tags,
       detectors, evidence, event_count, alert_count, summary, explanation, risk) VALUES (?, ?, ?, ?, ?, 0.9, ?, ?, ?, ?, ?, ?, ?, '[]', ?, 1, ?, '{}', ?)`,
  );
  for (const r of ROWS) {
    put.run(
      r.id,
      r.category,
      r.pattern,
      r.title,
      r.severity,
      r.priority,
      r.first,
      r.last,
      `ip:${r.entities[0]!.value}`,
      JSON.stringify(r.entities),
      JSON.stringify(r.tags),
      JSON.stringify(r.detectors),
      r.events,
      `${r.title}.`,
      r.risk,
    );
  }
  setIncidentState(store.db, 'inc_b', { status: 'closed', label: 'benign' });
});

afterAll(() => store?.close());

const ids = (query: string) =>
  listIncidents(store.db, { query, sort: 'priority', desc: true, offset: 0, limit: 100 }).rows.map((r) => r.id);

describe('the incident queue search', () => {
  it('finds words anywhere a reader would look, and entity fields by value', () => {
    expect(ids('')).toEqual(['inc_a', 'inc_b', 'inc_c']);
    expect(ids('spraying')).toEqual(['inc_b']);
    expect(ids('ip:24.151.103.17')).toEqual(['inc_a']);
    expect(ids('ip:10.* OR user:admin')).toEqual(['inc_b', 'inc_c']);
    expect(ids('host:BASTION')).toEqual(['inc_b']);
    expect(ids('entity:url:/wp-login.php')).toEqual(['inc_c']);
    expect(ids('elastic_user_0')).toEqual(['inc_a']);
  });

  it('compares severities in order, numbers and times', () => {
    expect(ids('severity:>=high')).toEqual(['inc_a', 'inc_b']);
    expect(ids('priority:<50 OR events:>1000')).toEqual(['inc_c']);
    expect(ids('risk:[40 TO 120] -pattern:possible_compromise')).toEqual(['inc_b']);
    expect(ids('time:2026-03-31')).toEqual(['inc_c']);
    expect(ids('time:2026-03-30T12')).toEqual(['inc_a']);
  });

  it('reads the analyst state and the detector and tag lists', () => {
    expect(ids('label:none')).toEqual(['inc_a', 'inc_c']);
    expect(ids('status:closed label:benign')).toEqual(['inc_b']);
    expect(ids('detector:ensemble')).toEqual(['inc_b']);
    expect(ids('tag:attack.t1110*')).toEqual(['inc_a', 'inc_b']);
    expect(ids('category:auth_attack NOT detector:ensemble')).toEqual(['inc_a']);
  });

  it('says where a queue query is wrong', () => {
    expect(() => ids('severity:>=urgent')).toThrow(/severity is one of informational, low, medium, high, critical \(at character 12\)/);
  });
});
