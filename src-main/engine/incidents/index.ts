/**
 * Risk and incidents (DESIGN.md steps 10-11): after every detection pass, alerts become risk on
 * their entities and are grouped into incidents with explanations.
 */
import type { Database } from 'better-sqlite3';

export interface PassInfo {
  runId: number;
  scope: 'import' | 'all' | 'live';
}

/** Called inside a transaction at the end of each detection pass (and when live collection stops). */
export function afterDetection(_db: Database, _pass: PassInfo): void {}

/** Called when detection clears every finding before a full re-run. */
export function clearIncidentFindings(_db: Database): void {}
