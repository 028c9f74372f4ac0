/**
 * Which file is this? dev+ino names a file while it exists, but inode numbers are reused as soon
 * as a file is deleted (tmpfs and ext4 do it at once), and copytruncate keeps the inode while the
 * content starts over. A hash of the first bytes tells those cases apart.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

export interface FileHead {
  /** sha256 of the first `length` bytes, hex. */
  hash: string;
  length: number;
}

export function fileKey(dev: number, ino: number): string {
  return `${dev}:${ino}`;
}

/** Hash of the first `length` bytes; null when the file is now shorter than that. */
export async function headOf(fh: FileHandle, length: number): Promise<FileHead | null> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  if (got < length) return null;
  return { hash: createHash('sha256').update(buf).digest('hex'), length };
}

/**
 * Whether the file still starts with the bytes `known` was taken from. When it does and the file
 * has grown, the head is lengthened (up to `maxLength`) so later checks are stronger.
 */
export async function checkHead(fh: FileHandle, known: FileHead, size: number, maxLength: number): Promise<{ same: boolean; head: FileHead }> {
  if (size < known.length) return { same: false, head: known };
  const now = await headOf(fh, known.length);
  if (now === null || now.hash !== known.hash) return { same: false, head: known };
  if (known.length < maxLength && size > known.length) {
    const longer = await headOf(fh, Math.min(maxLength, size));
    if (longer !== null) return { same: true, head: longer };
  }
  return { same: true, head: known };
}
