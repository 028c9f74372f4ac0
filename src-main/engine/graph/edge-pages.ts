/**
 * How the case stores the graph's edges: pages of PAGE_EDGES fixed-size records, one row of
 * graph_edge_pages each, numbered by edge number >> PAGE_SHIFT. An edge keeps its number for life,
 * so a flush rewrites only the pages whose edges changed; a full rewrite of a million edges is
 * about 50 MB of blob, a fraction of a second, where a row per edge took seconds.
 *
 * A stored record is RECORD_BYTES little-endian bytes: src, dst, type code (graph_edge_types.id)
 * and count as 32-bit integers, then first seen, last seen (NaN for none), first event and last
 * event as doubles. In memory (model.ts) a record is EDGE_STRIDE doubles in the same order.
 */
export const EDGE_STRIDE = 8;
export const PAGE_SHIFT = 12;
export const PAGE_EDGES = 1 << PAGE_SHIFT;
const INTS = 4;
const RECORD_BYTES = INTS * 4 + (EDGE_STRIDE - INTS) * 8;
/** A stored record in 32-bit and in 64-bit slots. */
const I32_PER_RECORD = RECORD_BYTES / 4;
const F64_PER_RECORD = RECORD_BYTES / 8;
const TYPE_SLOT = 2;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Records from..to of `rec` (in-memory layout) as a page, with each type number replaced by `code(type)`. */
export function encodePage(rec: Float64Array, from: number, to: number, code: (type: number) => number): Buffer {
  const n = to - from;
  const buf = new ArrayBuffer(n * RECORD_BYTES);
  const ints = new Int32Array(buf);
  const doubles = new Float64Array(buf);
  for (let k = 0; k < n; k++) {
    const o = (from + k) * EDGE_STRIDE;
    const i = k * I32_PER_RECORD;
    const d = k * F64_PER_RECORD + INTS / 2;
    ints[i] = rec[o] as number;
    ints[i + 1] = rec[o + 1] as number;
    ints[i + TYPE_SLOT] = code(rec[o + TYPE_SLOT] as number);
    ints[i + 3] = rec[o + 3] as number;
    doubles[d] = rec[o + 4] as number;
    doubles[d + 1] = rec[o + 5] as number;
    doubles[d + 2] = rec[o + 6] as number;
    doubles[d + 3] = rec[o + 7] as number;
  }
  if (!littleEndian) swapRecords(new Uint8Array(buf), n);
  return Buffer.from(buf);
}

/** A page's records in the in-memory layout, or null when the blob is not `edges` records long. */
export function decodePage(data: Buffer, edges: number): Float64Array | null {
  if (!Buffer.isBuffer(data) || !(edges >= 0) || data.length !== edges * RECORD_BYTES) return null;
  // Copy out: the blob's memory belongs to the row and need not be 8-byte aligned.
  const bytes = new Uint8Array(edges * RECORD_BYTES);
  bytes.set(data);
  if (!littleEndian) swapRecords(bytes, edges);
  const ints = new Int32Array(bytes.buffer);
  const doubles = new Float64Array(bytes.buffer);
  const out = new Float64Array(edges * EDGE_STRIDE);
  for (let k = 0; k < edges; k++) {
    const o = k * EDGE_STRIDE;
    const i = k * I32_PER_RECORD;
    const d = k * F64_PER_RECORD + INTS / 2;
    out[o] = ints[i] as number;
    out[o + 1] = ints[i + 1] as number;
    out[o + 2] = ints[i + 2] as number;
    out[o + 3] = ints[i + 3] as number;
    out[o + 4] = doubles[d] as number;
    out[o + 5] = doubles[d + 1] as number;
    out[o + 6] = doubles[d + 2] as number;
    out[o + 7] = doubles[d + 3] as number;
  }
  return out;
}

/** Big-endian hosts: turn each field of `n` records around (the stored form is little-endian). */
function swapRecords(b: Uint8Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const at = k * RECORD_BYTES;
    for (let f = 0; f < INTS; f++) b.subarray(at + f * 4, at + f * 4 + 4).reverse();
    for (let f = 0; f < EDGE_STRIDE - INTS; f++) b.subarray(at + INTS * 4 + f * 8, at + INTS * 4 + f * 8 + 8).reverse();
  }
}
