/** Detector findings into the case's alerts table, inside the caller's transaction. */
import type { Database, Statement } from 'better-sqlite3';
import type { DetectorName } from '../../../src-shared/detectors';

export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';

export interface AlertEntity {
  type: string;
  value: string;
}

export interface AlertInput {
  detector: DetectorName;
  /** Rule id, pattern name or channel: what fired. */
  kind: string;
  title: string;
  severity: Severity;
  score: number | null;
  firstTs: number | null;
  lastTs: number | null;
  /** What the alert is about, e.g. `ip:203.0.113.5`; groups alerts into incidents later. */
  key: string | null;
  entities: AlertEntity[];
  /** Event ids that show it (bounded by the detector). */
  evidence: number[];
  details: Record<string, unknown>;
  tags: string[];
  /**
   * Names a finding that grows (a correlation's episode): an alert with the ref of one already
   * written by the same sink replaces it instead of adding another.
   */
  ref?: string;
}

export interface AlertSink {
  add(alert: AlertInput): void;
}

const MAX_EVIDENCE = 200;

/** Growing findings remembered per sink (their rows); the oldest are forgotten past this. */
const MAX_REFS = 20_000;

/** The JSON columns of an alert row, in the order both statements take them. */
function encoded(a: AlertInput): [string, string, string, string] {
  return [JSON.stringify(a.entities), JSON.stringify(a.evidence.slice(0, MAX_EVIDENCE)), JSON.stringify(a.details), JSON.stringify(a.tags)];
}

export class AlertWriter implements AlertSink {
  private readonly insert: Statement;
  private readonly update: Statement;
  private readonly refs = new Map<string, number>();
  added = 0;
  /** Rows grown in place (a correlation's episode going on). */
  grown = 0;

  constructor(
    db: Database,
    private readonly runId: number | null,
  ) {
    this.insert = db.prepare(
      `INSERT INTO alerts (run_id, detector, kind, title, severity, score, first_ts, last_ts, key, entities, evidence, details, tags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.update = db.prepare(
      `UPDATE alerts SET title = ?, severity = ?, score = ?, first_ts = ?, last_ts = ?, entities = ?, evidence = ?, details = ?, tags = ? WHERE id = ?`,
    );
  }

  add(a: AlertInput): void {
    const row = a.ref === undefined ? undefined : this.refs.get(a.ref);
    if (row !== undefined) {
      const r = this.update.run(a.title, a.severity, a.score, a.firstTs, a.lastTs, ...encoded(a), row);
      // Gone (findings cleared meanwhile): written afresh below.
      if (r.changes > 0) {
        this.grown++;
        return;
      }
    }
    const info = this.insert.run(
      this.runId,
      a.detector,
      a.kind,
      a.title,
      a.severity,
      a.score,
      a.firstTs,
      a.lastTs,
      a.key,
      ...encoded(a),
    );
    this.added++;
    if (a.ref !== undefined) {
      if (this.refs.size >= MAX_REFS) this.refs.delete(this.refs.keys().next().value!);
      this.refs.set(a.ref, Number(info.lastInsertRowid));
    }
  }

  /** Findings added or grown so far (what a live rebuild of incidents waits for). */
  get changed(): number {
    return this.added + this.grown;
  }
}
