/**
 * Which events an entity or a template occurs in, stored as posting lists: one row per key and
 * written batch, holding the batch's event ids for that key as delta varints.
 *
 * A row per (entity, event) was two or three B-tree inserts for every imported line, a quarter of
 * the import's storage time; a row per (key, batch) is a few thousand per 10,000 lines. Readers
 * decode the lists here and hand SQLite the ids they need.
 */
import type { Database, Statement } from 'better-sqlite3';

export type PostingTable = 'entity_events' | 'template_events';

/** Encode ascending ids as varints of their gaps, the first one relative to `first`. */
export function encodeIds(ids: ArrayLike<number>, first: number): Buffer {
  const out = Buffer.allocUnsafe(ids.length * 5);
  let at = 0;
  let prev = first;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    let d = id - prev;
    if (d < 0) throw new RangeError('posting ids must ascend');
    prev = id;
    while (d >= 0x80) {
      out[at++] = (d & 0x7f) | 0x80;
      d = Math.floor(d / 128);
    }
    out[at++] = d;
  }
  return out.subarray(0, at);
}

/** Append the ids of one posting row to `out`. A truncated varint at the end is dropped. */
export function decodeIds(blob: Uint8Array, first: number, out: number[]): void {
  let prev = first;
  let i = 0;
  while (i < blob.length) {
    let d = 0;
    let scale = 1;
    let b: number;
    do {
      if (i >= blob.length) return;
      b = blob[i++]!;
      d += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    prev += d;
    out.push(prev);
  }
}

/** SQL creating a posting table keyed by `keyType` (an entity's rowid, a template's id). */
export function postingTableSql(table: PostingTable, keyType: 'INTEGER' | 'TEXT'): string {
  return `CREATE TABLE ${table} (
    key   ${keyType} NOT NULL,
    first INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    n     INTEGER NOT NULL,
    ids   BLOB NOT NULL,
    PRIMARY KEY (key, first)
  ) STRICT, WITHOUT ROWID;`;
}

/** Reads and edits the posting lists of one table. */
export class Postings {
  private readonly put: Statement;
  private readonly all: Statement;
  private readonly range: Statement;

  constructor(
    private readonly db: Database,
    readonly table: PostingTable,
  ) {
    this.put = db.prepare(`INSERT OR REPLACE INTO ${table} (key, first, last, n, ids) VALUES (?, ?, ?, ?, ?)`);
    this.all = db.prepare(`SELECT first, ids FROM ${table} WHERE key = ? ORDER BY first`).raw();
    this.range = db.prepare(`SELECT first, ids FROM ${table} WHERE key = ? AND first <= ? AND last >= ? ORDER BY first`).raw();
  }

  /** Store ascending `ids` under `key`: one row, whatever the batch size. */
  add(key: number | string, ids: ArrayLike<number>): void {
    if (ids.length === 0) return;
    const first = ids[0]!;
    this.put.run(key, first, ids[ids.length - 1]!, ids.length, encodeIds(ids, first));
  }

  /** Every event id under `key`, ascending. */
  ids(key: number | string): number[] {
    const out: number[] = [];
    for (const [first, blob] of this.all.iterate(key) as IterableIterator<[number, Buffer]>) decodeIds(blob, first, out);
    return out;
  }

  /** How many events under `key` have an id in [from, to]. */
  countBetween(key: number | string, from: number, to: number): number {
    const out: number[] = [];
    for (const [first, blob] of this.range.iterate(key, to, from) as IterableIterator<[number, Buffer]>) decodeIds(blob, first, out);
    let n = 0;
    for (const id of out) if (id >= from && id <= to) n++;
    return n;
  }

  /**
   * Take `removed` event ids (all above `after`) out of every list; returns how many each key
   * lost. Rows left empty are deleted, others rewritten.
   */
  remove(after: number, removed: ReadonlySet<number>): Map<number | string, number> {
    const lost = new Map<number | string, number>();
    if (removed.size === 0) return lost;
    const rows = this.db.prepare(`SELECT key, first, ids FROM ${this.table} WHERE last > ?`).raw().all(after) as [
      number | string,
      number,
      Buffer,
    ][];
    const del = this.db.prepare(`DELETE FROM ${this.table} WHERE key = ? AND first = ?`);
    for (const [key, first, blob] of rows) {
      const ids: number[] = [];
      decodeIds(blob, first, ids);
      const kept = ids.filter((id) => !removed.has(id));
      if (kept.length === ids.length) continue;
      lost.set(key, (lost.get(key) ?? 0) + ids.length - kept.length);
      del.run(key, first);
      this.add(key, kept);
    }
    return lost;
  }
}
