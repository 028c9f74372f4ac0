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

function numbersOf(v: FieldValue): number[] {
  const one = (x: unknown): number | null => {
    if (typeof x === 'number') return x;
    if (typeof x === 'string' && x.trim() !== '') {
      const n = Number(x);
      return Number.isFinite(n) ? n : null;
    }
    return null;
  };
  if (Array.isArray(v)) return v.map(one).filter((n): n is number => n !== null);
  const n = one(v);
  return n === null ? [] : [n];
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
      return (ctx) => numbersOf(ctx.value(slot)).some((x) => compare(op, x, n));
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
        return (ctx) => {
          const xs = read(ctx);
          for (let i = 0; i < xs.length; i++) if (xs[i] === lit) return true;
          return false;
        };
      }
      return (ctx) => {
        for (const s of read(ctx)) if (test(s)) return true;
        return false;
      };
    }
  }
}

type ContainsPred = Pred & { containsLiteral?: { channel: number; lit: string } };

/** OR-ed `contains` values of one field become one automaton lookup instead of one per value. */
function groupContains(tests: ContainsPred[], catalog: FieldCatalog): Pred[] {
  const byChannel = new Map<number, string[]>();
  const rest: Pred[] = [];
  for (const t of tests) {
    if (t.containsLiteral) {
      const list = byChannel.get(t.containsLiteral.channel) ?? [];
      list.push(t.containsLiteral.lit);
      byChannel.set(t.containsLiteral.channel, list);
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
