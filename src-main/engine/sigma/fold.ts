/**
 * Case-insensitive comparisons against an ASCII lower-case literal without lower-casing the
 * value (which allocates a new string per event). Each answers exactly what
 * `s.toLowerCase()` compared with the literal would, or UNSURE when the value has a non-ASCII
 * character where it matters (some lower-case to ASCII, e.g. the Kelvin sign); the caller then
 * lower-cases after all.
 *
 * Why this is exact: toLowerCase maps every ASCII character to one ASCII character regardless of
 * context, and a non-ASCII character never yields an ASCII-only text of more than one character.
 * So a lower-cased value starts (ends) with an ASCII literal of length L only if the value's first
 * (last) L characters produce it one for one.
 */

export const NO = 0;
export const YES = 1;
export const UNSURE = -1;
export type Fold = typeof NO | typeof YES | typeof UNSURE;

/** Is every character of the literal ASCII and not upper-case (what the helpers expect)? */
export function foldableLiteral(lit: string): boolean {
  for (let i = 0; i < lit.length; i++) {
    const c = lit.charCodeAt(i);
    if (c >= 128 || (c >= 65 && c <= 90)) return false;
  }
  return true;
}

/**
 * Compare s[from .. from + lit.length) folded with lit, front to back: at the first difference
 * every earlier character was ASCII, so the lower-cased text has the same difference there.
 */
function forward(s: string, from: number, lit: string): Fold {
  for (let j = 0; j < lit.length; j++) {
    let c = s.charCodeAt(from + j);
    if (c >= 128) return UNSURE;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lit.charCodeAt(j)) return NO;
  }
  return YES;
}

export function startsFolded(s: string, lit: string): Fold {
  if (s.length < lit.length) return NO;
  return forward(s, 0, lit);
}

/** Back to front, so at a difference every later character was ASCII (the end lines up). */
export function endsFolded(s: string, lit: string): Fold {
  const from = s.length - lit.length;
  if (from < 0) return NO;
  for (let j = lit.length - 1; j >= 0; j--) {
    let c = s.charCodeAt(from + j);
    if (c >= 128) return UNSURE;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lit.charCodeAt(j)) return NO;
  }
  return YES;
}

export function equalsFolded(s: string, lit: string): Fold {
  if (s.length === lit.length) return forward(s, 0, lit);
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return UNSURE;
  return NO;
}
