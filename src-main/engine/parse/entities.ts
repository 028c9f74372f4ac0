/**
 * Entity extraction (DESIGN.md pipeline step 5): the IPs, users, hosts, processes, files, domains,
 * URLs and user agents of a normalized event, from its columns, its extra fields and its message.
 * Each entity carries a UUIDv5 over `${type}:${canonical value}`, so the same entity has the same
 * id in every case.
 *
 * The message is read through the masker's output: the values it replaced are already typed
 * (<IP>, <PATH>, <URL>, <EMAIL>), so the pipeline masks once for both Drain and this extractor.
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import {
  canonicalDomain,
  canonicalFile,
  canonicalHost,
  canonicalIp,
  canonicalProcess,
  canonicalUrl,
  canonicalUser,
  canonicalUserAgent,
  hasKnownTld,
  isIpLiteral,
} from './entities-canonical';
import { uuidV5, VIGIL_ENTITY_NAMESPACE } from './entities-uuid';
import { maskMessage, PLACEHOLDER, SHAPE_BRACKET, SHAPE_DOT, SHAPE_EQUALS, type MaskedMessage } from './mask';

export type EntityType = 'ip' | 'user' | 'host' | 'process' | 'file' | 'domain' | 'url' | 'user_agent';

export interface Entity {
  readonly type: EntityType;
  /** Canonical form. */
  readonly value: string;
  /** uuidv5(`${type}:${value}`, VIGIL_ENTITY_NAMESPACE). */
  readonly id: string;
}

export function entityId(type: EntityType, canonical: string): string {
  return uuidV5(`${type}:${canonical}`, VIGIL_ENTITY_NAMESPACE);
}

const CANONICAL: Record<Exclude<EntityType, 'url'>, (raw: string) => string | null> = {
  ip: canonicalIp,
  user: canonicalUser,
  host: canonicalHost,
  process: canonicalProcess,
  file: canonicalFile,
  domain: canonicalDomain,
  user_agent: canonicalUserAgent,
};

/**
 * Memo of raw value → entity, one map per type. SHA-1 per entity would cost more than the rest of
 * the line's processing, and entities repeat heavily (one IP, thousands of lines). Entities are
 * frozen and shared between events. A map is dropped whole when full: simple, and it only costs
 * a recomputation, never a different answer.
 */
const MEMO_LIMIT = 50_000;

interface TypeMemo {
  map: Map<string, Entity | null>;
  /** The last value looked up and its answer: consecutive lines often share a client, agent, host. */
  lastRaw: string;
  lastEntity: Entity | null;
}

function newTypeMemo(): TypeMemo {
  return { map: new Map(), lastRaw: '', lastEntity: null };
}

const memos: Record<EntityType, TypeMemo> = {
  ip: newTypeMemo(),
  user: newTypeMemo(),
  host: newTypeMemo(),
  process: newTypeMemo(),
  file: newTypeMemo(),
  domain: newTypeMemo(),
  url: newTypeMemo(),
  user_agent: newTypeMemo(),
};

function computeEntity(type: EntityType, raw: string): Entity | null {
  if (type === 'url') {
    const u = canonicalUrl(raw);
    return u ? Object.freeze({ type, value: u.url, id: entityId(type, u.url) }) : null;
  }
  const value = CANONICAL[type](raw);
  return value !== null ? Object.freeze({ type, value, id: entityId(type, value) }) : null;
}

/** The canonical entity of one raw value of `type` (memoised), or null when it is not valid. */
export function entityOf(type: EntityType, raw: string): Entity | null {
  return makeEntity(type, raw);
}

function makeEntity(type: EntityType, raw: string): Entity | null {
  const memo = memos[type];
  // The empty string is never looked up (EntitySet.add skips it), so it can stand for "none yet".
  if (raw === memo.lastRaw && raw.length > 0) return memo.lastEntity;
  let entity = memo.map.get(raw);
  if (entity === undefined) {
    entity = computeEntity(type, raw);
    if (memo.map.size >= MEMO_LIMIT) memo.map.clear();
    memo.map.set(raw, entity);
  }
  memo.lastRaw = raw;
  memo.lastEntity = entity;
  return entity;
}

/** Host column or URL host: an IP literal is an ip entity, anything else a host/domain. */
const hostMemo = new Map<string, Entity | null>();

let lastHostRaw = '';
let lastHostEntity: Entity | null = null;

