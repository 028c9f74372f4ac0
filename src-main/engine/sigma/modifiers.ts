/**
 * Value modifiers (spec: modifiers appendix). A field entry's values flow through its modifiers in
 * the given order; each modifier checks the type it receives, so a bad chain fails at load time
 * with a reason instead of matching something unintended.
 */
import { RE2JS } from 're2js';
import { parseCidr, type Cidr } from './cidr';
import {
  WINDASH_CHARS,
  base64,
  base64Offsets,
  bytesToBinaryString,
  utf16BomBytes,
  utf16beBytes,
  utf16leBytes,
  utf8Bytes,
} from './encodings';
import { classify, hasWildcards, parseSigmaString, plainTokens, tokensToPlain, wrapAny, type Token } from './sigma-string';
import type { FieldEntry, YamlScalar } from './types';

export const TIME_PARTS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type TimePart = (typeof TIME_PARTS)[number];

export const KNOWN_MODIFIERS: ReadonlySet<string> = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  're',
  'i',
  'm',
  's',
  'cidr',
  'lt',
  'lte',
  'gt',
  'gte',
  'neq',
  'exists',
  'cased',
  'expand',
  'fieldref',
  ...TIME_PARTS,
]);

export type CmpOp = 'lt' | 'lte' | 'gt' | 'gte' | 'eq';

export type ValueSpec =
  | { k: 'null' }
  | { k: 'pattern'; tokens: Token[] }
  | { k: 'regex'; source: string; flags: number; re: RE2JS }
  | { k: 'cidr'; cidr: Cidr; text: string }
  | { k: 'cmp'; op: CmpOp; n: number }
  | { k: 'exists'; want: boolean }
  | { k: 'fieldref'; field: string; mode: 'exact' | 'contains' | 'startswith' | 'endswith' };

export interface EntrySpec {
  field: string | null;
  values: ValueSpec[];
  /** AND instead of OR across values. */
  all: boolean;
  cased: boolean;
  /** neq: the field must differ from every value. */
  negate: boolean;
  timePart: TimePart | null;
}

/** Placeholder values for |expand; `undefined` means "validate only, resolve later". */
export type PlaceholderMap = Record<string, readonly string[]>;

export class ModifierError extends Error {}

type V =
  | { k: 'str'; src: string; tokens: Token[] | null }
  | { k: 'bytes'; b: Uint8Array }
  | { k: 'num'; n: number }
  | { k: 'bool'; b: boolean }
  | { k: 'null' }
  | Exclude<ValueSpec, { k: 'null' } | { k: 'pattern' }>;

function describe(v: V): string {
  switch (v.k) {
    case 'str':
      return 'a string';
    case 'bytes':
      return 'encoded bytes';
    case 'num':
      return 'a number';
    case 'bool':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'regex':
      return 'a regular expression';
    case 'cidr':
      return 'a CIDR network';
    case 'cmp':
      return 'a numeric comparison';
    case 'exists':
      return 'an exists check';
    case 'fieldref':
      return 'a field reference';
  }
}

function tokensOf(v: { src: string; tokens: Token[] | null }): Token[] {
  return v.tokens ?? parseSigmaString(v.src);
}

function asString(v: V, mod: string): { src: string; tokens: Token[] | null } {
  if (v.k === 'str') return v;
  if (v.k === 'num' || v.k === 'bool') return { src: String(v.k === 'num' ? v.n : v.b), tokens: null };
  throw new ModifierError(`modifier '${mod}' cannot be applied to ${describe(v)}`);
}

function plainText(v: V, mod: string): string {
  const s = asString(v, mod);
  const tokens = tokensOf(s);
  if (hasWildcards(tokens)) throw new ModifierError(`modifier '${mod}' cannot encode a value with wildcards ('${s.src}')`);
  return tokensToPlain(tokens);
}

function pristine(v: V, mod: string): string {
  if (v.k === 'str' && v.tokens === null) return v.src;
  if (v.k === 'num') return String(v.n);
  throw new ModifierError(`modifier '${mod}' must apply to the plain value, not to ${describe(v)}${v.k === 'str' ? ' already transformed by another modifier' : ''}`);
}

