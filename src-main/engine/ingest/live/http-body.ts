/**
 * Request bodies read with hard limits: the raw body by its size on the wire, a compressed body
 * also by its size once inflated, so a gzip bomb costs at most `maxDecodedBytes` of memory.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/** An HTTP failure with the status the receiver should answer with. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(new HttpError(413, `the body is ${declared} bytes; the limit is ${maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(new HttpError(413, `the body is larger than the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (failed) return;
      failed = true;
      reject(new HttpError(400, `the request body could not be read: ${err.message}`));
    });
  });
}

/** Undoes Content-Encoding (gzip, deflate or none). */
export async function decodeBody(raw: Buffer, encoding: string | undefined, maxDecodedBytes: number): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return raw;
  if (enc !== 'gzip' && enc !== 'x-gzip' && enc !== 'deflate') {
    throw new HttpError(415, `Content-Encoding "${enc}" is not supported (use gzip, deflate or none)`);
  }
  try {
    const options = { maxOutputLength: maxDecodedBytes };
    return enc === 'deflate' ? await inflate(raw, options) : await gunzip(raw, options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new HttpError(413, `the body inflates to more than the limit of ${maxDecodedBytes} bytes`);
    throw new HttpError(400, `the ${enc} body could not be decompressed: ${e.message}`);
  }
}
