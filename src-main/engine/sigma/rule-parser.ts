/**
 * Turns one YAML document into a typed Sigma rule, correlation or filter, collecting every
 * problem with its path instead of stopping at the first.
 */
import { ConditionError, collectRefs, parseCondition, selectIdentifiers } from './condition';
import { ModifierError, buildEntrySpec } from './modifiers';
import { isPlainObject, type RawDocument } from './yaml-docs';
import {
  CORRELATION_TYPES,
  SIGMA_LEVELS,
  SIGMA_STATUSES,
  ruleLabel,
  type ConditionNode,
  type CorrelationCondition,
  type CorrelationType,
  type CountOp,
  type FieldEntry,
  type SearchNode,
  type SigmaCorrelation,
  type SigmaDetection,
  type SigmaDocument,
  type SigmaFilter,
  type SigmaIssue,
  type SigmaLevel,
  type SigmaLogSource,
  type YamlScalar,
} from './types';

export interface ParseResult {
  doc: SigmaDocument | null;
  issues: SigmaIssue[];
  /** Known even when the document failed, for duplicate and reference reports. */
  id?: string;
  name?: string;
  title?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/;
const TAG = /^[a-z0-9_-]+\.[a-z0-9._-]+$/;
const TIMESPAN = /^(\d+)([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const COUNT_OPS: readonly CountOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

class Collector {
  readonly issues: SigmaIssue[] = [];
  constructor(
    private readonly file: string,
    private readonly label: string | undefined,
    private readonly id: string | undefined,
  ) {}
  error(reason: string, field?: string): void {
    this.push('error', reason, field);
  }
  warn(reason: string, field?: string): void {
    this.push('warning', reason, field);
  }
  private push(level: SigmaIssue['level'], reason: string, field?: string): void {
    const issue: SigmaIssue = { file: this.file, reason, level };
    if (this.label) issue.rule = this.label;
    if (this.id) issue.ruleId = this.id;
    if (field) issue.field = field;
    this.issues.push(issue);
  }
  get failed(): boolean {
    return this.issues.some((i) => i.level === 'error');
  }
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function stringList(data: Record<string, unknown>, key: string, c: Collector): string[] {
  const v = data[key];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  c.warn(`'${key}' should be a list of strings`, key);
  return [];
}

function isScalar(v: unknown): v is YamlScalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function parseEntry(key: string, value: unknown, path: string, c: Collector): FieldEntry | null {
  const parts = key.split('|');
  const field = parts[0] === '' ? null : parts[0]!;
  const modifiers = parts.slice(1);
  const entryPath = `${path}.${key}`;
  if (modifiers.some((m) => m === '')) {
    c.error(`empty modifier in '${key}'`, entryPath);
    return null;
  }
  let values: YamlScalar[];
  if (isScalar(value)) values = [value];
  else if (Array.isArray(value) && value.every(isScalar)) values = value;
  else {
    c.error('a field value must be a scalar or a list of scalars', entryPath);
    return null;
  }
  const entry: FieldEntry = { field, modifiers, values, path: entryPath };
  try {
    buildEntrySpec(entry); // validation pass; placeholders resolve at compile time
  } catch (err) {
    if (err instanceof ModifierError) {
      c.error(err.message, entryPath);
      return null;
    }
    throw err;
  }
  return entry;
}

function parseMap(obj: Record<string, unknown>, path: string, c: Collector): SearchNode | null {
  const entries: FieldEntry[] = [];
  let ok = true;
  for (const [key, value] of Object.entries(obj)) {
    const e = parseEntry(key, value, path, c);
    if (e) entries.push(e);
    else ok = false;
  }
  if (entries.length === 0 && ok) {
    c.error('empty selection map', path);
    return null;
  }
  return ok ? { kind: 'map', entries, path } : null;
}

function parseSearch(value: unknown, path: string, c: Collector): SearchNode | null {
  if (isPlainObject(value)) return parseMap(value, path, c);
  if (typeof value === 'string' || typeof value === 'number') {
    const entry = parseEntry('', value, path, c);
    return entry ? { kind: 'keywords', entry: { ...entry, path }, path } : null;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      c.error('empty search identifier list', path);
      return null;
    }
    const scalars = value.filter((v) => !isPlainObject(v));
    const maps = value.filter(isPlainObject);
    if (scalars.some((v) => !(typeof v === 'string' || typeof v === 'number'))) {
      c.error('list items must be strings, numbers or maps', path);
      return null;
    }
    const items: SearchNode[] = [];
    if (scalars.length > 0) {
      const entry = parseEntry('', scalars, path, c);
      if (!entry) return null;
      items.push({ kind: 'keywords', entry: { ...entry, path }, path });
    }
    let ok = true;
    maps.forEach((m, i) => {
      const node = parseMap(m, `${path}[${i}]`, c);
      if (node) items.push(node);
      else ok = false;
    });
    if (!ok) return null;
    return items.length === 1 && items[0]!.kind === 'keywords' ? items[0]! : { kind: 'anyOf', items, path };
  }
  c.error(value === null ? 'search identifier is empty (null)' : 'search identifier must be a map or a list', path);
  return null;
}

/** Parse search identifiers plus condition; `base` is 'detection' or 'filter'. */
function parseDetection(
  block: Record<string, unknown>,
  base: string,
  c: Collector,
  skip: ReadonlySet<string> = new Set(),
): SigmaDetection | null {
  const identifiers = new Map<string, SearchNode>();
  let ok = true;
  for (const [key, value] of Object.entries(block)) {
    if (key === 'condition' || skip.has(key)) continue;
    const node = parseSearch(value, `${base}.${key}`, c);
    if (node) identifiers.set(key, node);
    else ok = false;
  }
  const rawCond = block.condition;
  const condTexts: string[] = [];
  if (typeof rawCond === 'string') condTexts.push(rawCond);
  else if (Array.isArray(rawCond) && rawCond.length > 0 && rawCond.every((x) => typeof x === 'string')) condTexts.push(...rawCond);
  else if (rawCond === undefined || rawCond === null) {
    c.error('missing condition', `${base}.condition`);
    return null;
  } else {
    c.error('condition must be a string or a list of strings', `${base}.condition`);
    return null;
  }
  const conditions: ConditionNode[] = [];
  const names = new Set([...Object.keys(block)].filter((k) => k !== 'condition' && !skip.has(k)));
  for (const text of condTexts) {
    try {
      const node = parseCondition(text);
      const refs = { refs: [] as string[], patterns: [] as (string | null)[] };
      collectRefs(node, refs);
      for (const r of refs.refs) if (!names.has(r)) {
        c.error(`condition references undefined search identifier '${r}'`, `${base}.condition`);
        ok = false;
      }
      for (const pat of refs.patterns) if (selectIdentifiers(pat, names).length === 0) {
        c.error(`'${pat ?? 'them'}' in the condition matches no search identifier`, `${base}.condition`);
        ok = false;
      }
      conditions.push(node);
    } catch (err) {
      if (!(err instanceof ConditionError)) throw err;
      c.error(`bad condition '${text.length > 200 ? `${text.slice(0, 200)}…` : text}': ${err.message}`, `${base}.condition`);
      ok = false;
    }
  }
  return ok ? { identifiers, conditions, conditionText: condTexts } : null;
}

function parseLogsource(v: unknown, c: Collector): SigmaLogSource | null {
  if (!isPlainObject(v)) {
    c.error(v === undefined ? 'missing logsource' : 'logsource must be a map', 'logsource');
    return null;
  }
  const ls: SigmaLogSource = {};
  for (const key of ['product', 'service', 'category', 'definition'] as const) {
    const x = v[key];
    if (x === undefined || x === null) continue;
    const s = str(x);
    if (s === undefined) c.error(`logsource.${key} must be a string`, `logsource.${key}`);
    else ls[key] = key === 'definition' ? s : s.toLowerCase();
  }
  return ls;
}

function parseMeta(data: Record<string, unknown>, c: Collector) {
  const title = data.title;
  if (title === undefined || title === null) c.error('missing title', 'title');
  else if (typeof title !== 'string') c.error('title must be a string', 'title');
  else if (title.length > 256) c.error('title is longer than 256 characters', 'title');
  const id = str(data.id);
  if (data.id !== undefined && id === undefined) c.error('id must be a string', 'id');
  if (id !== undefined && !UUID.test(id)) c.warn(`id '${id}' is not a UUID`, 'id');
  if (data.name !== undefined && typeof data.name !== 'string') c.error('name must be a string', 'name');
  const status = data.status;
  if (status !== undefined && !(SIGMA_STATUSES as readonly unknown[]).includes(status)) c.error(`unknown status '${String(status)}' (${SIGMA_STATUSES.join(', ')})`, 'status');
  const level = data.level;
  if (level !== undefined && !(SIGMA_LEVELS as readonly unknown[]).includes(level)) c.error(`unknown level '${String(level)}' (${SIGMA_LEVELS.join(', ')})`, 'level');
  for (const key of ['date', 'modified'] as const) {
    const d = data[key];
    if (d === undefined) continue;
    const s = d instanceof Date ? d.toISOString().slice(0, 10) : str(d);
    if (s === undefined || !DATE.test(s)) c.warn(`${key} should be an ISO date YYYY-MM-DD, got '${String(d)}'`, key);
  }
  if (data.author !== undefined && typeof data.author !== 'string') c.warn('author should be a string', 'author');
  const tags = stringList(data, 'tags', c);
  tags.forEach((t, i) => {
    if (!TAG.test(t)) c.warn(`tag '${t}' does not follow namespace.value in lower case`, `tags[${i}]`);
  });
  return {
    title: typeof title === 'string' ? title : '',
    id,
    name: typeof data.name === 'string' ? data.name : undefined,
    status: typeof status === 'string' ? status : undefined,
    description: str(data.description),
    author: str(data.author),
    date: str(data.date),
    modified: str(data.modified),
    level: (typeof level === 'string' && (SIGMA_LEVELS as readonly string[]).includes(level) ? level : undefined) as SigmaLevel | undefined,
    tags,
    references: stringList(data, 'references', c),
    falsepositives: stringList(data, 'falsepositives', c),
    taxonomy: str(data.taxonomy),
  };
}

function parseCorrelationCondition(v: unknown, type: CorrelationType, c: Collector): CorrelationCondition | null | 'bad' {
  const path = 'correlation.condition';
  const needsField = type.startsWith('value_');
  if (v === undefined || v === null) {
    if (type === 'temporal' || type === 'temporal_ordered') return null;
    c.error(`a ${type} correlation needs a condition`, path);
    return 'bad';
  }
  if (!isPlainObject(v)) {
    c.error('condition must be a map such as {gte: 10}', path);
    return 'bad';
  }
  const cond: CorrelationCondition = { ops: [] };
  let ok = true;
  for (const [key, value] of Object.entries(v)) {
    if (key === 'field') {
      if (typeof value === 'string') cond.field = [value];
      else if (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'string')) cond.field = value;
      else {
        c.error('field must be a field name or a list of field names', `${path}.field`);
        ok = false;
      }
    } else if ((COUNT_OPS as readonly string[]).includes(key)) {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) {
        c.error(`'${key}' needs a number`, `${path}.${key}`);
        ok = false;
      } else cond.ops.push({ op: key as CountOp, value: n });
    } else {
      c.error(`unknown condition key '${key}' (gt, gte, lt, lte, eq, neq, field)`, `${path}.${key}`);
      ok = false;
    }
  }
  if (cond.ops.length === 0) {
    c.error('condition needs at least one of gt, gte, lt, lte, eq, neq', path);
    ok = false;
  }
  if (needsField && !cond.field) {
    c.error(`a ${type} correlation needs condition.field`, `${path}.field`);
    ok = false;
  }
  if (!needsField && cond.field) c.warn(`condition.field is ignored for ${type}`, `${path}.field`);
  if (type !== 'value_count' && cond.field && cond.field.length > 1) {
    c.error(`${type} takes a single field`, `${path}.field`);
    ok = false;
  }
  return ok ? cond : 'bad';
}

function parseCorrelation(data: Record<string, unknown>, meta: ReturnType<typeof parseMeta>, file: string, c: Collector): SigmaCorrelation | null {
  const corr = data.correlation;
  if (!isPlainObject(corr)) {
    c.error('correlation must be a map', 'correlation');
    return null;
  }
  if (data.detection !== undefined) c.error('a document cannot have both detection and correlation', 'detection');
  const type = corr.type as CorrelationType;
  if (!CORRELATION_TYPES.includes(type)) {
    c.error(`unknown correlation type '${String(corr.type)}' (${CORRELATION_TYPES.join(', ')})`, 'correlation.type');
    return null;
  }
  const rules = corr.rules;
  let ruleRefs: string[] = [];
  if (Array.isArray(rules) && rules.length > 0 && rules.every((r) => typeof r === 'string')) ruleRefs = rules;
  else if (typeof rules === 'string') ruleRefs = [rules];
  else c.error('rules must be a non-empty list of rule ids or names', 'correlation.rules');
  if (new Set(ruleRefs).size !== ruleRefs.length) c.error('rules contains duplicates', 'correlation.rules');
  if ((type === 'temporal' || type === 'temporal_ordered') && ruleRefs.length < 2) c.warn(`a ${type} correlation usually refers to at least two rules`, 'correlation.rules');
  const gb = corr['group-by'];
  let groupBy: string[] = [];
  if (gb === undefined || gb === null) c.error('missing group-by', 'correlation.group-by');
  else if (Array.isArray(gb) && gb.every((g) => typeof g === 'string')) groupBy = gb;
  else if (typeof gb === 'string') groupBy = [gb];
  else c.error('group-by must be a list of field names', 'correlation.group-by');
  const ts = corr.timespan;
  const m = typeof ts === 'string' ? TIMESPAN.exec(ts) : null;
  let timespanMs = 0;
  if (!m) c.error(`timespan must be a number followed by s, m, h or d (e.g. 15m), got '${String(ts)}'`, 'correlation.timespan');
  else {
    timespanMs = Number(m[1]) * UNIT_MS[m[2]!]!;
    if (timespanMs <= 0) c.error('timespan must be positive', 'correlation.timespan');
  }
  const condition = parseCorrelationCondition(corr.condition, type, c);
  const aliases = new Map<string, Map<string, string>>();
  if (corr.aliases !== undefined) {
    if (!isPlainObject(corr.aliases)) c.error('aliases must be a map alias -> {rule: field}', 'correlation.aliases');
    else
      for (const [alias, mapping] of Object.entries(corr.aliases)) {
        if (!isPlainObject(mapping) || !Object.values(mapping).every((f) => typeof f === 'string')) {
          c.error(`alias '${alias}' must map rule names to field names`, `correlation.aliases.${alias}`);
          continue;
        }
        for (const r of Object.keys(mapping)) if (!ruleRefs.includes(r)) c.error(`alias '${alias}' names rule '${r}' that the correlation does not refer to`, `correlation.aliases.${alias}.${r}`);
        aliases.set(alias, new Map(Object.entries(mapping as Record<string, string>)));
      }
  }
  const gen = corr.generate ?? data.generate;
  if (gen !== undefined && typeof gen !== 'boolean') c.error('generate must be true or false', 'correlation.generate');
  for (const key of Object.keys(corr)) {
    if (!['type', 'rules', 'group-by', 'timespan', 'condition', 'aliases', 'generate'].includes(key)) c.warn(`unknown correlation key '${key}'`, `correlation.${key}`);
  }
  if (c.failed || condition === 'bad') return null;
  return { kind: 'correlation', file, ...meta, type, rules: ruleRefs, groupBy, timespanMs, timespanText: String(ts), condition, aliases, generate: gen === true };
}

function parseFilter(data: Record<string, unknown>, meta: ReturnType<typeof parseMeta>, file: string, c: Collector): SigmaFilter | null {
  const logsource = parseLogsource(data.logsource, c);
  const block = data.filter;
  if (!isPlainObject(block)) {
    c.error('filter must be a map with rules, selection and condition', 'filter');
    return null;
  }
  const rules = block.rules;
  let refs: string[] = [];
  if (Array.isArray(rules) && rules.length > 0 && rules.every((r) => typeof r === 'string')) refs = rules;
  else if (typeof rules === 'string') refs = [rules];
  else c.error('filter.rules must be a non-empty list of rule ids or names', 'filter.rules');
  if (block.selection === undefined) c.error('filter needs a selection', 'filter.selection');
  const detection = parseDetection(block, 'filter', c, new Set(['rules']));
  if (c.failed || !detection || !logsource) return null;
  return { kind: 'filter', file, ...meta, logsource, rules: refs, detection };
}

export function parseSigmaDocument(raw: RawDocument): ParseResult {
  const { data, file } = raw;
  const id = str(data.id);
  const title = typeof data.title === 'string' ? data.title : undefined;
  const c = new Collector(file, ruleLabel(title, id), id);
  const meta = parseMeta(data, c);
  const base = { id, title, name: meta.name };
  if (data.correlation !== undefined) {
    const doc = parseCorrelation(data, meta, file, c);
    return { ...base, doc, issues: c.issues };
  }
  if (data.filter !== undefined) {
    const doc = parseFilter(data, meta, file, c);
    return { ...base, doc, issues: c.issues };
  }
  const logsource = parseLogsource(data.logsource, c);
  let detection: SigmaDetection | null = null;
  if (data.detection === undefined) c.error('missing detection', 'detection');
  else if (!isPlainObject(data.detection)) c.error('detection must be a map', 'detection');
  else detection = parseDetection(data.detection, 'detection', c);
  const fields = stringList(data, 'fields', c);
  if (c.failed || !logsource || !detection) return { ...base, doc: null, issues: c.issues };
  return { ...base, doc: { kind: 'rule', file, ...meta, logsource, detection, fields }, issues: c.issues };
}
