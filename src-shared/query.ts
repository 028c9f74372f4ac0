/**
 * The query language of the Events search, `vigil search` and the incident queue: free text and
 * "phrases", field:value with wildcards, comparisons and ranges, AND / OR / NOT (and -term),
 * parentheses. Parsed once into a typed tree, validated against a field list (query-fields.ts);
 * the engine compiles the tree to SQL, the renderer reads it for highlighting. A bad query is a
 * QueryError that says where.
 */
import type { FieldKind, FieldSpec } from './query-fields';
import { parseTime } from './query-time';

export interface Span {
  /** Offset of the first character in the query text. */
  at: number;
  end: number;
}

/** What a field term asks of its field, with values already checked and normalised. */
export type FieldTest =
  /** Equal to `value`, or matching it as a wildcard pattern (`*`, `?`) when `pattern`. */
  | { op: 'match'; value: string; pattern: boolean }
  /** An address inside a network. */
  | { op: 'cidr'; value: string }
  /**
   * Numbers, times (epoch ms) and ordered enums (their index): lo/hi null for an open end.
   * Times and `4xx` come as half-open [lo, hi) ranges.
   */
  | { op: 'range'; lo: number | null; hi: number | null; loIncl: boolean; hiIncl: boolean };

export type QueryNode =
  | { type: 'and'; children: QueryNode[] }
  | { type: 'or'; children: QueryNode[] }
  | { type: 'not'; child: QueryNode }
  /** Free text: words, "phrases", word* prefixes; matched on the full-text index. */
  | { type: 'text'; text: string; phrase: boolean; prefix: boolean; span: Span }
  | { type: 'field'; field: string; kind: FieldKind; test: FieldTest; span: Span };

export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    message: string,
    /** Offset in the query text where the problem starts, and how far it goes. */
    readonly position: number,
    readonly length = 1,
  ) {
    super(message);
  }

  /** As plain data, for an error envelope's details. */
  toDetails(): { position: number; length: number } {
    return { position: this.position, length: this.length };
  }
}

const MAX_DEPTH = 64;
const FIELD_NAME = /^[A-Za-z_@][\w.@]*$/;
const KEYWORDS = new Set(['AND', 'OR', 'NOT']);

/** Field specs by every name and alias, lower-cased. */
export type FieldIndex = ReadonlyMap<string, FieldSpec>;

export function indexFields(fields: readonly FieldSpec[]): FieldIndex {
  const out = new Map<string, FieldSpec>();
  for (const f of fields) {
    out.set(f.name.toLowerCase(), f);
    for (const a of f.aliases ?? []) out.set(a.toLowerCase(), f);
  }
  return out;
}

