/**
 * Character-level recognisers for variable values inside a token. Each one takes the token and a
 * start index and returns the end index of the value it recognises there, or -1. They never
 * allocate and never use regular expressions, because the masker calls them on every token of
 * every line.
 */

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isLetter(c);
}

export function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** End of the run of hex digits starting at i. */
export function hexRunEnd(s: string, i: number): number {
  while (i < s.length && isHex(s.charCodeAt(i))) i++;
  return i;
}

export function digitRunEnd(s: string, i: number): number {
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/** True when position i ends a value: end of string or a character that cannot continue a word. */
export function endsValue(s: string, i: number): boolean {
  return i >= s.length || !isAlnum(s.charCodeAt(i));
}

/** Dotted-quad IPv4 with octets ≤ 255, optionally followed by `:port`. */
export function scanIPv4(s: string, i: number, allowPort = true): number {
  let p = i;
  for (let part = 0; part < 4; part++) {
    const e = digitRunEnd(s, p);
    const len = e - p;
    if (len === 0 || len > 3) return -1;
    if (len === 3 && (s.charCodeAt(p) - 48) * 100 + (s.charCodeAt(p + 1) - 48) * 10 + (s.charCodeAt(p + 2) - 48) > 255) return -1;
    p = e;
    if (part < 3) {
      if (s.charCodeAt(p) !== 46) return -1;
      p++;
    }
  }
  // "1.2.3.4.5" and "1.2.3.4a" are not addresses (versions, identifiers).
  if (p < s.length) {
    const c = s.charCodeAt(p);
    if (isAlnum(c)) return -1;
    if (c === 46 && isDigit(s.charCodeAt(p + 1))) return -1;
  }
  if (allowPort && s.charCodeAt(p) === 58 && isDigit(s.charCodeAt(p + 1))) {
    const e = digitRunEnd(s, p + 1);
    if (e - p - 1 <= 5 && endsValue(s, e)) return e;
  }
  return p;
}

/**
 * IPv6 in any RFC 4291 text form (with `::`, an embedded dotted quad, an optional `%zone`).
 * Returns the end of the address, or -1. Times such as 12:30:45 fail: three groups, no `::`.
 */
export function scanIPv6(s: string, i: number): number {
  let p = i;
  let groups = 0;
  let doubleColon = false;
  if (s.charCodeAt(p) === 58) {
    if (s.charCodeAt(p + 1) !== 58) return -1;
    doubleColon = true;
    p += 2;
  }
  let end = p;
  while (p < s.length) {
    const e = hexRunEnd(s, p);
    const len = e - p;
    if (len === 0) break;
    if (s.charCodeAt(e) === 46) {
      // An embedded IPv4 must be the last 32 bits.
      const v4 = scanIPv4(s, p, false);
      if (v4 < 0) return -1;
      groups += 2;
      p = v4;
      end = v4;
      break;
    }
    if (len > 4) return -1;
    groups++;
    p = e;
    end = e;
    if (s.charCodeAt(p) !== 58) break;
    if (s.charCodeAt(p + 1) === 58) {
      if (doubleColon) return -1;
      doubleColon = true;
      p += 2;
      end = p;
      continue;
    }
    if (!isHex(s.charCodeAt(p + 1))) break;
    p++;
  }
  if (doubleColon ? groups > 7 : groups !== 8) return -1;
  if (s.charCodeAt(end) === 37) {
    // Zone id: %eth0, %25 in URIs.
    let z = end + 1;
    while (z < s.length && (isAlnum(s.charCodeAt(z)) || s.charCodeAt(z) === 46 || s.charCodeAt(z) === 95)) z++;
    if (z > end + 1) end = z;
  }
  if (end < s.length && isAlnum(s.charCodeAt(end))) return -1;
  return end;
}

/** xx:xx:xx:xx:xx:xx or with dashes. */
export function scanMac(s: string, i: number): number {
  if (i + 17 > s.length) return -1;
  const sep = s.charCodeAt(i + 2);
  if (sep !== 58 && sep !== 45) return -1;
  for (let k = 0; k < 6; k++) {
    const p = i + k * 3;
    if (!isHex(s.charCodeAt(p)) || !isHex(s.charCodeAt(p + 1))) return -1;
    if (k < 5 && s.charCodeAt(p + 2) !== sep) return -1;
  }
  const e = i + 17;
  return endsValue(s, e) && s.charCodeAt(e) !== sep ? e : -1;
}

/** 8-4-4-4-12 hex. */
export function scanUuid(s: string, i: number): number {
  if (i + 36 > s.length) return -1;
  for (let k = 0; k < 36; k++) {
    const c = s.charCodeAt(i + k);
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 45) return -1;
    } else if (!isHex(c)) return -1;
  }
  return endsValue(s, i + 36) ? i + 36 : -1;
}

