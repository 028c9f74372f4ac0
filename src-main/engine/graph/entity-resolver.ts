/**
 * Raw column values to the canonical entities of the extractor (same canonical forms, same UUIDv5),
 * memoised per type: a graph vertex and a row of `entities` are then the same entity, and a
 * million events cost a million map lookups, not a million canonicalisations.
 */
import {
  canonicalDomain,
  canonicalFile,
  canonicalHost,
  canonicalIp,
  canonicalProcess,
  canonicalUrl,
  canonicalUser,
  canonicalUserAgent,
  isIpLiteral,
} from '../parse/entities-canonical';
import { entityId, type EntityType } from '../parse/entities';

export interface GraphEntity {
  readonly type: EntityType;
  readonly value: string;
  readonly id: string;
  /** The graph's vertex for this entity, remembered by the graph that owns the resolver. */
  vertex?: unknown;
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

/** "Listening on 0.0.0.0" names no peer; neither does the unspecified IPv6 address. */
const UNSPECIFIED = new Set(['0.0.0.0', '0000:0000:0000:0000:0000:0000:0000:0000']);

const MEMO_LIMIT = 100_000;

interface TypeMemo {
  map: Map<string, GraphEntity | null>;
  /** Consecutive events often repeat a value (one host, one client in a burst). */
  lastRaw: string;
  last: GraphEntity | null;
}

export class EntityResolver {
  private readonly memos: Record<EntityType, TypeMemo> = {
    ip: memo(),
    user: memo(),
    host: memo(),
    process: memo(),
    file: memo(),
    domain: memo(),
    url: memo(),
    user_agent: memo(),
  };

  /** The entity of a raw value of `type`, or null when it is not a valid entity. */
  resolve(type: EntityType, raw: string): GraphEntity | null {
    const m = this.memos[type];
    if (raw === m.lastRaw) return m.last;
    let e = m.map.get(raw);
    if (e === undefined) {
      e = compute(type, raw);
      if (m.map.size >= MEMO_LIMIT) m.map.clear();
      m.map.set(raw, e);
    }
    m.lastRaw = raw;
    m.last = e;
    return e;
  }

  /** A host column: an IP literal there is an ip entity, as the extractor reads it. */
  hostOrIp(raw: string): GraphEntity | null {
    return isIpLiteral(raw) ? this.resolve('ip', raw) : this.resolve('host', raw);
  }
}

function memo(): TypeMemo {
  // No raw value is the empty string (callers skip empty columns), so it stands for "none yet".
  return { map: new Map(), lastRaw: '', last: null };
}

function compute(type: EntityType, raw: string): GraphEntity | null {
  let value: string | null;
  if (type === 'url') value = canonicalUrl(raw)?.url ?? null;
  else value = CANONICAL[type](raw);
  if (value === null || value.length === 0) return null;
  if (type === 'ip' && UNSPECIFIED.has(value)) return null;
  return { type, value, id: entityId(type, value) };
}
