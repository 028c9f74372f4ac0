/** An import as the case stores it (the `imports` table) and as the contract shows it. */
import type { ImportJob, ImportProgress, ImportStatus } from '../../../src-shared/dto';

/** The name of the `imports` row a live collection stores its events under. */
export const LIVE_IMPORT_NAME = 'Live collection';

export interface ImporterEvents {
  progressed(progress: ImportProgress): void;
  finished(job: ImportJob): void;
}

export interface ImporterOptions {
  /** Inputs of at least this many bytes are normalized on a thread of their own (0: always). */
  offThreadMinBytes: number;
  /** Lines per batch when nobody is waiting (tests make it small to see many batches). */
  batchLines?: number;
  /** Lines between checkpoints. */
  checkpointLines?: number;
}

export interface ImportRow {
  id: number;
  path: string;
  name: string;
  status: ImportStatus;
  bytes_total: number;
  bytes_read: number;
  lines: number;
  members: number;
  unparsed: number;
  notes: string;
  started_at: number;
  finished_at: number | null;
  error: string | null;
  fingerprint: string | null;
  member_index: number;
  member_lines: number;
  checkpoint_event_id: number;
}

export function toJob(r: ImportRow): ImportJob {
  return {
    id: r.id,
    path: r.path,
    name: r.name,
    status: r.status,
    bytesTotal: r.bytes_total,
    bytesRead: r.bytes_read,
    lines: r.lines,
    members: r.members,
    unparsed: r.unparsed,
    notes: JSON.parse(r.notes) as string[],
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    live: r.name === LIVE_IMPORT_NAME && r.fingerprint === null && r.bytes_total === 0,
  };
}
