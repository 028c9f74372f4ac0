/**
 * Compiles a parsed detection into one closure per rule. All decisions that depend only on the
 * rule (modifier chains, wildcard shapes, regexes, networks) are taken here, once.
 */
import { cidrContains } from './cidr';
import { selectIdentifiers } from './condition';
import type { EvalContext, FieldCatalog } from './eval-context';
import { buildEntrySpec, type CmpOp, type EntrySpec, type PlaceholderMap, type TimePart, type ValueSpec } from './modifiers';
import { compilePattern, lowerTokens, wrapAny } from './sigma-string';
import type { ConditionNode, FieldEntry, SearchNode, SigmaDetection } from './types';
import type { FieldValue } from './field-mapping';
import { UNSURE, YES, endsFolded, equalsFolded, foldableLiteral, startsFolded, type Fold } from './fold';

export type Pred = (ctx: EvalContext) => boolean;

const TRUE: Pred = () => true;

function compare(op: CmpOp, a: number, b: number): boolean {
  switch (op) {
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'eq':
      return a === b;
  }
}

function numberOf(x: unknown): number | null {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && x.trim() !== '') {
    const n = Number(x);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Does any numeric value of the field compare true? (No arrays or closures per call.) */
function anyNumber(v: FieldValue, op: CmpOp, b: number): boolean {
  if (Array.isArray(v)) {
    for (const x of v) {
      const n = numberOf(x);
      if (n !== null && compare(op, n, b)) return true;
    }
    return false;
  }
  const n = numberOf(v);
  return n !== null && compare(op, n, b);
}

/** ISO week number (1..53), as the spec's `week` modifier intends. */
function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
}

function timePartsOf(v: FieldValue, part: TimePart): number[] {
  const items = Array.isArray(v) ? v : [v];
  const out: number[] = [];
  for (const x of items) {
    let ms: number;
    if (typeof x === 'number') ms = x;
    else if (typeof x === 'string') ms = Date.parse(x);
    else continue;
    if (!Number.isFinite(ms)) continue;
    const d = new Date(ms);
    switch (part) {
      case 'minute':
        out.push(d.getUTCMinutes());
        break;
      case 'hour':
        out.push(d.getUTCHours());
        break;
      case 'day':
        out.push(d.getUTCDate());
        break;
      case 'week':
        out.push(isoWeek(d));
        break;
      case 'month':
        out.push(d.getUTCMonth() + 1);
        break;
      case 'year':
        out.push(d.getUTCFullYear());
    }
  }
  return out;
}

function compileValue(spec: EntrySpec, v: ValueSpec, slot: number, catalog: FieldCatalog, implicitContains: boolean): Pred {
  const cased = spec.cased;
  switch (v.k) {
    case 'null':
      return (ctx) => {
        const x = ctx.value(slot);
        return x === undefined || x === null;
      };
    case 'exists':
      return v.want ? (ctx) => ctx.value(slot) !== undefined : (ctx) => ctx.value(slot) === undefined;
    case 'regex': {
      const re = v.re;
      return (ctx) => {
        for (const s of ctx.strings(slot)) if (re.test(s)) return true;
        return false;
      };
    }
    case 'cidr': {
      const net = v.cidr;
      return (ctx) => {
        for (const s of ctx.strings(slot)) if (cidrContains(net, s)) return true;
        return false;
      };
    }
    case 'cmp': {
      const { op, n } = v;
      const part = spec.timePart;
      if (part) return (ctx) => timePartsOf(ctx.value(slot), part).some((x) => compare(op, x, n));
      return (ctx) => anyNumber(ctx.value(slot), op, n);
    }
    case 'fieldref': {
      const other = catalog.slot(v.field);
      const mode = v.mode;
      return (ctx) => {
        const mine = cased ? ctx.strings(slot) : ctx.lowered(slot);
        const refs = cased ? ctx.strings(other) : ctx.lowered(other);
        for (const a of mine)
          for (const b of refs) {
            if (mode === 'exact' ? a === b : mode === 'contains' ? a.includes(b) : mode === 'startswith' ? a.startsWith(b) : a.endsWith(b)) return true;
          }
        return false;
      };
    }
    case 'pattern': {
      let tokens = implicitContains ? wrapAny(v.tokens, true, true) : v.tokens;
      if (!cased) tokens = lowerTokens(tokens);
      const pat = compilePattern(tokens);
      const read = cased ? (ctx: EvalContext) => ctx.strings(slot) : (ctx: EvalContext) => ctx.lowered(slot);
      if (pat.kind === 'contains') {
        const channel = catalog.channel(slot, cased);
        const lit = pat.literal!;
        const id = catalog.literal(channel, lit);
        const lits = [lit];
        const pred: Pred = (ctx) => ctx.contains(channel, id, lits);
        return Object.assign(pred, { containsLiteral: { channel, lit } });
      }
      const test = pat.test;
      if (pat.kind === 'glob' && pat.required) {
        // The longest literal must occur somewhere: ask the shared automaton before the full glob.
        const channel = catalog.channel(slot, cased);
        const lit = pat.required;
        const id = catalog.literal(channel, lit);
        const lits = [lit];
        return (ctx) => {
          if (!ctx.contains(channel, id, lits)) return false;
          for (const s of read(ctx)) if (test(s)) return true;
          return false;
        };
      }
      if (pat.kind === 'exact' && pat.literal !== null) {
        const lit = pat.literal;
        let pred: Pred = (ctx) => {
          const xs = read(ctx);
          for (let i = 0; i < xs.length; i++) if (xs[i] === lit) return true;
          return false;
        };
        if (!cased && foldableLiteral(lit)) pred = foldedFirst(slot, lit, equalsFolded, pred);
        return Object.assign(pred, { fixed: { kind: 'exact', lit, slot, cased } satisfies Fixed });
      }
      if ((pat.kind === 'prefix' || pat.kind === 'suffix') && pat.literal) {
        let pred: Pred = (ctx) => {
          for (const s of read(ctx)) if (test(s)) return true;
          return false;
        };
        if (!cased && foldableLiteral(pat.literal)) pred = foldedFirst(slot, pat.literal, pat.kind === 'prefix' ? startsFolded : endsFolded, pred);
        return Object.assign(pred, { fixed: { kind: pat.kind, lit: pat.literal, slot, cased } satisfies Fixed });
      }
      return (ctx) => {
        for (const s of read(ctx)) if (test(s)) return true;
        return false;
      };
    }
  }
}