function hostOrIpEntity(raw: string, hostType: 'host' | 'domain'): Entity | null {
  if (hostType === 'host' && raw === lastHostRaw && raw.length > 0) return lastHostEntity;
  const key = hostType === 'host' ? raw : `\u0000${raw}`;
  let e = hostMemo.get(key);
  if (e === undefined) {
    e = isIpLiteral(raw) ? ipEntity(raw) : makeEntity(hostType, raw);
    if (hostMemo.size >= MEMO_LIMIT) hostMemo.clear();
    hostMemo.set(key, e);
  }
  if (hostType === 'host') {
    lastHostRaw = raw;
    lastHostEntity = e;
  }
  return e;
}

const UNSPECIFIED = new Set(['0.0.0.0', '0000:0000:0000:0000:0000:0000:0000:0000']);

/** An IP, except the unspecified addresses: "listening on 0.0.0.0" names no peer. */
function ipEntity(raw: string): Entity | null {
  const e = makeEntity('ip', raw);
  return e && !UNSPECIFIED.has(e.value) ? e : null;
}

class EntitySet {
  readonly list: Entity[] = [];

  add(type: EntityType, raw: string | null | undefined): void {
    if (raw === null || raw === undefined || raw.length === 0) return;
    this.push(makeEntity(type, raw));
  }

  push(e: Entity | null): void {
    if (!e) return;
    const list = this.list;
    for (let k = 0; k < list.length; k++) {
      const x = list[k] as Entity;
      if (x === e || (x.type === e.type && x.value.length === e.value.length && x.value === e.value)) return;
    }
    list.push(e);
  }

  addIp(raw: string): void {
    this.push(ipEntity(raw));
  }

  addHostOrIp(raw: string, hostType: 'host' | 'domain'): void {
    this.push(hostOrIpEntity(raw, hostType));
  }

  addUrl(raw: string): void {
    const e = makeEntity('url', raw);
    if (!e) return;
    this.push(e);
    const u = canonicalUrl(raw);
    if (u?.host) this.addHostOrIp(u.host, 'domain');
  }
}

const COL_SRC_IP = 0;
const COL_DST_IP = 1;
const COL_USER = 2;
const COL_HOST = 3;
const COL_PROCESS = 4;
const COL_URL = 5;
const COL_FILE = 6;
const COL_USER_AGENT = 7;

/**
 * The last raw value and entity of each column, kept by a caller next to something the columns
 * tend to repeat with (the message: "Failed password for root from 1.2.3.4" always has the same
 * user and source IP). A plain compare then replaces a hash lookup. Entities are pure functions
 * of their raw value, so the memo never changes an answer.
 */
export interface ColumnMemo {
  raws: string[];
  entities: (Entity | null)[];
}

export function newColumnMemo(): ColumnMemo {
  return { raws: ['', '', '', '', '', '', '', ''], entities: [null, null, null, null, null, null, null, null] };
}

function computeColumn(slot: number, raw: string): Entity | null {
  switch (slot) {
    case COL_SRC_IP:
    case COL_DST_IP:
      return ipEntity(raw);
    case COL_USER:
      return makeEntity('user', raw);
    case COL_HOST:
      return hostOrIpEntity(raw, 'host');
    case COL_PROCESS:
      return makeEntity('process', raw);
    case COL_URL:
      return makeEntity('url', raw);
    case COL_FILE:
      return makeEntity('file', raw);
    default:
      return makeEntity('user_agent', raw);
  }
}

/** Each column's value and entity on the previous event: a host, a client, an agent run in bursts. */
const lastRaws: string[] = ['', '', '', '', '', '', '', ''];
const lastEntities: (Entity | null)[] = [null, null, null, null, null, null, null, null];

/** The entity of a non-empty column value. */
function columnEntity(cols: ColumnMemo | undefined, slot: number, raw: string): Entity | null {
  // Lengths first: comparing two sliced strings is a runtime call even when the lengths differ.
  const last = lastRaws[slot] as string;
  if (last.length === raw.length && last === raw) return lastEntities[slot] as Entity | null;
  let e: Entity | null;
  let memo: string | undefined;
  if (cols === undefined) e = computeColumn(slot, raw);
  else if ((memo = cols.raws[slot] as string).length === raw.length && memo === raw) e = cols.entities[slot] as Entity | null;
  else {
    e = computeColumn(slot, raw);
    cols.raws[slot] = raw;
    cols.entities[slot] = e;
  }
  lastRaws[slot] = raw;
  lastEntities[slot] = e;
  return e;
}

