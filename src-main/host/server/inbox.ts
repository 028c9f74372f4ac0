/**
 * Files the browser workbench uploads for import (the Node host has no file dialog the engine
 * could read from). Each upload is streamed into a folder of its own under the inbox, capped in
 * size, and removed once nothing needs it: when the import that read it ends (done, failed or
 * cancelled), when the case is closed or another opened, and when the host stops. Whatever a
 * previous run left (it was killed) is removed when the host starts.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, join, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

export interface UploadResult {
  status: number;
  body: string;
  contentType: string;
}

interface Upload {
  state: 'uploading' | 'ready';
  /** Imports started on it and not yet finished. */
  imports: number;
}

class TooLarge extends Error {}

export class Inbox {
  private readonly dir: string;
  private readonly uploads = new Map<string, Upload>();
  private currentCase: string | null = null;

  constructor(
    dir: string,
    readonly maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES,
  ) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
    for (const entry of readdirSync(this.dir)) rmSync(join(this.dir, entry), { recursive: true, force: true });
  }

  /** Streams one upload to disk; refuses it (and keeps nothing) past the size cap. */
  async receive(req: IncomingMessage, requestedName: string | null): Promise<UploadResult> {
    const limit = this.maxUploadBytes;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      return tooLarge(limit, declared);
    }
    const name = basename(requestedName ?? 'upload.log').replace(/[^\w.-]+/g, '_').slice(0, 120) || 'upload.log';
    const id = randomUUID();
    const folder = join(this.dir, id);
    mkdirSync(folder, { recursive: true });
    const upload: Upload = { state: 'uploading', imports: 0 };
    this.uploads.set(id, upload);
    const target = join(folder, name);
    let received = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        cb(received > limit ? new TooLarge() : null, chunk);
      },
    });
    try {
      await pipeline(req, cap, createWriteStream(target));
    } catch (err) {
      this.remove(id);
      if (err instanceof TooLarge) return tooLarge(limit, null);
      throw err;
    }
    upload.state = 'ready';
    return { status: 200, contentType: 'application/json', body: JSON.stringify({ path: target }) };
  }

  /** Imports were started (the reply to `ingest.startImport`): their uploads are in use. */
  importsStarted(jobs: readonly { path: string }[]): void {
    for (const job of jobs) {
      const u = this.uploadOf(job.path);
      if (u !== null) this.uploads.get(u)!.imports++;
    }
  }

  /** The engine's pushed events: an import ended, or the case changed. */
  onEvent(name: string, payload: unknown): void {
    if (name === 'ingest.finished') {
      const u = this.uploadOf((payload as { path?: unknown } | null)?.path);
      if (u === null) return;
      const upload = this.uploads.get(u)!;
      upload.imports = Math.max(0, upload.imports - 1);
      if (upload.imports === 0 && upload.state === 'ready') this.remove(u);
    } else if (name === 'cases.changed') {
      const path = (payload as { path?: unknown } | null)?.path;
      const now = typeof path === 'string' ? path : null;
      // The same case reporting its new size is no change of case.
      if (now !== null && now === this.currentCase) return;
      const closed = this.currentCase !== null;
      this.currentCase = now;
      if (!closed) return;
      for (const [id, u] of this.uploads) if (u.state === 'ready' && u.imports === 0) this.remove(id);
    }
  }

  /** The host stops: nothing uploaded is needed any more. */
  close(): void {
    for (const id of [...this.uploads.keys()]) this.remove(id);
  }

  /** Upload folders on disk, for tests and diagnostics. */
  list(): string[] {
    return readdirSync(this.dir);
  }

  private uploadOf(path: unknown): string | null {
    if (typeof path !== 'string') return null;
    const rel = relative(this.dir, resolve(path));
    if (rel === '' || rel.startsWith('..') || rel.includes(`..${sep}`)) return null;
    const id = rel.split(sep)[0]!;
    return this.uploads.has(id) ? id : null;
  }

  private remove(id: string): void {
    this.uploads.delete(id);
    rmSync(join(this.dir, id), { recursive: true, force: true });
  }
}

function tooLarge(limit: number, declared: number | null): UploadResult {
  const what = declared === null ? 'The upload' : `The upload (${size(declared)})`;
  return {
    status: 413,
    contentType: 'text/plain; charset=utf-8',
    body: `${what} is larger than this host's limit of ${size(limit)}. Import the file from the machine it is on, or start vigil serve with a larger --max-upload.`,
  };
}

function size(n: number): string {
  if (n >= 1024 ** 3) return `${Number((n / 1024 ** 3).toFixed(1))} GiB`;
  if (n >= 1024 ** 2) return `${Number((n / 1024 ** 2).toFixed(1))} MiB`;
  return `${n} bytes`;
}
