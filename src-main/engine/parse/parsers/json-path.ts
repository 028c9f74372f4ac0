/** A dotted path compiled once: its segments and every joined sub-run, for flat-or-nested lookup. */
export interface CompiledPath {
  text: string;
  /** joined[i][j] = segments i..j joined with '.', j >= i. */
  joined: string[][];
}

export function compilePath(text: string): CompiledPath {
  const segments = text.split('.');
  const joined: string[][] = [];
  for (let i = 0; i < segments.length; i++) {
    const row: string[] = [];
    for (let j = 0; j < segments.length; j++) row.push(j < i ? '' : segments.slice(i, j + 1).join('.'));
    joined.push(row);
  }
  return { text, joined };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Value at a dotted path where any run of segments may be one flat key: `host.name` finds
 * `{"host":{"name":..}}`, `{"host.name":..}`, and OTel's `{"attributes":{"host.name":..}}` for
 * `attributes.host.name`. Longer flat keys win. Paths are a few segments, so this stays cheap.
 */
export function getPath(root: unknown, path: CompiledPath): unknown {
  return lookup(root, path.joined, 0);
}

function lookup(node: unknown, joined: string[][], from: number): unknown {
  if (!isPlainObject(node)) return undefined;
  const row = joined[from]!;
  const last = row.length - 1;
  for (let j = last; j >= from; j--) {
    const key = row[j]!;
    if (!hasOwn.call(node, key)) continue;
    const value = node[key];
    if (j === last) return value;
    const found = lookup(value, joined, j + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