/** HH:MM:SS with optional .fraction or ,fraction. */
export function scanTime(s: string, i: number): number {
  const twoDigits = (p: number) => isDigit(s.charCodeAt(p)) && isDigit(s.charCodeAt(p + 1));
  if (!twoDigits(i) || s.charCodeAt(i + 2) !== 58 || !twoDigits(i + 3) || s.charCodeAt(i + 5) !== 58 || !twoDigits(i + 6)) {
    return -1;
  }
  let p = i + 8;
  const c = s.charCodeAt(p);
  if ((c === 46 || c === 44) && isDigit(s.charCodeAt(p + 1))) p = digitRunEnd(s, p + 1);
  return p;
}

/** UTC offset or Z after a time: Z, +hh, +hhmm, +hh:mm. */
function scanZone(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c === 90) return p + 1;
  if (c !== 43 && c !== 45) return p;
  const e = digitRunEnd(s, p + 1);
  if (e - p - 1 === 4 || (e - p - 1 === 2 && s.charCodeAt(e) !== 58)) return e;
  if (e - p - 1 === 2 && s.charCodeAt(e) === 58) {
    const e2 = digitRunEnd(s, e + 1);
    if (e2 - e - 1 === 2) return e2;
  }
  return p;
}

/**
 * YYYY-MM-DD or YYYY/MM/DD, optionally followed by T/_ and a time and a zone.
 * Returns [end, hasTime] packed as end * 2 + (hasTime ? 1 : 0), or -1.
 */
export function scanDate(s: string, i: number): number {
  if (digitRunEnd(s, i) !== i + 4) return -1;
  const sep = s.charCodeAt(i + 4);
  if (sep !== 45 && sep !== 47) return -1;
  if (digitRunEnd(s, i + 5) !== i + 7 || s.charCodeAt(i + 7) !== sep || digitRunEnd(s, i + 8) !== i + 10) return -1;
  const month = (s.charCodeAt(i + 5) - 48) * 10 + s.charCodeAt(i + 6) - 48;
  const day = (s.charCodeAt(i + 8) - 48) * 10 + s.charCodeAt(i + 9) - 48;
  if (month < 1 || month > 12 || day < 1 || day > 31) return -1;
  let p = i + 10;
  const t = s.charCodeAt(p);
  if (t === 84 || t === 95) {
    const e = scanTime(s, p + 1);
    if (e > 0) {
      p = scanZone(s, e);
      return endsValue(s, p) ? p * 2 + 1 : -1;
    }
  }
  return endsValue(s, p) ? p * 2 : -1;
}

const UNITS = new Set([
  'ms', 's', 'sec', 'secs', 'us', 'µs', 'ns', 'm', 'min', 'mins', 'h', 'hr', 'hrs', 'd',
  'b', 'k', 'kb', 'mb', 'gb', 'tb', 'g', 't', 'kib', 'mib', 'gib', 'tib',
  'hz', 'khz', 'mhz', 'ghz', 'bps', 'kbps', 'mbps', 'gbps', 'x',
]);

