/**
 * Raw column values to the canonical entities of the extractor (same canonical forms, same UUIDv5),
 * memoised per type: a graph vertex and a row of `entities` are then the same entity, and a
 * million events cost a million map lookups, not a million canonicalisations.
 */
import { isIpLiteral } from '../parse/entities-canonical';
import { entityOf, type EntityType } from '../parse/entities';

export interface GraphEntity {
  readonly type: EntityType;
  readonly value: string;
  readonly id: string;
  /** The graph's vertex for this entity, remembered by the graph that owns the resolver. */
  vertex?: unknown;
}

const RAW_MEMO_LIMIT = 500_000;

/** "Listening on 0.0.0.0" names no peer; neither does the unspecified IPv6 address. */
const UNSPECIFIED = new Set(['0.0.0.0', '0000:0000:0000:0000:0000:0000:0000:0000']);

/**
 * The extractor's own canonical entities (entityOf, memoised there), each wrapped once in a
 * mutable GraphEntity so the graph can hang its vertex on it.
 */
export class EntityResolver {
  private readonly byId = new Map<string, GraphEntity | null>();
  /**
   * Raw value to entity, per type: the hot path is one lookup. The graph holds a vertex for
   * every entity anyway, so this grows no faster than the graph (and is emptied past a cap).
   */
  private readonly byRaw: Record<EntityType, Map<string, GraphEntity | null>> = {
    ip: new Map(),
    user: new Map(),
    host: new Map(),
    process: new Map(),
    file: new Map(),
    domain: new Map(),
    url: new Map(),
    user_agent: new Map(),
  };

  /** The entity of a raw value of `type`, or null when it is not a valid entity. */
  resolve(type: EntityType, raw: string): GraphEntity | null {
    const memo = this.byRaw[type];
    let g = memo.get(raw);
    if (g === undefined) {
      g = this.lookup(type, raw);
      if (memo.size >= RAW_MEMO_LIMIT) memo.clear();
      memo.set(raw, g);
    }
    return g;
  }

  private lookup(type: EntityType, raw: string): GraphEntity | null {
    const e = entityOf(type, raw);
    if (e === null) return null;
    let g = this.byId.get(e.id);
    if (g === undefined) {
      g = e.value.length === 0 || (type === 'ip' && UNSPECIFIED.has(e.value)) ? null : { type: e.type, value: e.value, id: e.id };
      this.byId.set(e.id, g);
    }
    return g;
  }

  /** A host column: an IP literal there is an ip entity, as the extractor reads it. */
  hostOrIp(raw: string): GraphEntity | null {
    return isIpLiteral(raw) ? this.resolve('ip', raw) : this.resolve('host', raw);
  }
}
