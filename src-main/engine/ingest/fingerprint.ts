/**
 * A content fingerprint to recognise the same logs imported twice without reading them whole:
 * size plus a hash of the first and last MiB of every file (sorted, for a folder).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { listFolder } from './members';

const SPAN = 1 << 20;

export function fingerprint(path: string): string {
  const st = statSync(path);
  const hash = createHash('sha256');
  const files = st.isDirectory() ? listFolder(path) : [path];
  for (const file of files) {
    if (st.isDirectory()) hash.update(relative(path, file) + '\0');
    hashEnds(file, hash);
  }
  return `${files.length}:${hash.digest('hex')}`;
}

function hashEnds(file: string, hash: ReturnType<typeof createHash>): void {
  const size = statSync(file).size;
  hash.update(`${size}\0`);
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(SPAN, size));
    hash.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)));
    if (size > SPAN) {
      const tail = Buffer.alloc(Math.min(SPAN, size - SPAN));
      hash.update(tail.subarray(0, readSync(fd, tail, 0, tail.length, size - tail.length)));
    }
  } finally {
    closeSync(fd);
  }
}