/**
 * A case-insensitive check answered on the field's original strings when they are ASCII where it
 * matters, so the field is not lower-cased per event; `slow` (on lower-cased strings) otherwise.
 */
function foldedFirst(slot: number, lit: string, cmp: (s: string, lit: string) => Fold, slow: Pred): Pred {
  return (ctx) => {
    const xs = ctx.strings(slot);
    for (let i = 0; i < xs.length; i++) {
      const r = cmp(xs[i]!, lit);
      if (r === YES) return true;
      if (r === UNSURE) return slow(ctx);
    }
    return false;
  };
}

/** An exact, prefix or suffix value (non-empty literal for the last two), for grouping. */
interface Fixed {
  kind: 'exact' | 'prefix' | 'suffix';
  lit: string;
  slot: number;
  cased: boolean;
}

type ContainsPred = Pred & { containsLiteral?: { channel: number; lit: string }; fixed?: Fixed };

/** Below this many values, testing them one by one is as fast as a lookup. */
const FIXED_GROUP_MIN = 3;

/**
 * OR-ed exact values of one field become one Set lookup; OR-ed prefixes (suffixes) are bucketed
 * by their first (last) character, so a value is only compared with the few that can match.
 */
function groupFixed(kind: Fixed['kind'], lits: string[], slot: number, cased: boolean): Pred {
  if (kind === 'exact') {
    const set = new Set(lits);
    if (cased)
      return (ctx) => {
        const xs = ctx.strings(slot);
        for (let i = 0; i < xs.length; i++) if (set.has(xs[i]!)) return true;
        return false;
      };
    return (ctx) => {
      const xs = ctx.lowered(slot);
      for (let i = 0; i < xs.length; i++) if (set.has(xs[i]!)) return true;
      return false;
    };
  }
  const buckets = new Map<number, string[]>();
  for (const lit of lits) {
    const code = kind === 'prefix' ? lit.charCodeAt(0) : lit.charCodeAt(lit.length - 1);
    const list = buckets.get(code);
    if (list) list.push(lit);
    else buckets.set(code, [lit]);
  }
  const prefix = kind === 'prefix';
  const slow: Pred = (ctx) => {
    const xs = cased ? ctx.strings(slot) : ctx.lowered(slot);
    for (let i = 0; i < xs.length; i++) {
      const s = xs[i]!;
      if (s.length === 0) continue;
      const list = buckets.get(prefix ? s.charCodeAt(0) : s.charCodeAt(s.length - 1));
      if (list === undefined) continue;
      for (let k = 0; k < list.length; k++) if (prefix ? s.startsWith(list[k]!) : s.endsWith(list[k]!)) return true;
    }
    return false;
  };
  if (cased || !lits.every(foldableLiteral)) return slow;
  const cmp = prefix ? startsFolded : endsFolded;
  return (ctx) => {
    const xs = ctx.strings(slot);
    for (let i = 0; i < xs.length; i++) {
      const s = xs[i]!;
      if (s.length === 0) continue;
      let code = prefix ? s.charCodeAt(0) : s.charCodeAt(s.length - 1);
      if (code >= 128) return slow(ctx);
      if (code >= 65 && code <= 90) code += 32;
      const list = buckets.get(code);
      if (list === undefined) continue;
      for (let k = 0; k < list.length; k++) {
        const r = cmp(s, list[k]!);
        if (r === YES) return true;
        if (r === UNSURE) return slow(ctx);
      }
    }
    return false;
  };
}

