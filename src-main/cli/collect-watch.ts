/**
 * What `vigil collect` prints while it runs: each incident once when it appears, and again when it
 * escalates (its severity rises), one line each, or one JSON object per line with --json.
 */
import type { IncidentRow, IncidentSeverity } from '../../src-shared/contract-incidents';

const RANK: Record<IncidentSeverity, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

export type IncidentChange = 'new' | 'escalated';

export class IncidentWatch {
  private readonly seen = new Map<string, IncidentSeverity>();

  /** The queue's rows now: which are new, which escalated, since the last call. */
  changes(rows: readonly IncidentRow[]): { change: IncidentChange; row: IncidentRow }[] {
    const out: { change: IncidentChange; row: IncidentRow }[] = [];
    for (const row of rows) {
      const was = this.seen.get(row.id);
      if (was === undefined) out.push({ change: 'new', row });
      else if (RANK[row.severity] > RANK[was]) out.push({ change: 'escalated', row });
      if (was === undefined || RANK[row.severity] > RANK[was]) this.seen.set(row.id, row.severity);
    }
    return out;
  }
}

function clock(ts: number | null): string {
  return ts === null ? '?' : new Date(ts).toISOString().replace('T', ' ').slice(0, 19);
}

/** One line for a terminal: when, what changed, severity, title, size and span. */
export function incidentLine(change: IncidentChange, r: IncidentRow, now = Date.now()): string {
  const size = r.kind === 'campaign' ? `${r.memberCount} addresses, ${r.eventCount} events` : `${r.eventCount} events`;
  return `${clock(now)}  ${change === 'new' ? 'NEW      ' : 'ESCALATED'}  ${r.severity.padEnd(8)}  ${r.title}  (${size}, ${clock(r.firstTs)} .. ${clock(r.lastTs)} UTC)  ${r.id}\n`;
}

/** One JSON line: the change and the queue's row. */
export function incidentJson(change: IncidentChange, r: IncidentRow, now = Date.now()): string {
  return `${JSON.stringify({ at: now, change, incident: r })}\n`;
}
