/**
 * Compiles a parsed query (src-shared/query.ts) to a WHERE clause over `events e`: free text to
 * the full-text index (adjacent words, phrases and NOTs merged into one MATCH), fields to their
 * columns, entities and templates to their posting lists. Columns are nullable: under a NOT a
 * missing value counts as "not equal", so `-status:404` keeps the lines that have no status.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { FieldTest, QueryNode } from '../../../src-shared/query';
import { entityId, type EntityType } from '../parse/entities';
import { canonicalIp, canonicalUser } from '../parse/entities-canonical';
import { cidrContains, parseCidr, type Cidr } from '../sigma/cidr';
import { EngineError } from '../errors';
import { Postings } from '../store/postings';

export interface SqlWhere {
  sql: string;
  params: unknown[];
}

const ENTITY_TYPES: readonly EntityType[] = ['ip', 'user', 'host', 'process', 'file', 'domain', 'url', 'user_agent'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Text fields and the column each one reads. */
const COLUMNS: Record<string, string> = {
  user: 'e.user',
  host: 'e.host',
  app: 'e.app',
  method: 'e.method',
  path: 'e.path',
  action: 'e.action',
  ua: 'e.user_agent',
  parser: 'e.parser',
  outcome: 'e.outcome',
  status: 'e.status',
  bytes: 'e.bytes',
  severity: 'e.severity',
  time: 'e.ts',
};

/** Fields whose values are kept as typed and compared without regard to case. */
const CASELESS = new Set(['host', 'method', 'action', 'parser', 'outcome']);

/**
 * Reads what the compiler needs from one case: posting lists and entity rows. Registers the
 * `vigil_cidr` SQL function on the connection.
 */
export class EventsQueryCompiler {
  private readonly entityEvents: Postings;
  private readonly templateEvents: Postings;
  private readonly entityByValue: Statement;
  private readonly entityById: Statement;

  constructor(db: Database) {
    this.entityEvents = new Postings(db, 'entity_events');
    this.templateEvents = new Postings(db, 'template_events');
    this.entityByValue = db.prepare('SELECT rowid FROM entities WHERE value = ?').pluck();
    this.entityById = db.prepare('SELECT rowid FROM entities WHERE id = ?').pluck();
    const networks = new Map<string, Cidr | null>();
    db.function('vigil_cidr', { deterministic: true }, (ip: unknown, net: unknown) => {
      if (typeof ip !== 'string' || typeof net !== 'string') return 0;
      let c = networks.get(net);
      if (c === undefined) {
        c = parseCidr(net);
        if (networks.size > 256) networks.clear();
        networks.set(net, c);
      }
      return c !== null && cidrContains(c, ip) ? 1 : 0;
    });
  }

  compile(node: QueryNode): SqlWhere {
    const params: unknown[] = [];
    const sql = this.node(node, params);
    return { sql, params };
  }

  private node(n: QueryNode, params: unknown[]): string {
    const fts = ftsOf(n);
    if (fts !== null) {
      params.push(fts);
      return 'e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)';
    }
    switch (n.type) {
      case 'and':
        return this.and(n.children, params);
      case 'or':
        return this.or(n.children, params);
      case 'not':
        return `NOT coalesce(${this.node(n.child, params)}, 0)`;
      case 'text':
        throw new Error('unreachable: text is always full-text');
      case 'field':
        return `(${this.field(n.field, n.test, params)})`;
    }
  }

  /** Full-text children share one MATCH: positive ones ANDed, negated ones as its NOT part. */
  private and(children: QueryNode[], params: unknown[]): string {
    const pos: string[] = [];
    const neg: string[] = [];
    const rest: QueryNode[] = [];
    for (const c of children) {
      const f = ftsOf(c);
      const nf = c.type === 'not' ? ftsOf(c.child) : null;
      if (f !== null) pos.push(f);
      else if (nf !== null) neg.push(nf);
      else rest.push(c);
    }
    const parts: string[] = [];
    if (pos.length > 0) {
      params.push(`(${pos.join(' AND ')})${neg.map((x) => ` NOT ${x}`).join('')}`);
      parts.push('e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)');
    } else if (neg.length > 0) {
      params.push(neg.join(' OR '));
      parts.push('e.id NOT IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)');
    }
    for (const c of rest) parts.push(this.node(c, params));
    return `(${parts.join(' AND ')})`;
  }

