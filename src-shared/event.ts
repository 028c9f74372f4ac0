/**
 * The normalized event (DESIGN.md, pipeline step 3). Every parser produces it, every detector
 * consumes it, and it crosses the contract as plain JSON: epoch-ms numbers, strings, nulls.
 */
export type Outcome = 'success' | 'failure' | 'unknown';

export interface LogSource {
  product: string | null;
  service: string | null;
  category: string | null;
}

export interface NormalizedEvent {
  /** Row id in the case; 0 until stored. */
  id: number;
  /** Event time, epoch ms (UTC). Null when the line carries no usable time. */
  ts: number | null;
  /** Where the line came from: a file path, an archive member path, or a listener name. */
  source: string;
  host: string | null;
  app: string | null;
  pid: number | null;
  /** Syslog severity 0 (emergency) .. 7 (debug), or null. */
  severity: number | null;
  message: string;
  template_id: string | null;
  /** Values of the template's wildcards, in order. */
  params: string[];
  logsource: LogSource;
  src_ip: string | null;
  dst_ip: string | null;
  user: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  bytes: number | null;
  user_agent: string | null;
  outcome: Outcome;
  /** A short verb for what happened, e.g. "ssh_login", "sudo", "http_request", "user_add". */
  action: string | null;
  /** Extra fields that a parser found and that have no column of their own (JSON lines, kv). */
  fields: Record<string, string | number | boolean | null>;
  /** The parser that produced the event: "syslog5424", "syslog3164", "auth", "access", "jsonl", "raw". */
  parser: string;
  raw: string;
}

export function emptyEvent(raw: string, source: string): NormalizedEvent {
  return {
    id: 0,
    ts: null,
    source,
    host: null,
    app: null,
    pid: null,
    severity: null,
    message: raw,
    template_id: null,
    params: [],
    logsource: { product: null, service: null, category: null },
    src_ip: null,
    dst_ip: null,
    user: null,
    method: null,
    path: null,
    status: null,
    bytes: null,
    user_agent: null,
    outcome: 'unknown',
    action: null,
    fields: {},
    parser: 'raw',
    raw,
  };
}
