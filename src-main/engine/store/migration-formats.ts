/**
 * The on-disk formats migrations write, as they were when each migration shipped. A migration
 * must write the same bytes for ever, so it never imports the live code that reads and writes
 * these formats today (which may change, with a migration of its own).
 */

/** Migration 12's posting lists: delta varints of ascending event ids from `first`. */
export function encodePostingIds(ids: ArrayLike<number>, first: number): Buffer {
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

/** Migration 12's posting table: a row per key and written batch. */
export function postingTableSql(table: 'entity_events' | 'template_events', keyType: 'INTEGER' | 'TEXT'): string {
  return `CREATE TABLE ${table} (
    key   ${keyType} NOT NULL,
    first INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    n     INTEGER NOT NULL,
    ids   BLOB NOT NULL,
    PRIMARY KEY (key, first)
  ) STRICT, WITHOUT ROWID;`;
}

/** Migration 11's graph edge pages: 4,096 records of src, dst, type, count (int32) and first, last, first event, last event (float64). */
export const EDGE_STRIDE = 8;
export const PAGE_EDGES = 4096;
const INTS = 4;
const RECORD_BYTES = INTS * 4 + (EDGE_STRIDE - INTS) * 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Records from..to of `rec` (EDGE_STRIDE numbers each) as a page, each type replaced by `code(type)`. */
export function encodeEdgePage(rec: Float64Array, from: number, to: number, code: (type: number) => number): Buffer {
  const n = to - from;
  const buf = new ArrayBuffer(n * RECORD_BYTES);
  const ints = new Int32Array(buf);
  const doubles = new Float64Array(buf);
  for (let k = 0; k < n; k++) {
    const o = (from + k) * EDGE_STRIDE;
    const i = (k * RECORD_BYTES) / 4;
    const d = (k * RECORD_BYTES) / 8 + INTS / 2;
    ints[i] = rec[o]!;
    ints[i + 1] = rec[o + 1]!;
    ints[i + 2] = code(rec[o + 2]!);
    ints[i + 3] = rec[o + 3]!;
    for (let f = 0; f < EDGE_STRIDE - INTS; f++) doubles[d + f] = rec[o + INTS + f]!;
  }
  if (!LITTLE_ENDIAN) {
    const b = new Uint8Array(buf);
    for (let k = 0; k < n; k++) {
      const at = k * RECORD_BYTES;
      for (let f = 0; f < INTS; f++) b.subarray(at + f * 4, at + f * 4 + 4).reverse();
      for (let f = 0; f < EDGE_STRIDE - INTS; f++) b.subarray(at + INTS * 4 + f * 8, at + INTS * 4 + f * 8 + 8).reverse();
    }
  }
  return Buffer.from(buf);
}

/** Migration 17's text spans: start · SPAN_SCALE + length, in characters of `raw`. */
const SPAN_BITS = 26;
export const SPAN_SCALE = 2 ** SPAN_BITS;

/** Migration 17's generated text over `raw` and a span column. */
export function spanSql(spanColumn: string): string {
  return `substr(raw, (${spanColumn} >> ${SPAN_BITS}) + 1, ${spanColumn} & ${SPAN_SCALE - 1})`;
}
