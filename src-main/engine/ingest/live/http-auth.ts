/**
 * Who may post: a bearer token, or an HMAC-SHA256 signature of the body in a header of the
 * analyst's choice (the scheme GitHub, Stripe-like and many webhook senders use). Comparisons run
 * in constant time so a caller cannot learn the secret byte by byte from response times.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type HttpAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'hmac'; secret: string; header: string };

/** Equal-length digests first, so neither the length nor the content leaks through timing. */
function sameSecret(a: Buffer, b: Buffer): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `sha256=<hex>`, bare hex, or base64, as senders variously write it; null if none of them. */
function signatureBytes(value: string): Buffer | null {
  const v = value.trim().replace(/^sha256=/i, '');
  if (/^[0-9a-f]{64}$/i.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(v)) return Buffer.from(v, 'base64');
  return null;
}

/**
 * Null when the request may pass, else why not (for the 401 reply). The signature is checked over
 * the body as it arrived and, when it was compressed, over the inflated body too: senders differ
 * in which one they sign, and both are equally bound to the secret.
 */
export function authFailure(auth: HttpAuth, headers: IncomingHttpHeaders, bodies: readonly Buffer[]): string | null {
  if (auth.kind === 'none') return null;
  if (auth.kind === 'bearer') {
    const value = header(headers, 'authorization');
    if (value === undefined) return 'missing "Authorization: Bearer <token>" header';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
    if (m === null) return 'the Authorization header is not a Bearer token';
    return sameSecret(Buffer.from(m[1]!, 'utf8'), Buffer.from(auth.token, 'utf8')) ? null : 'wrong token';
  }
  const value = header(headers, auth.header);
  if (value === undefined) return `missing signature header "${auth.header}"`;
  const given = signatureBytes(value);
  if (given === null) return `the "${auth.header}" header is not an HMAC-SHA256 signature (expected sha256=<64 hex digits>)`;
  for (const body of bodies) {
    const expected = createHmac('sha256', auth.secret).update(body).digest();
    if (sameSecret(given, expected)) return null;
  }
  return 'the signature does not match the body';
}
