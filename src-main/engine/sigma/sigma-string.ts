/**
 * Sigma string values: wildcard tokens with the specification's escaping, and a linear-time glob
 * matcher. We never turn wildcards into a backtracking RegExp, so no value can blow up.
 */

export type Atom = { t: 'lit'; s: string } | { t: 'one' } | { t: 'cls'; chars: string };
export type Token = Atom | { t: 'any' };

/**
 * `\` escapes `*`, `?` and itself; a backslash before any other character is a plain backslash
 * (spec: "Escape Character").
 */
export function parseSigmaString(src: string): Token[] {
  const out: Token[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) out.push({ t: 'lit', s: lit });
    lit = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        lit += n;
        i++;
      } else {
        lit += '\\';
      }
    } else if (c === '*') {
      flush();
      if (out[out.length - 1]?.t !== 'any') out.push({ t: 'any' });
    } else if (c === '?') {
      flush();
      out.push({ t: 'one' });
    } else {
      lit += c;
    }
  }
  flush();
  return out;
}

export function plainTokens(s: string): Token[] {
  return s ? [{ t: 'lit', s }] : [];
}

export function hasWildcards(tokens: Token[]): boolean {
  return tokens.some((t) => t.t !== 'lit');
}

/** The literal text of wildcard-free tokens (used by encoders). */
export function tokensToPlain(tokens: Token[]): string {
  return tokens.map((t) => (t.t === 'lit' ? t.s : '')).join('');
}

export function wrapAny(tokens: Token[], start: boolean, end: boolean): Token[] {
  const out = tokens.slice();
  if (start && out[0]?.t !== 'any') out.unshift({ t: 'any' });
  if (end && out[out.length - 1]?.t !== 'any') out.push({ t: 'any' });
  return out;
}

export function lowerTokens(tokens: Token[]): Token[] {
  return tokens.map((t) =>
    t.t === 'lit' ? { t: 'lit', s: t.s.toLowerCase() } : t.t === 'cls' ? { t: 'cls', chars: t.chars.toLowerCase() } : t,
  );
}

/** Replace each of the given characters in literals by a one-character class of all of them. */
export function classify(tokens: Token[], chars: string): Token[] {
  const out: Token[] = [];
  for (const t of tokens) {
    if (t.t !== 'lit') {
      out.push(t);
      continue;
    }
    let lit = '';
    for (const c of t.s) {
      if (chars.includes(c)) {
        if (lit) out.push({ t: 'lit', s: lit });
        lit = '';
        out.push({ t: 'cls', chars });
      } else lit += c;
    }
    if (lit) out.push({ t: 'lit', s: lit });
  }
  return out;
}

export type PatternKind = 'exact' | 'prefix' | 'suffix' | 'contains' | 'glob';

export interface CompiledPattern {
  kind: PatternKind;
  test: (s: string) => boolean;
  /** A literal that must occur in any matching string (longest one), for the multi-pattern prefilter. */
  required: string | null;
  /** For exact/prefix/suffix/contains: the literal itself. */
  literal: string | null;
}

type Segment = Atom[];

function segLength(seg: Segment): number {
  let n = 0;
  for (const a of seg) n += a.t === 'lit' ? a.s.length : 1;
  return n;
}

function segMatchAt(text: string, pos: number, seg: Segment): boolean {
  let p = pos;
  for (const a of seg) {
    if (a.t === 'lit') {
      if (!text.startsWith(a.s, p)) return false;
      p += a.s.length;
    } else if (a.t === 'one') {
      if (p >= text.length) return false;
      p++;
    } else {
      if (p >= text.length || !a.chars.includes(text[p]!)) return false;
      p++;
    }
  }
  return true;
}

/** Leftmost position >= from where seg matches and ends by `limit`, or -1. */
function segFind(text: string, from: number, limit: number, seg: Segment): number {
  const len = segLength(seg);
  const first = seg[0];
  let p = from;
  while (p + len <= limit) {
    if (first && first.t === 'lit') {
      const at = text.indexOf(first.s, p);
      if (at < 0 || at + len > limit) return -1;
      p = at;
    }
    if (segMatchAt(text, p, seg)) return p;
    p++;
  }
  return -1;
}

function splitSegments(tokens: Token[]): { segs: Segment[]; startAnchored: boolean; endAnchored: boolean } {
  const segs: Segment[] = [];
  let cur: Segment = [];
  for (const t of tokens) {
    if (t.t === 'any') {
      segs.push(cur);
      cur = [];
    } else cur.push(t);
  }
  segs.push(cur);
  const startAnchored = tokens[0]?.t !== 'any';
  const endAnchored = tokens[tokens.length - 1]?.t !== 'any';
  return { segs: segs.filter((s, i) => s.length > 0 || i === 0 || i === segs.length - 1), startAnchored, endAnchored };
}

function longestLiteral(tokens: Token[]): string | null {
  let best: string | null = null;
  for (const t of tokens) if (t.t === 'lit' && (!best || t.s.length > best.length)) best = t.s;
  return best;
}

/** Compile tokens (already lower-cased when matching case-insensitively). */
export function compilePattern(tokens: Token[]): CompiledPattern {
  const only = tokens.length === 1 ? tokens[0] : undefined;
  if (tokens.length === 0) return { kind: 'exact', test: (s) => s.length === 0, required: null, literal: '' };
  if (only && only.t === 'lit') {
    const lit = only.s;
    return { kind: 'exact', test: (s) => s === lit, required: null, literal: lit };
  }
  if (only && only.t === 'any') return { kind: 'glob', test: () => true, required: null, literal: null };
  const [a, b, c] = tokens;
  if (tokens.length === 2 && a?.t === 'lit' && b?.t === 'any') {
    const lit = a.s;
    return { kind: 'prefix', test: (s) => s.startsWith(lit), required: null, literal: lit };
  }
  if (tokens.length === 2 && a?.t === 'any' && b?.t === 'lit') {
    const lit = b.s;
    return { kind: 'suffix', test: (s) => s.endsWith(lit), required: null, literal: lit };
  }
  if (tokens.length === 3 && a?.t === 'any' && b?.t === 'lit' && c?.t === 'any') {
    const lit = b.s;
    return { kind: 'contains', test: (s) => s.includes(lit), required: lit, literal: lit };
  }
  const { segs, startAnchored, endAnchored } = splitSegments(tokens);
  const firstSeg = segs[0]!;
  const lastSeg = segs[segs.length - 1]!;
  const firstLen = segLength(firstSeg);
  const lastLen = segLength(lastSeg);
  const single = segs.length === 1;
  const test = (s: string): boolean => {
    if (single) return s.length === firstLen && segMatchAt(s, 0, firstSeg);
    let pos = 0;
    let limit = s.length;
    if (startAnchored) {
      if (!segMatchAt(s, 0, firstSeg)) return false;
      pos = firstLen;
    }
    if (endAnchored) {
      limit = s.length - lastLen;
      if (limit < pos || !segMatchAt(s, limit, lastSeg)) return false;
    }
    const from = startAnchored ? 1 : 0;
    const to = endAnchored ? segs.length - 1 : segs.length;
    for (let i = from; i < to; i++) {
      const seg = segs[i]!;
      if (seg.length === 0) continue;
      const at = segFind(s, pos, limit, seg);
      if (at < 0) return false;
      pos = at + segLength(seg);
    }
    return true;
  };
  return { kind: 'glob', test, required: longestLiteral(tokens), literal: null };
}