/** ECS / OTel style keys of `fields` that name an entity. */
const FIELD_TYPES = new Map<string, EntityType>(Object.entries({
  'source.ip': 'ip',
  'destination.ip': 'ip',
  'client.ip': 'ip',
  'server.ip': 'ip',
  'host.ip': 'ip',
  'user.name': 'user',
  'source.user.name': 'user',
  'destination.user.name': 'user',
  'host.name': 'host',
  'host.hostname': 'host',
  'process.name': 'process',
  'file.path': 'file',
  'url.full': 'url',
  'url.original': 'url',
  'url.domain': 'domain',
  'destination.domain': 'domain',
  'dns.question.name': 'domain',
  'user_agent.original': 'user_agent',
  // The auth meaning's source when the log gave a host name (pam's rhost=) or a local caller: an actor too.
  src_host: 'host',
  src_user: 'user',
} satisfies Record<string, EntityType>));

/**
 * All entities of an event, deduplicated, in a stable order (columns, fields, then message).
 * Pass the masker's output for event.message when the caller already has it.
 */
export function extractEntities(
  event: NormalizedEvent,
  masked?: MaskedMessage,
  fromMsg?: readonly Entity[],
  cols?: ColumnMemo,
): Entity[] {
  const set = new EntitySet();
  if (event.src_ip) set.push(columnEntity(cols, COL_SRC_IP, event.src_ip));
  if (event.dst_ip) set.push(columnEntity(cols, COL_DST_IP, event.dst_ip));
  if (event.user) set.push(columnEntity(cols, COL_USER, event.user));
  if (event.host) set.push(columnEntity(cols, COL_HOST, event.host));
  if (event.app) set.push(columnEntity(cols, COL_PROCESS, event.app));
  if (event.path) {
    // An HTTP request path is a URL path; only a non-HTTP event's path names a file.
    set.push(columnEntity(cols, event.method || event.parser === 'access' ? COL_URL : COL_FILE, event.path));
  }
  if (event.user_agent) set.push(columnEntity(cols, COL_USER_AGENT, event.user_agent));
  for (const key in event.fields) {
    // A Map, not an object: a JSON key such as "constructor" must not find Object.prototype.
    const type = FIELD_TYPES.get(key);
    const v = event.fields[key];
    if (!type || typeof v !== 'string') continue;
    if (type === 'ip') set.addIp(v);
    else if (type === 'url') set.addUrl(v);
    else set.add(type, v);
  }
  if (fromMsg !== undefined) {
    for (let k = 0; k < fromMsg.length; k++) set.push(fromMsg[k] as Entity);
  } else {
    fromMessage(set, masked ?? maskMessage(event.message), event.app === null, isHttpEvent(event));
  }
  return set.list;
}

/** Whether the message of `event` is an HTTP request line, whose paths are URLs. */
export function isHttpEvent(event: NormalizedEvent): boolean {
  return event.method !== null || event.parser === 'access';
}

/**
 * The entities a message names on its own, deduplicated, in extraction order: a pure function of
 * the message and the two flags, so callers may keep it per distinct message and hand it to
 * extractEntities (pushing these after the column entities dedupes exactly as extracting them).
 */
export function messageEntities(m: MaskedMessage, wantProcess: boolean, http: boolean): Entity[] {
  const set = new EntitySet();
  fromMessage(set, m, wantProcess, http);
  return set.list;
}

const VERSION_WORDS = new Set(['version', 'ver', 'v', 'release', 'build', 'kernel', 'firmware']);
const USER_KEYS = new Set(['user', 'ruser', 'logname', 'acct', 'username', 'account', 'suser', 'duser', 'uname']);

/** `http`: the message is a request line or access log line, whose paths are URLs, not files. */
function fromMessage(set: EntitySet, m: MaskedMessage, wantProcess: boolean, http: boolean): void {
  const { tokens, masked, values, shapes } = m;
  const n = tokens.length;
  for (let i = 0; i < n; i++) {
    const token = tokens[i] as string;
    const vals = values[i] as readonly string[];
    if (vals.length > 0) fromMaskedValues(set, masked[i] as string, vals, i > 0 ? (tokens[i - 1] as string) : '', http);
    const len = token.length;
    if (len < 2) continue;
    // Users: keyword forms ("for invalid user x", "for root from", "by alice(uid=0)").
    if (len <= 7) {
      const lc0 = token.charCodeAt(0) | 32; // f, o, b, i: for / of / by / from / invalid / illegal
      if (lc0 === 102 || lc0 === 111 || lc0 === 98 || lc0 === 105) userAfterKeyword(set, tokens, i);
    }
    const shape = shapes[i] as number;
    if (shape === 0) continue;
    let eq = -1;
    if (shape & SHAPE_EQUALS) {
      eq = token.indexOf('=');
      if (eq > 0 && eq <= 8 && USER_KEYS.has(token.slice(0, eq).toLowerCase())) set.add('user', trimPunct(token.slice(eq + 1)));
    }
    if (wantProcess && i === 0 && shape & SHAPE_BRACKET) {
      const b = token.indexOf('[');
      if (b > 0 && token.endsWith(']:')) set.add('process', token.slice(0, b));
    }
    // Domains: a dotted name with a known TLD; names with numbers inside were masked piecewise
    // ("lns-82-252-162-81.adsl.proxad.net"), so the original token is read, not the mask.
    if (shape & SHAPE_DOT && hasKnownTld(token)) {
      const core = trimPunct(eq > 0 ? token.slice(eq + 1) : token);
      if (core.length >= 4 && core.indexOf('/') < 0 && core.indexOf('@') < 0) set.add('domain', core);
    }
  }
  // sudo: "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls"
  if (n > 2 && tokens[1] === ':' && (tokens[2] as string).startsWith('TTY=')) set.add('user', tokens[0]);
}

