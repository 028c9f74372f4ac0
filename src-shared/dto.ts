/** Data shapes that cross the contract. Plain JSON only: epoch-ms numbers, strings, arrays. */

export interface AppInfo {
  version: string;
  /** Where new cases go when the analyst gives only a name. */
  casesDir: string;
}

export interface CaseInfo {
  path: string;
  name: string;
  createdAt: number;
  schemaVersion: number;
  eventCount: number;
}

export interface RecentCase {
  path: string;
  name: string;
  openedAt: number;
  /** False when the file has been moved or deleted since it was last opened. */
  exists: boolean;
}

export type ImportStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface ImportJob {
  id: number;
  path: string;
  name: string;
  status: ImportStatus;
  bytesTotal: number;
  bytesRead: number;
  lines: number;
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
}

export interface ImportProgress {
  importId: number;
  path: string;
  bytesRead: number;
  bytesTotal: number;
  lines: number;
  /** Lines per second over the last few seconds. */
  linesPerSec: number;
  /** Estimated time left, or null while unknown. */
  etaMs: number | null;
}

export interface EventRow {
  id: number;
  importId: number;
  source: string;
  lineNo: number;
  ts: number | null;
  raw: string;
}

export interface EventsPage {
  rows: EventRow[];
  offset: number;
  /** Rows matching the query, or the cap when `totalCapped` is true. */
  total: number;
  totalCapped: boolean;
}
