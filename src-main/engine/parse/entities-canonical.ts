/**
 * Canonical forms of entity values, so that one real-world entity has one spelling (and so one
 * UUIDv5) whatever log it came from. Each function returns null for a value that is not a valid
 * entity of its type.
 */
import { isAlnum, scanIPv4, scanIPv6 } from './mask-scan';

/** IPv4 without leading zeros, or IPv6 fully expanded in lower case; IPv4-mapped IPv6 becomes IPv4. */
export function canonicalIp(raw: string): string | null {
  let s = raw.trim();
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return null;
    s = s.slice(1, close);
  }
  const colon = s.indexOf(':');
  if (colon < 0 || (s.indexOf(':', colon + 1) < 0 && s.indexOf('.') >= 0 && s.indexOf('.') < colon)) {
    // Dotted quad, perhaps with a port.
    const v4 = colon < 0 ? s : s.slice(0, colon);
    return canonicalIPv4(v4);
  }
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const words = parseIPv6(s);
  if (!words) return null;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff) {
    const hi = words[6] as number;
    const lo = words[7] as number;
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return words.map((w) => w.toString(16).padStart(4, '0')).join(':');
}

export function canonicalIPv4(s: string): string | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 3) return null;
    for (let k = 0; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (c < 48 || c > 57) return null;
    }
    const v = Number(p);
    if (v > 255) return null;
    out.push(v);
  }
  return out.join('.');
}

/** Eight 16-bit words, or null. */
function parseIPv6(s: string): number[] | null {
  if (s.length < 2 || scanIPv6(s, 0) !== s.length) return null;
  const dbl = s.indexOf('::');
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = canonicalIPv4(g);
        if (!v4) return null;
        const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (g.length === 0 || g.length > 4) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  if (!h || !t) return null;
  if (dbl < 0) return h.length === 8 ? h : null;
  const zeros = 8 - h.length - t.length;
  if (zeros < 1) return null;
  return [...h, ...new Array<number>(zeros).fill(0), ...t];
}

export function isIpLiteral(s: string): boolean {
  if (s.length === 0) return false;
  const c = s.charCodeAt(0);
  if (c === 91 || c === 58) return canonicalIp(s) !== null;
  if (s.indexOf(':') >= 0) return scanIPv6(s, 0) === s.length;
  return scanIPv4(s, 0, false) === s.length;
}

/** Lower case, no trailing root dot; labels of letters, digits and inner hyphens. */
export function canonicalHost(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253 || s === '-') return null;
  for (const label of s.split('.')) {
    if (label.length === 0 || label.length > 63) return null;
    if (label.startsWith('-') || label.endsWith('-')) return null;
    for (let k = 0; k < label.length; k++) {
      const c = label.charCodeAt(k);
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return null;
    }
  }
  return s;
}

/**
 * Top-level domains accepted for a bare name found in free text. A closed list, because the
 * open-ended rule (any alphabetic last label) reads Java class names and file names
 * ("mapred.job.id", "libc.so", "run.sh") as domains. Names from URLs and host fields need no TLD.
 */
const TLDS = new Set(
  (
    'com net org edu gov mil int arpa io co info biz me us uk de fr ru cn jp br it nl au es ca ch se no fi dk be at cz ' +
    'kr tw hk sg nz za mx ar cl ua tr ir il gr pt ro hu sk bg lt lv ee ie is lu vn th my ph pk eg ng ke ae sa qa ' +
    'eu asia tv su by kz xyz top site online tech cloud dev app ai club shop live pro name mobi ' +
    'local localdomain internal lan corp home'
  ).split(' '),
);

/** Cheap pre-check before canonicalDomain: the text after the last dot is a listed TLD (trailing punctuation ignored). */
export function hasKnownTld(s: string): boolean {
  let end = s.length;
  while (end > 0 && !isAlnum(s.charCodeAt(end - 1))) end--;
  const dot = s.lastIndexOf('.', end - 1);
  const len = end - dot - 1;
  if (dot <= 0 || len < 2 || len > 11) return false;
  return TLDS.has(s.slice(dot + 1, end).toLowerCase());
}

/** A domain name written in free text: at least two labels and a known TLD. */
export function canonicalDomain(raw: string): string | null {
  const s = canonicalHost(raw);
  if (!s) return null;
  const dot = s.lastIndexOf('.');
  if (dot <= 0) return null;
  if (!TLDS.has(s.slice(dot + 1))) return null;
  // "1.2.3.com" style junk and numeric-only labels before the TLD are not names.
  const label = s.slice(s.lastIndexOf('.', dot - 1) + 1, dot);
  if (!/[a-z]/.test(label)) return null;
  return s;
}