/**
 * A number: optional sign (the caller decides whether a sign may start here), digits, any number
 * of .digits groups (floats and dotted versions are equally variable), an optional unit (12ms,
 * 3.5GB, 80%). Returns -1 when letters follow that are not a unit ("2nd", "4x4").
 */
export function scanNumber(s: string, i: number): number {
  let p = i;
  const c0 = s.charCodeAt(p);
  if (c0 === 45 || c0 === 43) p++;
  let e = digitRunEnd(s, p);
  if (e === p) return -1;
  while (s.charCodeAt(e) === 46 && isDigit(s.charCodeAt(e + 1))) e = digitRunEnd(s, e + 1);
  const c = s.charCodeAt(e);
  if (c === 37) return e + 1;
  if (!isLetter(c) && c !== 181) return e;
  let u = e;
  while (u < s.length && (isLetter(s.charCodeAt(u)) || s.charCodeAt(u) === 181)) u++;
  if (u - e > 4 || !endsValue(s, u) || !UNITS.has(s.slice(e, u).toLowerCase())) return -1;
  return u;
}

/** scheme://rest-of-token, trailing punctuation excluded. Called only when the token has "://". */
export function scanUrl(s: string, i: number): number {
  let p = i;
  if (!isLetter(s.charCodeAt(p))) return -1;
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (isAlnum(c) || c === 43 || c === 45 || c === 46) p++;
    else break;
  }
  if (p - i > 32 || s.charCodeAt(p) !== 58 || s.charCodeAt(p + 1) !== 47 || s.charCodeAt(p + 2) !== 47) return -1;
  const e = trimValueEnd(s, p + 3, valueRunEnd(s, p + 3));
  return e > p + 3 ? e : -1;
}

/** End of a path-or-URL body: stops at quotes, brackets, commas and semicolons. */
export function valueRunEnd(s: string, i: number): number {
  let p = i;
  while (p < s.length) {
    const c = s.charCodeAt(p);
    // " ' ( ) , ; < > [ ] { } `
    if (c === 34 || c === 39 || c === 40 || c === 41 || c === 44 || c === 59 || c === 60 || c === 62 || c === 91 || c === 93 || c === 123 || c === 125 || c === 96 || c <= 32) break;
    p++;
  }
  return p;
}

/** Drop sentence punctuation that ends a path or URL: "see /etc/hosts." */
export function trimValueEnd(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c === 46 || c === 58 || c === 33 || c === 63) end--;
    else break;
  }
  return end;
}

/**
 * An absolute Unix path (/a/b) or a Windows drive path (C:\a). A path needs a letter somewhere,
 * so "/10.1.2.3:80" (Java socket addresses) is left for the IP recogniser.
 */
export function scanPath(s: string, i: number): number {
  let body = i;
  const c0 = s.charCodeAt(i);
  if (c0 === 47) {
    body = i + 1;
    if (s.charCodeAt(body) === 47) return -1;
  } else if (isLetter(c0) && s.charCodeAt(i + 1) === 58 && s.charCodeAt(i + 2) === 92) {
    body = i + 3;
  } else return -1;
  const e = trimValueEnd(s, body, valueRunEnd(s, body));
  if (e <= body) return -1;
  for (let p = body; p < e; p++) if (isLetter(s.charCodeAt(p))) return e;
  return -1;
}

/** local@domain.tld; called only when the token has '@'. */
export function scanEmail(s: string, i: number): number {
  let p = i;
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45) p++;
    else break;
  }
  if (p === i || s.charCodeAt(p) !== 64) return -1;
  let q = p + 1;
  while (q < s.length) {
    const c = s.charCodeAt(q);
    if (isAlnum(c) || c === 45 || c === 46) q++;
    else break;
  }
  while (q > p + 1 && s.charCodeAt(q - 1) === 46) q--;
  const lastDot = s.lastIndexOf('.', q - 1);
  if (lastDot <= p + 1 || lastDot >= q - 1) return -1;
  for (let k = lastDot + 1; k < q; k++) if (!isLetter(s.charCodeAt(k))) return -1;
  return q;
}
