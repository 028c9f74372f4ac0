/**
 * A small glob for file tailing: `*` and `?` within one path segment, `**` for any number of
 * folders. Expansion walks only from the pattern's literal prefix, never follows folder symlinks
 * (a loop would never end), and stops at a depth and a match count.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

const MAX_DEPTH = 32;

export interface GlobOptions {
  maxMatches?: number;
}

export interface GlobResult {
  files: string[];
  /** True when `maxMatches` cut the listing short. */
  truncated: boolean;
}

export function hasWildcard(segment: string): boolean {
  return /[*?]/.test(segment);
}

/** One segment's pattern as an anchored RegExp; `**` inside a longer segment acts as `*`. */
export function segmentRegExp(segment: string): RegExp {
  let src = '';
  for (const ch of segment) {
    if (ch === '*') src += src.endsWith('[^/]*') ? '' : '[^/]*';
    else if (ch === '?') src += '[^/]';
    else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, process.platform === 'win32' ? 'i' : '');
}

function splitPattern(pattern: string): { root: string; segments: string[] } {
  const abs = isAbsolute(pattern) ? pattern : resolve(pattern);
  const normalised = process.platform === 'win32' ? abs.replace(/\\/g, '/') : abs;
  const parts = normalised.split('/');
  // The first part is '' on POSIX ('/...') and the drive ('C:') on Windows.
  let root = parts[0] === '' ? '/' : `${parts[0]}/`;
  let i = 1;
  while (i < parts.length - 1 && !hasWildcard(parts[i]!)) {
    if (parts[i] !== '') root = root.endsWith('/') ? root + parts[i] : `${root}/${parts[i]}`;
    i++;
  }
  return { root, segments: parts.slice(i).filter((p) => p !== '') };
}

/** The folder a pattern's matches all live under: the one worth watching for new files. */
export function globRoot(pattern: string): string {
  return splitPattern(pattern).root;
}

/** Whether `path` (absolute) matches `pattern`; used to test the matcher without a file system. */
export function matchGlob(pattern: string, path: string): boolean {
  const { root, segments } = splitPattern(pattern);
  const prefix = root.endsWith('/') ? root : `${root}/`;
  const p = process.platform === 'win32' ? path.replace(/\\/g, '/') : path;
  if (!p.startsWith(prefix)) return false;
  const rest = p.slice(prefix.length).split('/').filter((s) => s !== '');
  const regs = segments.map((s) => (s === '**' ? null : segmentRegExp(s)));
  const memo = new Map<string, boolean>();
  const go = (si: number, pi: number): boolean => {
    const k = `${si}:${pi}`;
    const cached = memo.get(k);
    if (cached !== undefined) return cached;
    let r: boolean;
    if (si === regs.length) r = pi === rest.length;
    else if (regs[si] === null) r = go(si + 1, pi) || (pi < rest.length && go(si, pi + 1));
    else r = pi < rest.length && regs[si]!.test(rest[pi]!) && go(si + 1, pi + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** The regular files matching `pattern`, sorted; a pattern without wildcards is just that file. */
export async function expandGlob(pattern: string, options: GlobOptions = {}): Promise<GlobResult> {
  const maxMatches = options.maxMatches ?? 10_000;
  const { root, segments } = splitPattern(pattern);
  const regs = segments.map((s) => (s === '**' ? null : hasWildcard(s) ? segmentRegExp(s) : s));
  const found = new Set<string>();
  let truncated = false;
  const join = (dir: string, name: string): string => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);

  const walk = async (path: string, si: number, depth: number): Promise<void> => {
    if (truncated) return;
    if (si === regs.length) {
      const st = await stat(path).catch(() => null);
      if (st?.isFile()) {
        if (found.size >= maxMatches) truncated = true;
        else found.add(path);
      }
      return;
    }
    const seg = regs[si]!;
    if (typeof seg === 'string') return walk(join(path, seg), si + 1, depth);
    if (depth > MAX_DEPTH) return;
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    if (seg === null) {
      await walk(path, si + 1, depth);
      for (const e of entries) if (e.isDirectory()) await walk(join(path, e.name), si, depth + 1);
      return;
    }
    const last = si === regs.length - 1;
    for (const e of entries) {
      if (!seg.test(e.name)) continue;
      // Only a real folder is descended into; the last segment may name a symlinked file.
      if (last ? e.isFile() || e.isSymbolicLink() : e.isDirectory()) await walk(join(path, e.name), si + 1, depth + 1);
    }
  };
  await walk(root, 0, 0);
  return { files: [...found].sort(), truncated };
}