/**
 * Users: `DOMAIN\user` keeps the user and lower-cases the domain (Windows domains are
 * case-insensitive, account names are shown as typed), `user@realm` lower-cases the realm, and
 * a plain Unix name is kept as is (Unix names are case-sensitive).
 */
export function canonicalUser(raw: string): string | null {
  let s = raw.trim();
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) s = s.slice(1, -1).trim();
  if (s.length === 0 || s.length > 128 || s === '-' || s === '?' || /\s/.test(s)) return null;
  if (s.startsWith('<') && s.endsWith('>')) return null;
  const bs = s.indexOf('\\');
  if (bs >= 0) {
    const domain = s.slice(0, bs);
    const user = s.slice(bs + 1);
    if (user.length === 0 || user.includes('\\')) return null;
    return domain.length === 0 ? user : `${domain.toLowerCase()}\\${user}`;
  }
  const at = s.lastIndexOf('@');
  if (at > 0 && at < s.length - 1) return `${s.slice(0, at)}@${s.slice(at + 1).toLowerCase()}`;
  return s;
}

const DEFAULT_PORTS: Record<string, string> = {
  http: '80',
  https: '443',
  ws: '80',
  wss: '443',
  ftp: '21',
  ssh: '22',
  sftp: '22',
  ldap: '389',
  ldaps: '636',
};

export interface CanonicalUrl {
  url: string;
  /** Lower-cased host name or IP literal as written (brackets removed), for a domain/ip entity. */
  host: string;
}

/**
 * scheme://host[:port]/path?query with scheme and host lower-cased, the scheme's default port
 * dropped, credentials and fragment removed (a password must never become an entity id), and an
 * empty path written as "/" for hierarchical schemes.
 */
export function canonicalUrl(raw: string): CanonicalUrl | null {
  const s = raw.trim();
  if (s.charCodeAt(0) === 47) {
    // A bare request path (access logs): query and fragment dropped, so one scanned page with
    // 10k query strings is one entity, not 10k.
    let end = s.length;
    const q = s.indexOf('?');
    if (q >= 0) end = q;
    const h = s.indexOf('#');
    if (h >= 0 && h < end) end = h;
    return { url: s.slice(0, end), host: '' };
  }
  const sep = s.indexOf('://');
  if (sep <= 0) return null;
  const scheme = s.slice(0, sep).toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return null;
  let rest = s.slice(sep + 3);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let authEnd = rest.length;
  for (let k = 0; k < rest.length; k++) {
    const c = rest[k];
    if (c === '/' || c === '?') {
      authEnd = k;
      break;
    }
  }
  let authority = rest.slice(0, authEnd);
  let tail = rest.slice(authEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host = authority;
  let port = '';
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return null;
    host = authority.slice(0, close + 1);
    if (authority[close + 1] === ':') port = authority.slice(close + 2);
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      host = authority.slice(0, colon);
      port = authority.slice(colon + 1);
    }
  }
  if (port !== '' && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) return null;
  host = host.toLowerCase();
  if (host.length === 0 && scheme !== 'file') return null;
  if (port === DEFAULT_PORTS[scheme]) port = '';
  if (tail === '' && scheme !== 'file') tail = '/';
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  return { url: `${scheme}://${host}${port ? `:${port}` : ''}${tail}`, host: bare };
}

/** Absolute paths as written; Windows paths lower-cased, as Windows compares them. */
export function canonicalFile(raw: string): string | null {
  const s = raw.trim();
  if (s.length < 2) return null;
  if (s.charCodeAt(0) === 47) return s;
  if (/^[A-Za-z]:\\/.test(s)) return s.toLowerCase();
  return null;
}

/** A process name from an app field or a `name[pid]` token: the basename, no pid. */
export function canonicalProcess(raw: string): string | null {
  let s = raw.trim();
  const bracket = s.indexOf('[');
  if (bracket > 0) s = s.slice(0, bracket);
  if (s.endsWith(':')) s = s.slice(0, -1);
  const slash = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
  if (slash >= 0) s = s.slice(slash + 1);
  if (s.length === 0 || s.length > 128 || s === '-' || /\s/.test(s)) return null;
  return s;
}

/** User agents: whitespace runs collapsed, "-" (no agent) dropped. */
export function canonicalUserAgent(raw: string): string | null {
  const s = raw.trim().replace(/\s+/g, ' ');
  if (s.length === 0 || s === '-') return null;
  return s.length > 1024 ? s.slice(0, 1024) : s;
}