  private or(children: QueryNode[], params: unknown[]): string {
    const fts: string[] = [];
    const parts: string[] = [];
    for (const c of children) {
      const f = ftsOf(c);
      if (f !== null) fts.push(f);
    }
    if (fts.length > 0) {
      params.push(fts.join(' OR '));
      parts.push('e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)');
    }
    for (const c of children) if (ftsOf(c) === null) parts.push(this.node(c, params));
    return `(${parts.join(' OR ')})`;
  }

  private field(field: string, t: FieldTest, params: unknown[]): string {
    switch (field) {
      case 'ip':
        return this.ip(['e.src_ip', 'e.dst_ip'], t, params);
      case 'src_ip':
        return this.ip(['e.src_ip'], t, params);
      case 'dst_ip':
        return this.ip(['e.dst_ip'], t, params);
      case 'entity':
        return this.entity(t, params);
      case 'template':
        return this.template(t, params);
      case 'source':
        return this.source(t, params);
      case 'user':
        if (t.op === 'match' && !t.pattern) {
          const canonical = canonicalUser(t.value);
          const listed = canonical === null ? null : this.postedIds('user', canonical);
          if (listed) return `${idsIn(listed, params)} AND ${column('e.user', t, false, params)}`;
        }
        return column('e.user', t, false, params);
    }
    const col = COLUMNS[field];
    if (!col) throw new Error(`no column for field ${field}`);
    return column(col, t, CASELESS.has(field), params);
  }

  private ip(cols: string[], t: FieldTest, params: unknown[]): string {
    if (t.op === 'cidr') {
      return cols.map((c) => (params.push(t.value), `vigil_cidr(${c}, ?)`)).join(' OR ');
    }
    if (t.op === 'match' && !t.pattern) {
      const canonical = canonicalIp(t.value);
      const values = [...new Set([t.value, ...(canonical ? [canonical] : [])])];
      // Every event with this address in a column names it as an entity: its posting list is a
      // superset of the answer, and far smaller than the table.
      const listed = canonical === null ? null : this.postedIds('ip', canonical);
      const ids = listed ? `${idsIn(listed, params)} AND ` : '';
      const test = cols.map((c) => (params.push(...values), `${c} IN (${values.map(() => '?').join(', ')})`)).join(' OR ');
      return `${ids}(${test})`;
    }
    return cols.map((c) => column(c, t, false, params)).join(' OR ');
  }

  /** Ids of the events naming entity (type, canonical value), or null when it is not in the case. */
  private postedIds(type: EntityType, canonical: string): number[] | null {
    const rowid = this.entityById.get(entityId(type, canonical)) as number | undefined;
    return rowid === undefined ? null : this.entityEvents.ids(rowid);
  }

  private entity(t: FieldTest, params: unknown[]): string {
    if (t.op !== 'match' || t.pattern) throw EngineQueryError('entity takes one value: type:value, a value, or an entity id');
    const rowids: number[] = [];
    const v = t.value;
    const colon = v.indexOf(':');
    const type = colon > 0 ? (v.slice(0, colon) as EntityType) : null;
    if (UUID.test(v)) {
      const r = this.entityById.get(v.toLowerCase()) as number | undefined;
      if (r !== undefined) rowids.push(r);
    } else if (type && ENTITY_TYPES.includes(type)) {
      const value = v.slice(colon + 1);
      for (const candidate of new Set([value, canonicalFor(type, value)])) {
        if (candidate === null) continue;
        const r = this.entityById.get(entityId(type, candidate)) as number | undefined;
        if (r !== undefined) rowids.push(r);
      }
    } else {
      rowids.push(...(this.entityByValue.all(v) as number[]));
    }
    if (rowids.length === 0) return '0';
    const ids = rowids.length === 1 ? this.entityEvents.ids(rowids[0]!) : union(rowids.map((r) => this.entityEvents.ids(r)));
    return idsIn(ids, params);
  }

