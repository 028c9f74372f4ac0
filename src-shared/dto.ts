/** Data shapes that cross the contract. Plain JSON only: epoch-ms numbers, strings, arrays. */
import type { NormalizedEvent } from './event';

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
  /** Files or archive members read so far. */
  members: number;
  /** Lines no parser fitted: kept as message-only events, and counted here. */
  unparsed: number;
  /** Members skipped and why (encrypted, nested archive, link, unreadable). */
  notes: string[];
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
  /** The live collector's row: its size is what arrived, there is no total to read. */
  live: boolean;
}

/** A path whose content is already in the case, recognised by its fingerprint. */
export interface DuplicateImport {
  path: string;
  of: ImportJob;
}

export interface StartImportResult {
  /** What will run: new imports, and unfinished earlier imports of the same content continued. */
  jobs: ImportJob[];
  duplicates: DuplicateImport[];
  /** Ids of the jobs that continue an earlier, unfinished import (nothing is stored twice). */
  resumed: number[];
}

export interface SourceRow {
  id: number;
  importId: number;
  name: string;
  format: string;
  lines: number;
  unparsed: number;
  /**
   * The years given to lines whose time stamps carry none (RFC 3164 syslog, auth.log), chosen so
   * that no line is dated after the file's own time; null when every line had a year.
   * `futureKept`: lines kept in `last` because the next year would have put them in the future.
   */
  assumedYears: { first: number; last: number; futureKept: number } | null;
}

