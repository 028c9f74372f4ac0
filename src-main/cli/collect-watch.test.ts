import { describe, expect, it } from 'vitest';
import type { IncidentRow } from '../../src-shared/contract-incidents';
import { IncidentWatch, incidentLine } from './collect-watch';

const row = (id: string, severity: IncidentRow['severity'], eventCount = 10): IncidentRow =>
  ({ id, severity, eventCount, title: `Brute force from ${id}`, kind: 'incident', memberCount: 0, firstTs: 0, lastTs: 60_000 }) as IncidentRow;

describe('incidents printed while collecting', () => {
  it('says each incident once when new, again only when its severity rises', () => {
    const w = new IncidentWatch();
    expect(w.changes([row('a', 'medium')]).map((c) => c.change)).toEqual(['new']);
    // Grown but not more severe: nothing to say.
    expect(w.changes([row('a', 'medium', 40)])).toEqual([]);
    expect(w.changes([row('a', 'high', 60), row('b', 'low')]).map((c) => `${c.change}:${c.row.id}`)).toEqual(['escalated:a', 'new:b']);
    // A severity that falls back and rises to where it was is not news again.
    expect(w.changes([row('a', 'medium')])).toEqual([]);
    expect(w.changes([row('a', 'high')])).toEqual([]);
  });

  it('prints one line per change', () => {
    const line = incidentLine('new', row('198.51.100.23', 'high', 32), Date.UTC(2026, 11, 7, 6, 0, 0));
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toContain('NEW');
    expect(line).toContain('high');
    expect(line).toContain('Brute force from 198.51.100.23  (32 events, 1970-01-01 00:00:00 .. 1970-01-01 00:01:00 UTC)');
  });
});
