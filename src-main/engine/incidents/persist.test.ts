/** Reading alerts to rebuild incidents: repeated values are kept once, and nothing can change them. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseDb } from '../store/case-db';
import { AlertWriter } from '../store/alerts';
import { readAlerts } from './persist';

describe('readAlerts', () => {
  it("shares what alerts repeat (a rule firing on every line of a flood), keeps each alert's own, and freezes what is shared", () => {
    const c = CaseDb.create(join(mkdtempSync(join(tmpdir(), 'vigil-alerts-')), 'a.vigil'), 'alerts');
    const w = new AlertWriter(c.db, null);
    for (let i = 0; i < 1000; i++) {
      const ip = `198.51.100.${i % 3}`;
      w.add({
        detector: 'sigma',
        kind: 'rule-1',
        title: 'Login Attempt For A Non-Existent Account',
        severity: 'low',
        score: null,
        firstTs: 1000 + i,
        lastTs: 1000 + i,
        key: `ip:${ip}`,
        entities: [{ type: 'ip', value: ip }],
        evidence: [i + 1],
        details: { kind: 'rule', pack: 'vigil-bundled' },
        tags: ['attack.credential-access'],
      });
    }
    const alerts = readAlerts(c.db);
    expect(alerts).toHaveLength(1000);
    expect(alerts[3]).toMatchObject({ key: 'ip:198.51.100.0', entities: [{ type: 'ip', value: '198.51.100.0' }], evidence: [4], firstTs: 1003, details: { kind: 'rule' } });
    expect(alerts[0]!.details).toBe(alerts[999]!.details);
    expect(alerts[0]!.tags).toBe(alerts[1]!.tags);
    expect(alerts[0]!.entities).toBe(alerts[3]!.entities);
    expect(alerts[0]!.entities).not.toBe(alerts[1]!.entities);
    expect(alerts[0]!.evidence).not.toBe(alerts[1]!.evidence);
    expect(Object.isFrozen(alerts[0]!.entities[0])).toBe(true);
    expect(() => alerts[0]!.tags.push('x')).toThrow(TypeError);
    c.close();
  });
});
