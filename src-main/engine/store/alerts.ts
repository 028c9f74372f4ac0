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
}

export interface AlertSink {
  add(alert: AlertInput): void;
}

const MAX_EVIDENCE = 200;

export class AlertWriter implements AlertSink {
  private readonly insert: Statement;
  added = 0;

  constructor(
    db: Database,
    private readonly runId: number | null,
  ) {
    this.insert = db.prepare(
      `INSERT INTO alerts (run_id, detector, kind, title, severity, score, first_ts, last_ts, key, entities, evidence, details, tags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  add(a: AlertInput): void {
    this.insert.run(
      this.runId,
      a.detector,
      a.kind,
      a.title,
      a.severity,
      a.score,
      a.firstTs,
      a.lastTs,
      a.key,
      JSON.stringify(a.entities),
      JSON.stringify(a.evidence.slice(0, MAX_EVIDENCE)),
      JSON.stringify(a.details),
      JSON.stringify(a.tags),
    );
    this.added++;
  }

  /** Findings added or grown so far (what a live rebuild of incidents waits for). */
  get changed(): number {
    return this.added;
  }
}
