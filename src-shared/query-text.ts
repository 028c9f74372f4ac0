/** A parsed query read back as text: what to mark in a matching line, and the clause for one value. */
import type { QueryNode } from './query';

/**
 * What to mark in a matching line: the words and phrases searched for and the field values asked
 * for, as regular-expression sources (case-insensitive). Terms under a NOT are not marked.
 */
export function highlightPatterns(node: QueryNode | null): string[] {
  const out: string[] = [];
  const walk = (n: QueryNode, negated: boolean): void => {
    if (n.type === 'and' || n.type === 'or') {
      for (const c of n.children) walk(c, negated);
      return;
    }
    if (n.type === 'not') return walk(n.child, !negated);
    if (negated) return;
    if (n.type === 'text') {
      // Words as the full-text index sees them: letters and digits, anything between them.
      const words = n.text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      if (words.length === 0) return;
      const body = words.map(escapeRegExp).join('[^\\p{L}\\p{N}]+');
      out.push(`(?<![\\p{L}\\p{N}])${body}${n.prefix ? '[\\p{L}\\p{N}]*' : '(?![\\p{L}\\p{N}])'}`);
      return;
    }
    const t = n.test;
    if (t.op === 'match' && n.kind !== 'enum' && n.field !== 'template' && n.field !== 'entity') {
      if (t.value.replace(/[*?]/g, '') === '') return;
      const parts = t.value.split(/([*?])/).map((p) => (p === '*' ? '\\S*?' : p === '?' ? '\\S' : escapeRegExp(p)));
      out.push(t.pattern ? parts.join('') : escapeRegExp(t.value));
    } else if (t.op === 'range' && n.field === 'status' && t.lo !== null && t.lo === t.hi) {
      out.push(`(?<!\\d)${t.lo}(?!\\d)`);
    }
  };
  if (node) walk(node, false);
  return [...new Set(out)];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The query text that narrows to one field value, quoted when it needs to be. */
export function fieldClause(field: string, value: string): string {
  const plain = /^[^\s()"*?]+$/.test(value) && !/^[<>=[{]/.test(value);
  return `${field}:${plain ? value : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`}`;
}
