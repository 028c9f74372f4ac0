/**
 * The condition grammar (spec: Condition). Precedence from loosest to tightest:
 * or < and < not < "x of" < parentheses.
 *
 *   expr   := and ('or' and)*
 *   and    := unary ('and' unary)*
 *   unary  := 'not' unary | primary
 *   primary:= '(' expr ')' | ('1'|'any'|'all') 'of' (pattern|'them') | identifier
 */
import type { ConditionNode } from './types';

export class ConditionError extends Error {}

type Tok = { kind: 'lp' | 'rp' | 'word'; text: string; pos: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'lp' : 'rp', text: c, pos: i });
      i++;
      continue;
    }
    if (c === '|') {
      throw new ConditionError(
        `aggregation expressions ('| count() ...', 'near') at position ${i} are obsolete since Sigma 2.0; use a correlation rule`,
      );
    }
    const start = i;
    while (i < src.length && !/[\s()|]/.test(src[i]!)) i++;
    out.push({ kind: 'word', text: src.slice(start, i), pos: start });
  }
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them']);
/**
 * Parentheses and `not` nest; real conditions go a few levels deep. A hostile one thousands deep
 * would overflow the stack here and in every later walk of the tree, so it is refused instead.
 */
export const MAX_CONDITION_DEPTH = 64;
const IDENT = /^[A-Za-z0-9_*.-]+$/;

export function parseCondition(src: string): ConditionNode {
  const toks = tokenize(src);
  if (toks.length === 0) throw new ConditionError('empty condition');
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const isWord = (t: Tok | undefined, w: string): boolean => t?.kind === 'word' && t.text.toLowerCase() === w;
  const where = (t: Tok | undefined): string => (t ? `'${t.text}' at position ${t.pos}` : 'end of condition');

  const parseOr = (): ConditionNode => {
    const items = [parseAnd()];
    while (isWord(peek(), 'or')) {
      p++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const parseAnd = (): ConditionNode => {
    const items = [parseUnary()];
    while (isWord(peek(), 'and')) {
      p++;
      items.push(parseUnary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  let depth = 0;
  const deeper = (t: Tok | undefined): void => {
    if (++depth > MAX_CONDITION_DEPTH) throw new ConditionError(`nested more than ${MAX_CONDITION_DEPTH} levels deep (parentheses and 'not') at ${where(t)}`);
  };
  const parseUnary = (): ConditionNode => {
    if (isWord(peek(), 'not')) {
      deeper(peek());
      p++;
      const item = parseUnary();
      depth--;
      return { kind: 'not', item };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const t = peek();
    if (!t) throw new ConditionError('unexpected end of condition: an identifier or ( was expected');
    if (t.kind === 'lp') {
      deeper(t);
      p++;
      const inner = parseOr();
      if (peek()?.kind !== 'rp') throw new ConditionError(`missing ) before ${where(peek())}`);
      p++;
      depth--;
      return inner;
    }
    if (t.kind === 'rp') throw new ConditionError(`unexpected ) at position ${t.pos}`);
    const lower = t.text.toLowerCase();
    if (isWord(toks[p + 1], 'of')) {
      let quantifier: 'one' | 'all';
      if (lower === '1' || lower === 'any') quantifier = 'one';
      else if (lower === 'all') quantifier = 'all';
      else throw new ConditionError(`'${t.text} of' is not supported: only '1 of' and 'all of' (at position ${t.pos})`);
      p += 2;
      const target = peek();
      if (!target || target.kind !== 'word') throw new ConditionError(`a search identifier pattern or 'them' must follow 'of', got ${where(target)}`);
      p++;
      if (target.text.toLowerCase() === 'them') return { kind: 'of', quantifier, pattern: null };
      if (!IDENT.test(target.text) || KEYWORDS.has(target.text.toLowerCase())) throw new ConditionError(`invalid search identifier pattern ${where(target)}`);
      return { kind: 'of', quantifier, pattern: target.text };
    }
    if (KEYWORDS.has(lower) || lower === 'all' || lower === '1') throw new ConditionError(`unexpected ${where(t)}`);
    if (!IDENT.test(t.text)) throw new ConditionError(`invalid search identifier ${where(t)}`);
    if (t.text.includes('*')) throw new ConditionError(`wildcards are only allowed after '1 of' / 'all of': ${where(t)}`);
    p++;
    return { kind: 'ref', name: t.text };
  };

  const node = parseOr();
  if (p < toks.length) throw new ConditionError(`unexpected ${where(toks[p])}`);
  return node;
}

/** Search identifiers that a `1 of`/`all of` pattern (or `them`) selects. */
export function selectIdentifiers(pattern: string | null, names: Iterable<string>): string[] {
  const all = [...names];
  if (pattern === null) return all.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`);
  return all.filter((n) => re.test(n) && (!n.startsWith('_') || pattern.startsWith('_')));
}

/** Every identifier a condition names directly, for load-time checks. */
export function collectRefs(node: ConditionNode, out: { refs: string[]; patterns: (string | null)[] }): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      node.items.forEach((n) => collectRefs(n, out));
      return;
    case 'not':
      collectRefs(node.item, out);
      return;
    case 'ref':
      out.refs.push(node.name);
      return;
    case 'of':
      out.patterns.push(node.pattern);
  }
}
