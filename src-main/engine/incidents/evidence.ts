/**
 * An incident's evidence lines, all of them: the lines its alerts cite, and every line of its actor
 * between its first and last alert (behaviour alerts cite a bounded sample; an actor guessing all
 * day has tens of thousands). Read in event-time order a page at a time, and a first page that
 * samples the whole span: the first and last lines, the outcome, successes, rule hits, and lines
 * spread evenly between, rather than the first seconds.
 */
import type { Database } from 'better-sqlite3';
import type { EvidenceReason, IncidentEvidenceLine, IncidentEvidencePage } from '../../../src-shared/contract-incidents';
import { EngineError } from '../errors';
import { Postings } from '../store/postings';
import { entityRowid } from './persist';

const MAX_RAW_CHARS = 8192;
/** Each end of the span, in the sample. */
const ENDS = 5;
/** At most this many successes and rule hits each, spread over the span. */
const NOTABLE = 25;

interface LineIndex {
  key: string;
  pinned: number[];
  /** Event ids in event-time order (untimed first, then by time and id). */
  ids: Int32Array;
  success: Uint8Array;
}

const indexes = new WeakMap<Database, LineIndex[]>();

interface IncidentSpan {
  id: string;
  group_key: string;
  first_ts: number | null;
  last_ts: number | null;
  evidence: string;
  event_count: number;
}

function spanOf(db: Database, id: string): IncidentSpan {
  const r = db.prepare('SELECT id, group_key, first_ts, last_ts, evidence, event_count FROM incidents WHERE id = ?').get(id) as IncidentSpan | undefined;
  if (!r) throw new EngineError('not_found', `No incident ${id} in this case (detection may have re-run: refresh the queue).`);
  return r;
}

/**
 * The incident's lines in event-time order, with the outcome's (`pinned()`, always in); the last
 * few asked for are kept per case, so paging costs one read of the page.
 */
function lineIndex(db: Database, r: IncidentSpan, pinnedOf: () => number[]): LineIndex {
  const key = `${r.id}\0${r.first_ts}\0${r.last_ts}\0${r.event_count}\0${r.evidence.length}`;
  const kept = indexes.get(db) ?? [];
  const hit = kept.find((x) => x.key === key);
  if (hit) return hit;
  const pinned = pinnedOf();
  const cited = [...(JSON.parse(r.evidence) as number[]), ...pinned];
  let ids = cited;
  const actor = /^(ip|user):/.test(r.group_key) ? r.group_key : null;
  if (actor && r.first_ts !== null && r.last_ts !== null) {
    const at = actor.indexOf(':');
    const rowid = entityRowid(db, actor.slice(0, at), actor.slice(at + 1));
    if (rowid !== null) ids = [...new Set([...cited, ...new Postings(db, 'entity_events').ids(rowid)])];
  }
  // The actor's lines count between the first and last alert; cited lines count wherever they are.
  const citedSet = new Set(cited);
  const rows = db
    .prepare('SELECT id, ts, outcome FROM events WHERE id IN (SELECT value FROM json_each(?)) ORDER BY ts, id')
    .raw()
    .all(JSON.stringify(ids)) as [number, number | null, string][];
  const lines = rows.filter(([id, ts]) => citedSet.has(id) || (ts !== null && ts >= r.first_ts! && ts <= r.last_ts!));
  const index: LineIndex = {
    key,
    pinned,
    ids: Int32Array.from(lines, (x) => x[0]),
    success: Uint8Array.from(lines, (x) => (x[2] === 'success' ? 1 : 0)),
  };
  kept.push(index);
  if (kept.length > 4) kept.shift();
  indexes.set(db, kept);
  return index;
}