export interface TemplateRow {
  id: string;
  template: string;
  count: number;
  examples: string[];
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface EntityRow {
  id: string;
  type: string;
  value: string;
  count: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface Page<T> {
  rows: T[];
  offset: number;
  total: number;
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
  /** File or archive member the line came from. */
  source: string;
  lineNo: number;
  ts: number | null;
  host: string | null;
  app: string | null;
  severity: number | null;
  templateId: string | null;
  srcIp: string | null;
  user: string | null;
  outcome: 'success' | 'failure' | 'unknown';
  action: string | null;
  parser: string;
  raw: string;
}

/** Matches per time bucket: `counts[i]` falls in [from + i·bucketMs, from + (i+1)·bucketMs). */
export interface EventsHistogram {
  from: number;
  to: number;
  bucketMs: number;
  counts: number[];
  /** Matches with a time inside [from, to). */
  total: number;
}

/** One event in full, as an expanded row shows it. */
export interface EventDetail {
  /** Every normalized field; `raw` and `message` cut at 1 MB (see rawLength). */
  event: NormalizedEvent;
  importId: number;
  lineNo: number;
  /** The text of its template, e.g. "Failed password for <*> from <IP> port <NUM> ssh2". */
  template: string | null;
  /** The entities the pipeline extracted from it, with their ids. */
  entities: { id: string; type: string; value: string }[];
  /** Length of the whole line in characters. */
  rawLength: number;
}

export interface EventsPage {
  rows: EventRow[];
  offset: number;
  /**
   * Rows matching the query (past the `after` cursor when one was given), or the cap when
   * `totalCapped` is true: there are more, reachable by paging on with `after`.
   */
  total: number;
  totalCapped: boolean;
}

/** How a case's detection pass puts lines in time order. */
export interface DetectionSettings {
  /**
   * How far behind the latest line seen a line may come and still take its place in time; later
   * ones are counted late and scored where they arrive. Applies to imports started afterwards.
   */
  latenessMs: number;
  /** The default, for a case that never set one. */
  defaultLatenessMs: number;
}

export interface DetectionRun {
  id: number;
  /** After an import (its own events) or over the whole case. */
  scope: 'import' | 'all';
  importId: number | null;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  events: number;
  alerts: number;
  /**
   * Lines that came later than the case's lateness allows (default 5 minutes behind the latest
   * line seen): scored where they arrived instead of in time order. A re-run puts them in order.
   */
  late: number;
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
  /**
   * Milliseconds each part of the pass took on the engine thread (`read`: loading events; then one
   * entry per detector stage). When Sigma and the ensemble ran in the pass's worker, `sigma_worker`
   * and `ensemble_worker` are the worker's time in each (in parallel) and `side_wait` the engine
   * thread's wait for it. Sent with the pass's
   * `detect.finished` event; not kept in the case.
   */
  stageMs?: Record<string, number>;
}

export interface DetectionProgress {
  runId: number;
  events: number;
  total: number;
  alerts: number;
}

export interface AlertRow {
  id: number;
  detector: string;
  kind: string;
  title: string;
  severity: 'informational' | 'low' | 'medium' | 'high' | 'critical';
  score: number | null;
  firstTs: number | null;
  lastTs: number | null;
  key: string | null;
  entities: { type: string; value: string }[];
  evidence: number[];
  details: Record<string, unknown>;
  tags: string[];
}

export interface TimelineSeries {
  detector: string;
  /** [bucket start (epoch ms), score, threshold or null], in time order. */
  points: [number, number, number | null][];
}

export interface Timeline {
  sourceTypes: string[];
  sourceType: string | null;
  /** Width of one point after downsampling, in ms. */
  bucketMs: number;
  series: TimelineSeries[];
  alerts: { id: number; ts: number; score: number | null; title: string; kind: string }[];
}

export type LiveSource = 'udp' | 'tcp' | 'tls' | 'otlp' | 'webhook' | 'tail';

export interface CollectorStatus {
  running: boolean;
  startedAt: number | null;
  /**
   * Messages received, stored and dropped since the collector started. `dropped` counts every
   * message known lost, the kernel's UDP drops included (each listener says where).
   */
  received: number;
  stored: number;
  dropped: number;
  /** Messages in the last second (sliding), and in the busiest second of the last ten (bursts). */
  ratePerSecond: number;
  peakPerSecond: number;
  listeners: {
    source: LiveSource;
    address: string | null;
    received: number;
    /** Bytes of the messages received. */
    bytes: number;
    ratePerSecond: number;
    peakPerSecond: number;
    /**
     * Messages lost, by where: the collector's queue was full, too large, not a message, and (UDP)
     * datagrams the kernel dropped before the collector could read them, because the socket's
     * receive buffer was full (null where the platform does not say; Linux does).
     */
    drops: { queueFull: number; oversize: number; malformed: number; kernel: number | null };
    connectionsOpen: number;
    /**
     * Stream listeners (TCP, TLS): connections refused or cut so that no one sender can hold the
     * listener: over the per-sender limit, listener full, idle past the idle timeout, too slow
     * to send a frame or finish a TLS handshake, or evicted (the quietest, to make room for a new
     * sender). Zeros for other listeners.
     */
    connectionsRefused: { perSender: number; full: number; idle: number; slow: number; evicted: number };
    /** UDP: the socket receive buffer asked for and what the kernel granted (Linux caps it at net.core.rmem_max). */
    receiveBuffer: { requested: number; granted: number } | null;
    unauthorized: number;
    lastError: string | null;
  }[];
  queue: { length: number; maxMessages: number; peakLength: number };
  topSenders: { sender: string; count: number }[];
  /**
   * Each sender's clock (keyed by address and the host its lines name): `skewMs` is how far its
   * header times run ahead (+) or behind (-) their receive times once a steady offset was seen
   * (0: in step; null: not judged yet). Lines are corrected by it only once it is seen; `received`
   * counts lines that took their receive time (no header time, or one outside the trust window).
   */
  senderClocks: { sender: string; lines: number; skewMs: number | null; corrected: number; received: number }[];
  recentLines: { source: LiveSource; sender: string; receivedAt: number; line: string }[];
  tailFiles: { path: string; state: string; lines: number; truncations: number }[];
  /** The configuration in force (or saved for next start), as the collector panel edits it. */
  config: Record<string, unknown>;
  error: string | null;
}
