/**
 * Risk and incidents (DESIGN.md steps 10-11): after every detection pass, alerts become risk on
 * their entities and are grouped into incidents with explanations. Incidents listen for a pass's
 * end and say when they are rebuilt; what acts on incidents (alerting) listens for that.
 */
import type { Database } from 'better-sqlite3';
import type { CaseBus } from '../session/bus';
import { LiveIncidents } from './live';
import { clearIncidents, rebuildIncidents } from './persist';

/**
 * Keep the case's incidents in step with its detection passes, and with the live pass while the
 * collector runs (returned: the session closes it).
 */
export function attachIncidents(db: Database, bus: CaseBus): LiveIncidents {
  bus.on('passEnded', (pass) => {
    // A savepoint: should building incidents fail, the pass's alerts are still kept.
    try {
      db.transaction(() => rebuildIncidents(db))();
    } catch (err) {
      console.error('[vigil] building incidents failed:', err);
      return;
    }
    bus.emit('incidentsRebuilt', pass);
  });
  // Every finding is forgotten before a pass over the whole case; the analyst's state stays.
  bus.on('findingsCleared', () => {
    clearIncidents(db);
    db.exec('DELETE FROM triage_suppressed');
  });
  return new LiveIncidents(db, bus);
}