function toNumber(v: V, mod: string): number {
  if (v.k === 'num') return v.n;
  if (v.k === 'str' && v.tokens === null && v.src.trim() !== '' && Number.isFinite(Number(v.src))) return Number(v.src);
  throw new ModifierError(`modifier '${mod}' needs a number, got ${describe(v)}${v.k === 'str' ? ` '${v.src}'` : ''}`);
}

const PLACEHOLDER = /%([A-Za-z0-9_.-]+)%/g;

/** Expand %name% placeholders; `\%` is a literal percent sign (spec: Placeholders). */
function expandPlaceholders(src: string, placeholders: PlaceholderMap | undefined): string[] {
  const ESC = '\u0000';
  const text = src.replace(/\\%/g, ESC);
  const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  if (names.length === 0) return [text.replaceAll(ESC, '%')];
  if (!placeholders) return [text.replace(PLACEHOLDER, '*').replaceAll(ESC, '%')];
  let results = [''];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const values = placeholders[m[1]!];
    if (!values || values.length === 0) throw new ModifierError(`placeholder %${m[1]}% has no values configured`);
    const before = text.slice(last, m.index);
    const next: string[] = [];
    for (const r of results) for (const val of values) next.push(r + before + val);
    if (next.length > 10_000) throw new ModifierError('placeholder expansion yields more than 10000 values');
    results = next;
    last = m.index! + m[0].length;
  }
  return results.map((r) => (r + text.slice(last)).replaceAll(ESC, '%'));
}

