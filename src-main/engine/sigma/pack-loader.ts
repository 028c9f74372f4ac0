/**
 * Reads a rule pack (a folder, searched recursively, or a zip) into in-memory rule files, with
 * limits so a hostile zip cannot exhaust memory.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import yauzl from 'yauzl';
import type { SigmaIssue } from './types';
import { MAX_RULE_FILE_BYTES } from './yaml-docs';

export interface RuleFile {
  /** Path relative to the pack root, with forward slashes. */
  path: string;
  text: string;
}

export interface PackFiles {
  files: RuleFile[];
  issues: SigmaIssue[];
}

export interface PackLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_PACK_LIMITS: PackLimits = { maxFiles: 20_000, maxFileBytes: MAX_RULE_FILE_BYTES, maxTotalBytes: 128 * 1024 * 1024 };

const RULE_FILE = /\.ya?ml$/i;

function decode(buf: Buffer, path: string, issues: SigmaIssue[]): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf).replace(/^\uFEFF/, '');
  } catch {
    issues.push({ file: path, reason: 'file is not valid UTF-8', level: 'error' });
    return null;
  }
}

async function readFolder(root: string, limits: PackLimits): Promise<PackFiles> {
  const files: RuleFile[] = [];
  const issues: SigmaIssue[] = [];
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const ent of entries) {
      const full = join(dir, ent.name);
      const rel = relative(root, full).split(sep).join('/');
      if (ent.isDirectory()) {
        if (!ent.name.startsWith('.')) await walk(full);
        continue;
      }
      if (!ent.isFile() || !RULE_FILE.test(ent.name)) continue;
      if (files.length >= limits.maxFiles) {
        issues.push({ file: rel, reason: `pack has more than ${limits.maxFiles} rule files; the rest were skipped`, level: 'error' });
        return;
      }
      const size = (await stat(full)).size;
      if (size > limits.maxFileBytes) {
        issues.push({ file: rel, reason: `file is larger than ${limits.maxFileBytes} bytes`, level: 'error' });
        continue;
      }
      total += size;
      if (total > limits.maxTotalBytes) {
        issues.push({ file: rel, reason: `pack is larger than ${limits.maxTotalBytes} bytes; the rest was skipped`, level: 'error' });
        return;
      }
      const text = decode(await readFile(full), rel, issues);
      if (text !== null) files.push({ path: rel, text });
    }
  };
  await walk(root);
  return { files, issues };
}

function readZip(path: string, limits: PackLimits): Promise<PackFiles> {
  return new Promise((resolveAll, rejectAll) => {
    const files: RuleFile[] = [];
    const issues: SigmaIssue[] = [];
    let total = 0;
    let count = 0;
    // decodeStrings off: yauzl would abort the whole archive on one unsafe name; we skip just that member.
    yauzl.open(path, { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) {
        rejectAll(new Error(`cannot read zip ${path}: ${err?.message ?? 'unknown error'}`));
        return;
      }
      const stop = (): void => {
        zip.close();
        resolveAll({ files, issues });
      };
      zip.on('error', (e: Error) => {
        issues.push({ file: path, reason: `zip error: ${e.message}`, level: 'error' });
        stop();
      });
      zip.on('end', () => resolveAll({ files, issues }));
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = (entry.fileName as unknown as Buffer).toString('utf8');
        if (name.endsWith('/') || !RULE_FILE.test(name)) {
          zip.readEntry();
          return;
        }
        // Nothing is written to disk, but such names mean a crafted archive: say so and skip.
        if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split(/[\\/]/).includes('..')) {
          issues.push({ file: name, reason: 'unsafe path in zip (absolute or with ..); skipped', level: 'error' });
          zip.readEntry();
          return;
        }
        if (++count > limits.maxFiles) {
          issues.push({ file: name, reason: `pack has more than ${limits.maxFiles} rule files; the rest were skipped`, level: 'error' });
          stop();
          return;
        }
        if (entry.uncompressedSize > limits.maxFileBytes) {
          issues.push({ file: name, reason: `file is larger than ${limits.maxFileBytes} bytes`, level: 'error' });
          zip.readEntry();
          return;
        }
        if (total + entry.uncompressedSize > limits.maxTotalBytes) {
          issues.push({ file: name, reason: `pack is larger than ${limits.maxTotalBytes} bytes uncompressed; the rest was skipped`, level: 'error' });
          stop();
          return;
        }
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) {
            issues.push({ file: name, reason: `cannot read zip entry: ${e2?.message ?? 'unknown error'}`, level: 'error' });
            zip.readEntry();
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          let aborted = false;
          stream.on('data', (c: Buffer) => {
            size += c.length;
            // Declared sizes can lie; count what actually comes out.
            if (size > limits.maxFileBytes && !aborted) {
              aborted = true;
              stream.destroy();
              issues.push({ file: name, reason: `file inflates beyond ${limits.maxFileBytes} bytes`, level: 'error' });
              zip.readEntry();
              return;
            }
            chunks.push(c);
          });
          stream.on('error', (e3: Error) => {
            if (aborted) return;
            aborted = true;
            issues.push({ file: name, reason: `corrupt zip entry: ${e3.message}`, level: 'error' });
            zip.readEntry();
          });
          stream.on('end', () => {
            if (aborted) return;
            total += size;
            const text = decode(Buffer.concat(chunks), name, issues);
            if (text !== null) files.push({ path: name, text });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Read a folder (recursively) or a .zip of Sigma rule files. */
export async function readRulePack(path: string, limits: Partial<PackLimits> = {}): Promise<PackFiles> {
  const lim = { ...DEFAULT_PACK_LIMITS, ...limits };
  const st = await stat(path);
  if (st.isDirectory()) return readFolder(path, lim);
  if (/\.zip$/i.test(path)) return readZip(path, lim);
  if (RULE_FILE.test(path)) {
    if (st.size > lim.maxFileBytes) return { files: [], issues: [{ file: path, reason: `file is larger than ${lim.maxFileBytes} bytes`, level: 'error' }] };
    const issues: SigmaIssue[] = [];
    const text = decode(await readFile(path), path, issues);
    return { files: text === null ? [] : [{ path: path.split(sep).pop()!, text }], issues };
  }
  throw new Error(`${path} is neither a folder, a .zip nor a .yml/.yaml file`);
}
