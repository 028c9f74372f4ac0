/** Value encoders behind the base64, base64offset, utf16* and windash modifiers. */

/** Dash-like characters the windash modifier makes interchangeable (spec: modifiers appendix). */
export const WINDASH_CHARS = '-/\u2013\u2014\u2015';

export function utf8Bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

export function utf16leBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf16le'));
}

export function utf16beBytes(s: string): Uint8Array {
  const le = Buffer.from(s, 'utf16le');
  const out = new Uint8Array(le.length);
  for (let i = 0; i + 1 < le.length; i += 2) {
    out[i] = le[i + 1]!;
    out[i + 1] = le[i]!;
  }
  return out;
}

/** utf16 = byte order mark FF FE followed by little-endian code units. */
export function utf16BomBytes(s: string): Uint8Array {
  const le = utf16leBytes(s);
  const out = new Uint8Array(le.length + 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  out.set(le, 2);
  return out;
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * The three base64 renderings of `bytes` when it starts at offset 0, 1 or 2 inside a longer
 * encoded blob. Characters that also depend on the unknown neighbouring bytes are cut off:
 * 0/2/3 leading characters for the shifts, and 0/3/2 trailing ones by the total length mod 3.
 */
export function base64Offsets(bytes: Uint8Array): string[] {
  const lead = [0, 2, 3];
  const trail = [0, 3, 2];
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(bytes.length + shift);
    padded.set(bytes, shift);
    const enc = base64(padded);
    const cut = trail[(bytes.length + shift) % 3]!;
    out.push(enc.slice(lead[shift]!, enc.length - cut));
  }
  return out;
}

/** Bytes shown as a string of code units 0..255, so encoded values can be matched like text. */
export function bytesToBinaryString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