  private template(t: FieldTest, params: unknown[]): string {
    if (t.op !== 'match') throw EngineQueryError('template takes an id (t12) or a pattern of its text');
    if (/^t\d+$/.test(t.value)) return idsIn(this.templateEvents.ids(t.value), params);
    if (/^t[\d*?]+$/.test(t.value)) {
      params.push(t.value);
      return 'e.template_id GLOB ?';
    }
    // Any other value is looked for inside the template text, without regard to case.
    params.push(`*${globEscape(t.value.toLowerCase(), t.pattern)}*`);
    return 'e.template_id IN (SELECT id FROM templates WHERE lower(template) GLOB ?)';
  }

  private source(t: FieldTest, params: unknown[]): string {
    if (t.op !== 'match') throw EngineQueryError('source takes a file name or a pattern');
    const g = globEscape(t.value, t.pattern);
    // A member inside an archive is named by its path: its base name matches too.
    params.push(g, `*/${g}`, g, `*/${g}`);
    return `e.source_id IN (SELECT id FROM sources WHERE name GLOB ? OR name GLOB ?)
      OR (e.source_id IS NULL AND e.import_id IN (SELECT id FROM imports WHERE name GLOB ? OR name GLOB ?))`;
  }
}

/** A query the parser accepted but the case cannot answer as asked (e.g. entity:a*). */
function EngineQueryError(message: string): EngineError {
  return new EngineError('invalid_input', `Query: ${message}`);
}

function canonicalFor(type: EntityType, value: string): string | null {
  if (type === 'ip') return canonicalIp(value);
  if (type === 'user') return canonicalUser(value);
  if (type === 'host' || type === 'domain') return value.toLowerCase();
  return value;
}

function column(col: string, t: FieldTest, caseless: boolean, params: unknown[]): string {
  const c = caseless ? `lower(${col})` : col;
  if (t.op === 'match') {
    if (t.pattern) {
      params.push(globEscape(t.value, true));
      return `CAST(${c} AS TEXT) GLOB ?`;
    }
    params.push(t.value);
    return `${c} = ?`;
  }
  if (t.op === 'cidr') throw EngineQueryError('a network works only on an address field');
  const parts: string[] = [];
  if (t.lo !== null) {
    params.push(t.lo);
    parts.push(`${col} ${t.loIncl ? '>=' : '>'} ?`);
  }
  if (t.hi !== null) {
    params.push(t.hi);
    parts.push(`${col} ${t.hiIncl ? '<=' : '<'} ?`);
  }
  return parts.length ? parts.join(' AND ') : `${col} IS NOT NULL`;
}

/** A value as a GLOB pattern: our * and ? stay wildcards when `pattern`, anything else is literal. */
function globEscape(value: string, pattern: boolean): string {
  return value.replace(/[*?[\]]/g, (ch) => (pattern && (ch === '*' || ch === '?') ? ch : `[${ch}]`));
}

function idsIn(ids: number[], params: unknown[]): string {
  if (ids.length === 0) return '0';
  params.push(JSON.stringify(ids));
  return 'e.id IN (SELECT value FROM json_each(?))';
}

function union(lists: number[][]): number[] {
  const all = new Set<number>();
  for (const l of lists) for (const id of l) all.add(id);
  return [...all].sort((a, b) => a - b);
}

/**
 * The node as one full-text expression when it is one: words and phrases, and AND / OR / NOT
 * over them (a NOT only beside at least one positive term). Null otherwise.
 */
export function ftsOf(n: QueryNode): string | null {
  switch (n.type) {
    case 'text': {
      // FTS5 ends a string at NUL ("unterminated string"): NUL separates words.
      const text = n.text.replace(/\0/g, ' ');
      return `"${text.replace(/"/g, '""')}"${n.prefix ? '*' : ''}`;
    }
    case 'or': {
      const parts = n.children.map(ftsOf);
      return parts.every((p) => p !== null) ? `(${parts.join(' OR ')})` : null;
    }
    case 'and': {
      const pos: string[] = [];
      const neg: string[] = [];
      for (const c of n.children) {
        const f = ftsOf(c);
        if (f !== null) pos.push(f);
        else if (c.type === 'not' && ftsOf(c.child) !== null) neg.push(ftsOf(c.child)!);
        else return null;
      }
      if (pos.length === 0) return null;
      return `((${pos.join(' AND ')})${neg.map((x) => ` NOT ${x}`).join('')})`;
    }
    default:
      return null;
  }
}