/** Walks the placeholders of a masked token in order, pairing each with its value. */
function fromMaskedValues(set: EntitySet, maskedToken: string, vals: readonly string[], prevToken: string, http: boolean): void {
  let k = 0;
  let at = maskedToken.indexOf('<');
  while (at >= 0 && k < vals.length) {
    const close = maskedToken.indexOf('>', at + 1);
    if (close < 0) return;
    const ph = maskedToken.slice(at, close + 1);
    if (!PLACEHOLDERS.has(ph)) {
      at = maskedToken.indexOf('<', at + 1);
      continue;
    }
    const v = vals[k++] as string;
    if (ph === PLACEHOLDER.ip) {
      if (!VERSION_WORDS.has(prevToken.toLowerCase())) set.addIp(v);
    } else if (ph === PLACEHOLDER.path) {
      if (!http) set.add('file', v);
    }
    else if (ph === PLACEHOLDER.url) set.addUrl(v);
    else if (ph === PLACEHOLDER.email) set.add('user', v);
    at = maskedToken.indexOf('<', close + 1);
  }
}

const PLACEHOLDERS = new Set<string>(Object.values(PLACEHOLDER));

/** Sentence punctuation and brackets around a value: "root,", "(bob)", "'x'". */
function trimPunct(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && '([{<"\''.includes(s[a] as string)) a++;
  while (b > a && ')]}>"\',;:.!?'.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

/** tokens[i] in lower case; only called on short keyword candidates. */
function lower(tokens: string[], i: number): string {
  const t = tokens[i];
  if (t === undefined) return '';
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c >= 65 && c <= 90) return t.toLowerCase();
  }
  return t;
}

function userAfterKeyword(set: EntitySet, tokens: string[], i: number): void {
  const w = lower(tokens, i);
  const next = lower(tokens, i + 1);
  if (w === 'for' || w === 'of' || w === 'by' || w === 'from') {
    // "Connection closed by authenticating user root 1.2.3.4 port 22"
    if (w === 'by' && next === 'authenticating' && lower(tokens, i + 2) === 'user') {
      userToken(set, tokens, i + 3);
      return;
    }
    if (next === 'user' && tokens[i + 2] !== undefined) {
      userToken(set, tokens, i + 2);
      return;
    }
    if (w === 'for' && (next === 'invalid' || next === 'illegal') && lower(tokens, i + 2) === 'user') return;
    // su: "Successful su for root by alice"
    if (w === 'for' && i > 0 && tokens[i - 1] === 'su' && lower(tokens, i + 2) === 'by') {
      userToken(set, tokens, i + 1);
      userToken(set, tokens, i + 3);
      return;
    }
    // "Failed password for root from 1.2.3.4", "Accepted publickey for bob from ..."
    if (w === 'for' && lower(tokens, i + 2) === 'from' && next !== 'user') {
      userToken(set, tokens, i + 1);
      return;
    }
    // "session opened for user root by alice(uid=0)"
    if (w === 'by') {
      const t = tokens[i + 1];
      const p = t?.indexOf('(uid=') ?? -1;
      // "by LOGIN(uid=0)" names the login program, not a user.
      if (t && p > 0 && t.slice(0, p) !== t.slice(0, p).toUpperCase()) set.add('user', t.slice(0, p));
    }
    return;
  }
  if ((w === 'invalid' || w === 'illegal') && next === 'user') userToken(set, tokens, i + 2);
}

/** The user name at tokens[k], unless sshd wrote an empty one ("Invalid user  from 1.2.3.4"). */
function userToken(set: EntitySet, tokens: string[], k: number): void {
  const t = tokens[k];
  if (t === undefined || (t.startsWith('<') && t.endsWith('>'))) return;
  if (t.toLowerCase() === 'from' && tokens[k + 1] !== undefined && isIpLiteral(trimPunct(tokens[k + 1] as string))) return;
  set.add('user', trimPunct(t));
}