/** Parse `input` against `fields`; null when it asks for nothing (an empty query matches all). */
export function parseQuery(input: string, fields: FieldIndex): QueryNode | null {
  return new Parser(input, fields).parse();
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly fields: FieldIndex,
  ) {}

  parse(): QueryNode | null {
    const node = this.or(null);
    if (node === ALL) return null;
    this.space();
    if (this.i < this.src.length) {
      if (this.src[this.i] === ')') throw new QueryError('this ) closes no (', this.i);
      throw new QueryError('unexpected text', this.i);
    }
    return node;
  }

  private space(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i]!)) this.i++;
  }

  /** The keyword at the cursor (AND, OR, NOT: upper case, standing alone), without consuming it. */
  private keyword(): string | null {
    this.space();
    for (const k of KEYWORDS) {
      if (!this.src.startsWith(k, this.i)) continue;
      const next = this.src[this.i + k.length];
      if (next === undefined || /[\s("]/.test(next)) return k;
    }
    return null;
  }

  private or(def: FieldSpec | null): QueryNode | null {
    const parts: (QueryNode | null)[] = [];
    parts.push(this.and(def));
    while (this.keyword() === 'OR') {
      const at = this.i;
      this.i += 2;
      this.space();
      if (this.atEnd() || this.src[this.i] === ')') throw new QueryError('OR needs a term after it', at, 2);
      parts.push(this.and(def));
    }
    return combine('or', parts);
  }

  private and(def: FieldSpec | null): QueryNode | null {
    const parts: (QueryNode | null)[] = [];
    this.space();
    if (this.keyword() === 'OR' || this.keyword() === 'AND') throw new QueryError(`${this.keyword()} needs a term before it`, this.i, 3);
    for (;;) {
      this.space();
      if (this.atEnd() || this.src[this.i] === ')') break;
      const kw = this.keyword();
      if (kw === 'OR') break;
      if (kw === 'AND') {
        const at = this.i;
        this.i += 3;
        this.space();
        if (this.atEnd() || this.src[this.i] === ')' || this.keyword() === 'OR' || this.keyword() === 'AND') {
          throw new QueryError('AND needs a term after it', at, 3);
        }
        continue;
      }
      parts.push(this.unary(def));
    }
    return combine('and', parts);
  }

  private unary(def: FieldSpec | null): QueryNode | null {
    this.space();
    const at = this.i;
    let negate = false;
    if (this.keyword() === 'NOT') {
      this.i += 3;
      negate = true;
    } else if (this.src[this.i] === '-' && this.i + 1 < this.src.length && !/\s/.test(this.src[this.i + 1]!)) {
      this.i += 1;
      negate = true;
    }
    if (!negate) return this.primary(def);
    this.space();
    if (this.atEnd() || this.src[this.i] === ')' || this.keyword() === 'OR' || this.keyword() === 'AND') {
      throw new QueryError('NOT needs a term after it', at, this.i - at || 1);
    }
    const child = this.unary(def);
    if (child === ALL) throw new QueryError('NOT * would match nothing', at, this.i - at);
    return child === null ? null : { type: 'not', child };
  }

  private primary(def: FieldSpec | null): QueryNode | null {
    this.space();
    const c = this.src[this.i];
    if (c === '(') return this.group(def);
    if (c === '"') {
      const { text, span } = this.quoted();
      return def ? this.fieldTerm(def, { text, quoted: true, span }, span) : textNode(text, true, false, span);
    }
    if (c === '+') this.i++;
    const start = this.i;
    const word = this.word();
    const colon = word.indexOf(':');
    const name = colon > 0 ? word.slice(0, colon) : '';
    const spec = this.fields.get(name.toLowerCase());
    // "error:" before a space is the word error, unless it names a field that then lacks a value.
    const bareColon = colon === word.length - 1 && !/["([{]/.test(this.src[this.i] ?? '');
    if (colon > 0 && FIELD_NAME.test(name) && (spec || !bareColon)) {
      if (!spec) {
        const known = [...new Set([...this.fields.values()].map((f) => f.name))].join(', ');
        throw new QueryError(`unknown field "${name}" (fields: ${known}); to search the text, put it in quotes`, start, name.length);
      }
      // field:"a phrase", field:(a OR b), field:[lo TO hi]: the value starts right after the colon.
      if (colon === word.length - 1) {
        const next = this.src[this.i];
        if (next === '"') {
          const q = this.quoted();
          return this.fieldTerm(spec, { text: q.text, quoted: true, span: q.span }, { at: start, end: q.span.end });
        }
        if (next === '(') return this.group(spec);
        if (next === '[' || next === '{') return this.rangeTerm(spec, start);
        throw new QueryError(`${name}: needs a value`, start, word.length);
      }
      const valueAt = start + colon + 1;
      return this.fieldTerm(
        spec,
        { text: word.slice(colon + 1), quoted: false, span: { at: valueAt, end: this.i } },
        { at: start, end: this.i },
      );
    }
    const span = { at: start, end: this.i };
    if (def) return this.fieldTerm(def, { text: word, quoted: false, span }, span);
    return this.freeText(word, span);
  }

  private group(def: FieldSpec | null): QueryNode | null {
    const open = this.i;
    if (++this.depth > MAX_DEPTH) throw new QueryError(`parentheses nest deeper than ${MAX_DEPTH}`, open);
    this.i++;
    this.space();
    if (this.src[this.i] === ')') throw new QueryError('empty parentheses', open, this.i - open + 1);
    const node = this.or(def);
    this.space();
    if (this.src[this.i] !== ')') throw new QueryError('this ( is never closed', open);
    this.i++;
    this.depth--;
    return node;
  }

  /** A bare word: up to white space or a parenthesis. */
  private word(): string {
    const start = this.i;
    while (this.i < this.src.length && !/[\s()]/.test(this.src[this.i]!)) {
      // A colon followed by a quote, parenthesis or bracket ends the field name.
      if (this.src[this.i] === ':' && /["([{]/.test(this.src[this.i + 1] ?? '')) {
        this.i++;
        break;
      }
      this.i++;
    }
    return this.src.slice(start, this.i);
  }

  private quoted(): { text: string; span: Span } {
    const at = this.i;
    this.i++;
    let text = '';
    while (this.i < this.src.length && this.src[this.i] !== '"') {
      if (this.src[this.i] === '\\' && this.i + 1 < this.src.length) this.i++;
      text += this.src[this.i++];
    }
    if (this.i >= this.src.length) throw new QueryError('this quote is never closed', at);
    this.i++;
    return { text, span: { at, end: this.i } };
  }

  private atEnd(): boolean {
    return this.i >= this.src.length;
  }

  private freeText(word: string, span: Span): QueryNode | null {
    if (word === '*') return ALL;
    let text = word;
    let prefix = false;
    if (text.endsWith('*')) {
      prefix = true;
      text = text.slice(0, -1);
    }
    const wild = text.search(/[*?]/);
    if (wild >= 0) {
      throw new QueryError(
        'in free text a wildcard works only at the end of a word (admin*); for others use a field, e.g. path:/api/*',
        span.at + wild,
      );
    }
    // A word with no letter or digit matches nothing in the full-text index: it asks for nothing.
    if (!/[\p{L}\p{N}]/u.test(text)) return null;
    return textNode(text, false, prefix, span);
  }

  private rangeTerm(spec: FieldSpec, start: number): QueryNode {
    const open = this.i;
    const loIncl = this.src[open] === '[';
    const close = this.src.indexOf(loIncl ? ']' : '}', open);
    const other = this.src.indexOf(loIncl ? '}' : ']', open);
    const end = close < 0 ? other : other < 0 ? close : Math.min(close, other);
    if (end < 0) throw new QueryError('this range is never closed', open);
    const hiIncl = this.src[end] === ']';
    const inner = this.src.slice(open + 1, end);
    const m = /^\s*(\S+)\s+TO\s+(\S+)\s*$/.exec(inner);
    if (!m) throw new QueryError('a range reads [low TO high] (use * for an open end)', open, end - open + 1);
    this.i = end + 1;
    const loAt = open + 1 + inner.indexOf(m[1]!);
    const hiAt = open + 1 + inner.lastIndexOf(m[2]!);
    const span = { at: start, end: this.i };
    const lo = m[1] === '*' ? null : this.bound(spec, m[1]!, loAt, loIncl ? 'lo' : 'after');
    const hi = m[2] === '*' ? null : this.bound(spec, m[2]!, hiAt, hiIncl ? 'upto' : 'hi');
    return { type: 'field', field: spec.name, kind: spec.kind, test: rangeOf(spec, lo, hi, loIncl, hiIncl), span };
  }

  /**
   * One end of a comparison or range as a number: for a time, `lo` is where the given moment
   * starts, `after` where it ends, `upto` the exclusive end of an inclusive bound.
   */
  private bound(spec: FieldSpec, text: string, at: number, side: 'lo' | 'hi' | 'after' | 'upto'): number {
    if (spec.kind === 'time') {
      const t = parseTime(text);
      if (!t) throw new QueryError(`"${text}" is not a time: use 2015-05-17, 2015-05-17T10:05, …:03Z or epoch ms`, at, text.length);
      return side === 'lo' || side === 'hi' ? t.lo : t.hi;
    }
    if (spec.kind === 'enum' && spec.ordered) {
      const k = spec.values!.indexOf(text.toLowerCase());
      if (k < 0) throw new QueryError(`${spec.name} is one of ${spec.values!.join(', ')}`, at, text.length);
      return k;
    }
    if (spec.kind === 'number') {
      const named = spec.names?.[text.toLowerCase()];
      if (named !== undefined) return named;
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n))
        throw new QueryError(`${spec.name} takes a number here, not "${text}"`, at, text.length);
      return n;
    }
    throw new QueryError(`${spec.name} takes no comparison or range: it is ${spec.kind === 'ip' ? 'an address' : 'text'}`, at, text.length);
  }

  private fieldTerm(spec: FieldSpec, value: { text: string; quoted: boolean; span: Span }, span: Span): QueryNode {
    const { text, quoted } = value;
    const at = value.span.at + (quoted ? 1 : 0);
    const node = (test: FieldTest): QueryNode => ({ type: 'field', field: spec.name, kind: spec.kind, test, span });
    if (text === '') throw new QueryError(`${spec.name}: needs a value`, span.at, span.end - span.at);
    const cmp = quoted ? null : /^(>=|<=|>|<|=)(.*)$/.exec(text);
    if (cmp && cmp[1] !== '=') {
      const op = cmp[1]!;
      const rest = cmp[2]!;
      const restAt = at + op.length;
      if (rest === '') throw new QueryError(`${spec.name}:${op} needs a value`, span.at, span.end - span.at);
      if (op === '>' || op === '>=')
        return node(rangeOf(spec, this.bound(spec, rest, restAt, op === '>=' ? 'lo' : 'after'), null, op === '>=', false));
      return node(rangeOf(spec, null, this.bound(spec, rest, restAt, op === '<=' ? 'upto' : 'hi'), false, op === '<='));
    }
    const v = cmp ? cmp[2]! : text;
    const pattern = !quoted && /[*?]/.test(v);
    switch (spec.kind) {
      case 'time': {
        if (v === '*') return node({ op: 'range', lo: null, hi: null, loIncl: true, hiIncl: false });
        const t = parseTime(v);
        if (!t) throw new QueryError(`"${v}" is not a time: use 2015-05-17, 2015-05-17T10:05, …:03Z or epoch ms`, at, v.length);
        return node({ op: 'range', lo: t.lo, hi: t.hi, loIncl: true, hiIncl: false });
      }
      case 'number': {
        if (/^[1-5]xx$/i.test(v)) {
          const base = Number(v[0]) * 100;
          return node({ op: 'range', lo: base, hi: base + 100, loIncl: true, hiIncl: false });
        }
        if (pattern) {
          if (!/^[\d*?.-]+$/.test(v)) throw new QueryError(`${spec.name} takes a number or a numeric pattern such as 4*`, at, v.length);
          return node({ op: 'match', value: v, pattern: true });
        }
        const n = this.bound(spec, v, at, 'lo');
        return node({ op: 'range', lo: n, hi: n, loIncl: true, hiIncl: true });
      }
      case 'enum': {
        const lower = v.toLowerCase();
        if (pattern) return node({ op: 'match', value: lower, pattern: true });
        if (!spec.values!.includes(lower)) throw new QueryError(`${spec.name} is one of ${spec.values!.join(', ')}`, at, v.length);
        if (spec.ordered) {
          const k = spec.values!.indexOf(lower);
          return node({ op: 'range', lo: k, hi: k, loIncl: true, hiIncl: true });
        }
        return node({ op: 'match', value: lower, pattern: false });
      }
      case 'ip': {
        if (!quoted && v.includes('/')) {
          if (!isCidr(v)) throw new QueryError(`"${v}" is not a network: use 10.0.0.0/8 or 2001:db8::/32`, at, v.length);
          return node({ op: 'cidr', value: v });
        }
        return node({ op: 'match', value: v, pattern });
      }
      default:
        return node({ op: 'match', value: spec.caseless ? v.toLowerCase() : v, pattern });
    }
  }
}

function textNode(text: string, phrase: boolean, prefix: boolean, span: Span): QueryNode | null {
  if (phrase && !/[\p{L}\p{N}]/u.test(text)) return null;
  return { type: 'text', text, phrase, prefix, span };
}

function rangeOf(spec: FieldSpec, lo: number | null, hi: number | null, loIncl: boolean, hiIncl: boolean): FieldTest {
  // A time's bounds are already instants: the range is half-open [lo, hi).
  if (spec.kind === 'time') return { op: 'range', lo, hi, loIncl: true, hiIncl: false };
  return { op: 'range', lo, hi, loIncl, hiIncl };
}

/** `*`: every line. An empty AND is true; it never survives into a parsed tree (see combine). */
const ALL: QueryNode = Object.freeze({ type: 'and', children: [] }) as QueryNode;

function combine(type: 'and' | 'or', parts: (QueryNode | null)[]): QueryNode | null {
  // Anything OR every line is every line; every line AND x is x.
  if (type === 'or' && parts.includes(ALL)) return ALL;
  const kept: QueryNode[] = [];
  for (const p of parts) {
    if (p === null || p === ALL) continue;
    // (a AND b) AND c is a AND b AND c: one flat list per operator.
    if (p.type === type) kept.push(...p.children);
    else kept.push(p);
  }
  if (kept.length === 0) return parts.includes(ALL) ? ALL : null;
  if (kept.length === 1) return kept[0]!;
  return type === 'and' ? { type, children: kept } : { type, children: kept };
}

function isCidr(v: string): boolean {
  const [addr, bits, extra] = v.split('/');
  if (extra !== undefined || !addr || !bits || !/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (addr.includes(':')) return n <= 128 && /^[0-9a-f:.]+$/i.test(addr);
  return n <= 32 && /^\d{1,3}(\.\d{1,3}){3}$/.test(addr);
}
