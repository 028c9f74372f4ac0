/**
 * Compiles a parsed query (the Events query language, over INCIDENT_FIELDS) to a WHERE clause for
 * the incident queue: `incidents i LEFT JOIN incident_state s`. Free text looks in the title,
 * summary, pattern, category, id and entity values, without regard to case.
 */
import type { FieldTest, QueryNode } from '../../../src-shared/query';
import { INCIDENT_FIELDS } from '../../../src-shared/query-fields';
import { parseIncidentsQuery } from './parse';

export interface SqlWhere {
  sql: string;
  params: unknown[];
}

const SEVERITY_RANK = `CASE i.severity WHEN 'informational' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 END`;
const ENTITY_TYPES = ['ip', 'user', 'host', 'process', 'file', 'domain', 'url', 'user_agent'];
const TEXT_COLUMNS = ['i.title', 'i.summary', `coalesce(i.pattern, '')`, 'i.category', 'i.id', 'i.entities'];
const CASELESS = new Set(INCIDENT_FIELDS.filter((f) => f.caseless).map((f) => f.name));

/** The WHERE clause of a queue search, or null when it asks for nothing. */
export function incidentsWhere(query: string): SqlWhere | null {
  const node = parseIncidentsQuery(query);
  if (!node) return null;
  const params: unknown[] = [];
  return { sql: compile(node, params), params };
}

function compile(n: QueryNode, params: unknown[]): string {
  switch (n.type) {
    case 'and':
    case 'or':
      return `(${n.children.map((c) => compile(c, params)).join(n.type === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `NOT coalesce(${compile(n.child, params)}, 0)`;
    case 'text': {
      const like = `%${n.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return `(${TEXT_COLUMNS.map((c) => (params.push(like), `lower(${c}) LIKE ? ESCAPE '\\'`)).join(' OR ')})`;
    }
    case 'field':
      return `(${field(n.field, n.test, params)})`;
  }
}

function field(name: string, t: FieldTest, params: unknown[]): string {
  switch (name) {
    case 'ip':
    case 'user':
    case 'host':
      return entity(name, t, params);
    case 'entity': {
      if (t.op !== 'match') return '0';
      const colon = t.value.indexOf(':');
      const type = colon > 0 ? t.value.slice(0, colon) : '';
      if (ENTITY_TYPES.includes(type)) return entity(type, { ...t, value: t.value.slice(colon + 1) }, params);
      return entity(null, t, params);
    }
    case 'category':
      return value('i.category', t, params);
    case 'pattern':
      return value(`lower(coalesce(i.pattern, ''))`, t, params);
    case 'severity':
      return t.op === 'range' ? range(SEVERITY_RANK, t, params) : value('i.severity', t, params);
    case 'status':
      return value(`coalesce(s.status, 'open')`, t, params);
    case 'label':
      return value(`coalesce(s.label, 'none')`, t, params);
    case 'priority':
      return numeric('i.priority', t, params);
    case 'risk':
      return numeric('i.risk', t, params);
    case 'events':
      return numeric('i.event_count', t, params);
    case 'detector':
      return `EXISTS (SELECT 1 FROM json_each(i.detectors) d WHERE ${value('lower(d.value)', t, params)})`;
    case 'tag':
      return `EXISTS (SELECT 1 FROM json_each(i.tags) g WHERE ${value('lower(g.value)', t, params)})`;
    case 'id':
      return value('i.id', t, params);
    case 'time':
      if (t.op !== 'range') return '0';
      // Active at some time in the range: it overlaps.
      return [
        ...(t.lo !== null ? [(params.push(t.lo), 'i.last_ts >= ?')] : []),
        ...(t.hi !== null ? [(params.push(t.hi), 'i.first_ts < ?')] : []),
        'i.first_ts IS NOT NULL',
      ].join(' AND ');
  }
  return '0';
}

/** An entity of the incident (of `type`, or any) whose value matches. */
function entity(type: string | null, t: FieldTest, params: unknown[]): string {
  const typed = type === null ? '' : (params.push(type), `je.value ->> 'type' = ? AND `);
  const v = type !== null && CASELESS.has(type) ? `lower(je.value ->> 'value')` : `je.value ->> 'value'`;
  return `EXISTS (SELECT 1 FROM json_each(i.entities) je WHERE ${typed}${value(v, t, params)})`;
}

function value(col: string, t: FieldTest, params: unknown[]): string {
  if (t.op === 'range') return range(col, t, params);
  if (t.op === 'cidr') return '0';
  if (t.pattern) {
    params.push(t.value.replace(/[[\]]/g, (c) => `[${c}]`));
    return `${col} GLOB ?`;
  }
  params.push(t.value);
  return `${col} = ?`;
}

function numeric(col: string, t: FieldTest, params: unknown[]): string {
  if (t.op === 'match' && t.pattern) {
    params.push(t.value);
    return `CAST(${col} AS TEXT) GLOB ?`;
  }
  return t.op === 'range' ? range(col, t, params) : '0';
}

function range(col: string, t: Extract<FieldTest, { op: 'range' }>, params: unknown[]): string {
  const parts: string[] = [];
  if (t.lo !== null) parts.push((params.push(t.lo), `${col} ${t.loIncl ? '>=' : '>'} ?`));
  if (t.hi !== null) parts.push((params.push(t.hi), `${col} ${t.hiIncl ? '<=' : '<'} ?`));
  return parts.length ? parts.join(' AND ') : `${col} IS NOT NULL`;
}