/** OR-ed `contains` values of one field become one automaton lookup instead of one per value. */
function groupContains(tests: ContainsPred[], catalog: FieldCatalog): Pred[] {
  const byChannel = new Map<number, string[]>();
  const fixed = new Map<string, ContainsPred[]>();
  const rest: Pred[] = [];
  for (const t of tests) {
    if (t.containsLiteral) {
      const list = byChannel.get(t.containsLiteral.channel) ?? [];
      list.push(t.containsLiteral.lit);
      byChannel.set(t.containsLiteral.channel, list);
    } else if (t.fixed) {
      const key = t.fixed.kind;
      const list = fixed.get(key) ?? [];
      list.push(t);
      fixed.set(key, list);
    } else rest.push(t);
  }
  const grouped: Pred[] = [];
  for (const [channel, lits] of byChannel) {
    if (lits.length === 1) {
      grouped.push(tests.find((t) => t.containsLiteral?.channel === channel)!);
      continue;
    }
    const id = catalog.literalGroup(channel, lits);
    grouped.push((ctx) => ctx.contains(channel, id, lits));
  }
  // All values of one entry share its field and case handling.
  for (const [kind, list] of fixed) {
    if (list.length < FIXED_GROUP_MIN) grouped.push(...list);
    else grouped.push(groupFixed(kind as Fixed['kind'], list.map((t) => t.fixed!.lit), list[0]!.fixed!.slot, list[0]!.fixed!.cased));
  }
  return [...grouped, ...rest];
}

export function compileEntry(entry: FieldEntry, catalog: FieldCatalog, placeholders: PlaceholderMap): Pred {
  const spec = buildEntrySpec(entry, placeholders);
  const slot = catalog.slot(spec.field);
  const positional = entry.modifiers.some((m) => m === 'contains' || m === 'startswith' || m === 'endswith');
  // Unbound keywords search the whole event text, so they behave like `contains` (spec: Keywords search).
  const implicitContains = spec.field === null && !positional;
  let tests = spec.values.map((v) => compileValue(spec, v, slot, catalog, implicitContains));
  if (!spec.all) tests = groupContains(tests, catalog);
  let pred: Pred;
  if (tests.length === 1) pred = tests[0]!;
  else if (spec.all)
    pred = (ctx) => {
      for (const t of tests) if (!t(ctx)) return false;
      return true;
    };
  else
    pred = (ctx) => {
      for (const t of tests) if (t(ctx)) return true;
      return false;
    };
  if (spec.negate) {
    const inner = pred;
    pred = (ctx) => !inner(ctx);
  }
  return pred;
}

function andAll(preds: Pred[]): Pred {
  if (preds.length === 0) return TRUE;
  if (preds.length === 1) return preds[0]!;
  if (preds.length === 2) {
    const [a, b] = preds as [Pred, Pred];
    return (ctx) => a(ctx) && b(ctx);
  }
  return (ctx) => {
    for (const p of preds) if (!p(ctx)) return false;
    return true;
  };
}

function orAll(preds: Pred[]): Pred {
  if (preds.length === 1) return preds[0]!;
  if (preds.length === 2) {
    const [a, b] = preds as [Pred, Pred];
    return (ctx) => a(ctx) || b(ctx);
  }
  return (ctx) => {
    for (const p of preds) if (p(ctx)) return true;
    return false;
  };
}

function compileSearch(node: SearchNode, catalog: FieldCatalog, placeholders: PlaceholderMap): Pred {
  switch (node.kind) {
    case 'map':
      return andAll(node.entries.map((e) => compileEntry(e, catalog, placeholders)));
    case 'keywords':
      return compileEntry(node.entry, catalog, placeholders);
    case 'anyOf':
      return orAll(node.items.map((n) => compileSearch(n, catalog, placeholders)));
  }
}

export function compileDetection(det: SigmaDetection, catalog: FieldCatalog, placeholders: PlaceholderMap): Pred {
  const cache = new Map<string, Pred>();
  const ident = (name: string): Pred => {
    let p = cache.get(name);
    if (!p) {
      const node = det.identifiers.get(name);
      if (!node) throw new Error(`undefined search identifier '${name}'`);
      p = compileSearch(node, catalog, placeholders);
      cache.set(name, p);
    }
    return p;
  };
  const cond = (node: ConditionNode): Pred => {
    switch (node.kind) {
      case 'and':
        return andAll(node.items.map(cond));
      case 'or':
        return orAll(node.items.map(cond));
      case 'not': {
        const inner = cond(node.item);
        return (ctx) => !inner(ctx);
      }
      case 'ref':
        return ident(node.name);
      case 'of': {
        const names = selectIdentifiers(node.pattern, det.identifiers.keys());
        const preds = names.map(ident);
        return node.quantifier === 'all' ? andAll(preds) : orAll(preds);
      }
    }
  };
  return orAll(det.conditions.map(cond));
}
