/**
 * Risk and incidents (DESIGN.md steps 10-11): after every detection pass, alerts become risk on
 * their entities and are grouped into incidents with explanations.
 */
import type { Database } from 'better-sqlite3';
import { afterIncidents } from '../alerting';
import { refreshRisk } from '../graph/results';
import { clearIncidents, rebuildIncidents } from './persist';

export interface PassInfo {
  runId: number;
  scope: 'import' | 'all' | 'live';
}

/** Called inside a transaction at the end of each detection pass (and when live collection stops). */
export function afterDetection(db: Database, pass: PassInfo): void {
  // A savepoint: should building incidents fail, the pass's alerts are still kept.
  try {
    db.transaction(() => {
      rebuildIncidents(db);
      // The graph's vertices show the risk register's figures: refresh them from the new register.
      refreshRisk(db);
    })();
  } catch (err) {
    console.error('[vigil] building incidents failed:', err);
    return;
  }
  try {
    afterIncidents(db, pass);
  } catch (err) {
    console.error('[vigil] live alerts failed:', err);
  }
}

/** Called when detection clears every finding before a full re-run. The analyst's state stays. */
export function clearIncidentFindings(db: Database): void {
  clearIncidents(db);
  db.exec('DELETE FROM triage_suppressed');
}