function readLines(db: Database, ids: number[]): Map<number, IncidentEvidenceLine> {
  if (ids.length === 0) return new Map();
  const rows = db
    .prepare(
      `SELECT e.id, e.ts, e.line_no AS lineNo, substr(e.raw, 1, ${MAX_RAW_CHARS}) AS raw, coalesce(s.name, i.name) AS source
       FROM events e JOIN imports i ON i.id = e.import_id LEFT JOIN sources s ON s.id = e.source_id
       WHERE e.id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids)) as IncidentEvidenceLine[];
  return new Map(rows.map((l) => [l.id, l]));
}

/** `n` positions spread evenly over `list` (first and last included when n > 1). */
function spread<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  if (n <= 0) return [];
  if (n === 1) return [list[0]!];
  return Array.from({ length: n }, (_, k) => list[Math.round((k * (list.length - 1)) / (n - 1))]!);
}

/** Lines that rules matched: the evidence of the incident's Sigma alerts. */
function ruleHits(db: Database, incidentId: string): Set<number> {
  const out = new Set<number>();
  const rows = db
    .prepare(
      `SELECT a.evidence FROM alerts a JOIN incident_alerts ia ON ia.alert_id = a.id WHERE ia.incident_id = ? AND a.detector = 'sigma'`,
    )
    .pluck()
    .all(incidentId) as string[];
  for (const r of rows) for (const id of JSON.parse(r) as number[]) out.add(id);
  return out;
}

/**
 * The first page an incident opens on: at most `limit` lines, each marked with why it was chosen,
 * covering the whole span: the outcome's lines (`pinned`) first, the rest in event-time order.
 */
export function evidenceSample(db: Database, incidentId: string, pinned: number[], limit: number): { lines: IncidentEvidenceLine[]; total: number } {
  const r = spanOf(db, incidentId);
  const index = lineIndex(db, r, () => pinned);
  const order = Array.from(index.ids);
  const position = new Map(order.map((id, i) => [id, i]));
  const why = new Map<number, EvidenceReason>();
  const pick = (id: number, reason: EvidenceReason) => {
    if (why.size < limit && !why.has(id)) why.set(id, reason);
  };
  for (const id of pinned) pick(id, 'outcome');
  for (const id of order.slice(0, ENDS)) pick(id, 'first');
  for (const id of order.slice(-ENDS)) pick(id, 'last');
  const hits = ruleHits(db, incidentId);
  const successes = order.filter((_, i) => index.success[i] === 1);
  for (const id of spread(successes, NOTABLE)) pick(id, 'success');
  for (const id of spread(order.filter((id) => hits.has(id)), NOTABLE)) pick(id, 'rule');
  // The rest of the page: lines spread evenly over the span.
  for (const id of spread(order, Math.max(0, limit - why.size))) pick(id, 'sample');
  // The outcome leads the page; everything else follows in event-time order.
  const rank = (id: number) => (why.get(id) === 'outcome' ? -1 : 0);
  const ids = [...why.keys()].sort((a, b) => rank(a) - rank(b) || (position.get(a) ?? -1) - (position.get(b) ?? -1));
  const lines = readLines(db, ids);
  const pinnedSet = new Set(pinned);
  return {
    lines: ids.flatMap((id) => {
      const l = lines.get(id);
      return l ? [{ ...l, why: why.get(id)!, ...(pinnedSet.has(id) ? { pinned: true } : {}) }] : [];
    }),
    total: order.length,
  };
}

/** Every line of the incident in event-time order, a page at a time. */
export function evidencePage(db: Database, incidentId: string, pinnedOf: () => number[], offset: number, limit: number): IncidentEvidencePage {
  const r = spanOf(db, incidentId);
  const index = lineIndex(db, r, pinnedOf);
  const page = Array.from(index.ids.subarray(offset, offset + limit));
  const lines = readLines(db, page);
  const pinnedSet = new Set(index.pinned);
  return {
    rows: page.flatMap((id) => {
      const l = lines.get(id);
      return l ? [pinnedSet.has(id) ? { ...l, pinned: true } : l] : [];
    }),
    offset,
    total: index.ids.length,
  };
}