function compileRegex(source: string, flags: number): RE2JS {
  try {
    return RE2JS.compile(source, flags);
  } catch (err) {
    const msg = (err as Error).message;
    const hint = /\(\?[=!<]|\\[1-9]|named capture/.test(msg + source)
      ? ' (lookaround and backreferences are not supported: regexes run on RE2 so they cannot hang the engine)'
      : '';
    throw new ModifierError(`invalid or unsupported regular expression '${source}': ${msg}${hint}`);
  }
}

function fromScalar(x: YamlScalar): V {
  if (x === null) return { k: 'null' };
  if (typeof x === 'number') return { k: 'num', n: x };
  if (typeof x === 'boolean') return { k: 'bool', b: x };
  return { k: 'str', src: x, tokens: null };
}

/**
 * Apply an entry's modifier chain to its values. Throws ModifierError with the reason when the
 * chain is invalid for these values.
 */
export function buildEntrySpec(entry: FieldEntry, placeholders?: PlaceholderMap): EntrySpec {
  const spec: EntrySpec = { field: entry.field, values: [], all: false, cased: false, negate: false, timePart: null };
  if (entry.values.length === 0) throw new ModifierError('empty value list');
  const hasNull = entry.values.some((v) => v === null);
  if (hasNull && entry.values.length > 1) throw new ModifierError('null cannot be part of a list of values; use a separate selection');
  let vals: V[] = entry.values.map(fromScalar);
  let sawRe = false;
  const seen = new Set<string>();
  for (const mod of entry.modifiers) {
    if (!KNOWN_MODIFIERS.has(mod)) throw new ModifierError(`unknown modifier '${mod}'`);
    if (seen.has(mod) && mod !== 'contains') throw new ModifierError(`modifier '${mod}' is repeated`);
    seen.add(mod);
    if (hasNull && !['cased'].includes(mod)) throw new ModifierError(`modifier '${mod}' cannot be applied to null`);
    const map = (f: (v: V) => V | V[]): void => {
      vals = vals.flatMap((v) => f(v));
    };
    switch (mod) {
      case 'contains':
      case 'startswith':
      case 'endswith':
        map((v) => {
          if (v.k === 'fieldref') {
            if (v.mode !== 'exact') throw new ModifierError(`modifier '${mod}' conflicts with '${v.mode}'`);
            return { ...v, mode: mod };
          }
          if (v.k === 'bytes') return { k: 'str', src: '', tokens: wrapAny(plainTokens(bytesToBinaryString(v.b)), mod !== 'startswith', mod !== 'endswith') };
          const s = asString(v, mod);
          return { k: 'str', src: s.src, tokens: wrapAny(tokensOf(s), mod !== 'startswith', mod !== 'endswith') };
        });
        break;
      case 'all':
        if (entry.values.length < 2) throw new ModifierError("modifier 'all' needs a list of at least two values");
        spec.all = true;
        break;
      case 'cased':
        spec.cased = true;
        break;
      case 'neq':
        spec.negate = true;
        break;
      case 'base64':
        map((v) => ({ k: 'str', src: '', tokens: plainTokens(base64(v.k === 'bytes' ? v.b : utf8Bytes(plainText(v, mod)))) }));
        break;
      case 'base64offset':
        map((v) => base64Offsets(v.k === 'bytes' ? v.b : utf8Bytes(plainText(v, mod))).map((s): V => ({ k: 'str', src: '', tokens: plainTokens(s) })));
        break;
      case 'utf16le':
      case 'wide':
        map((v) => ({ k: 'bytes', b: utf16leBytes(plainText(v, mod)) }));
        break;
      case 'utf16be':
        map((v) => ({ k: 'bytes', b: utf16beBytes(plainText(v, mod)) }));
        break;
      case 'utf16':
        map((v) => ({ k: 'bytes', b: utf16BomBytes(plainText(v, mod)) }));
        break;
      case 'windash':
        map((v) => {
          const s = asString(v, mod);
          return { k: 'str', src: s.src, tokens: classify(tokensOf(s), WINDASH_CHARS) };
        });
        break;
      case 're':
        sawRe = true;
        map((v) => {
          const source = pristine(v, mod);
          return { k: 'regex', source, flags: 0, re: compileRegex(source, 0) };
        });
        break;
      case 'i':
      case 'm':
      case 's': {
        if (!sawRe) throw new ModifierError(`modifier '${mod}' is only valid after 're'`);
        const flag = mod === 'i' ? RE2JS.CASE_INSENSITIVE : mod === 'm' ? RE2JS.MULTILINE : RE2JS.DOTALL;
        map((v) => {
          if (v.k !== 'regex') throw new ModifierError(`modifier '${mod}' needs a regular expression`);
          const flags = v.flags | flag;
          return { ...v, flags, re: compileRegex(v.source, flags) };
        });
        break;
      }
      case 'cidr':
        map((v) => {
          const text = pristine(v, mod);
          const cidr = parseCidr(text);
          if (!cidr) throw new ModifierError(`invalid CIDR network '${text}'`);
          return { k: 'cidr', cidr, text };
        });
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        map((v) => ({ k: 'cmp', op: mod, n: v.k === 'cmp' && v.op === 'eq' ? v.n : toNumber(v, mod) }));
        break;
      case 'exists':
        if (entry.values.length !== 1) throw new ModifierError("modifier 'exists' takes exactly one boolean value");
        map((v) => {
          if (v.k === 'bool') return { k: 'exists', want: v.b };
          if (v.k === 'str' && /^(true|false)$/i.test(v.src)) return { k: 'exists', want: v.src.toLowerCase() === 'true' };
          throw new ModifierError(`modifier 'exists' needs true or false, got ${describe(v)}`);
        });
        break;
      case 'expand':
        map((v) => expandPlaceholders(pristine(v, mod), placeholders).map((src): V => ({ k: 'str', src, tokens: null })));
        break;
      case 'fieldref':
        map((v) => {
          const field = pristine(v, mod);
          if (!field) throw new ModifierError('fieldref needs a field name');
          return { k: 'fieldref', field, mode: 'exact' };
        });
        break;
      default: {
        const part = mod as TimePart;
        if (spec.timePart) throw new ModifierError(`only one time modifier per field (got '${spec.timePart}' and '${part}')`);
        spec.timePart = part;
        map((v) => ({ k: 'cmp', op: 'eq', n: toNumber(v, mod) }));
      }
    }
  }
  spec.values = vals.map((v): ValueSpec => {
    switch (v.k) {
      case 'str':
        return { k: 'pattern', tokens: tokensOf(v) };
      case 'num':
        return { k: 'pattern', tokens: plainTokens(String(v.n)) };
      case 'bool':
        return { k: 'pattern', tokens: plainTokens(String(v.b)) };
      case 'bytes':
        return { k: 'pattern', tokens: plainTokens(bytesToBinaryString(v.b)) };
      default:
        return v;
    }
  });
  if (spec.values.some((v) => v.k === 'exists') && (spec.negate || spec.all)) throw new ModifierError("'exists' cannot be combined with 'neq' or 'all'");
  return spec;
}
