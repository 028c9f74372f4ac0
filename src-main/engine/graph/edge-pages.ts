/**
 * How the case stores the graph's edges: pages of PAGE_EDGES fixed-size records, one row of
 * graph_edge_pages each, numbered by edge number >> PAGE_SHIFT. An edge keeps its number for life,
 * so a flush rewrites only the pages whose edges changed; a full rewrite of a million edges is
 * about 70 MB of blob, a fraction of a second, where a row per edge took seconds.
 *
 * A record is EDGE_STRIDE little-endian doubles: src, dst, type code (graph_edge_types.id), count,
 * first seen, last seen (NaN for none), first event, last event.
 */
export const EDGE_STRIDE = 8;
export const PAGE_SHIFT = 12;
export const PAGE_EDGES = 1 << PAGE_SHIFT;
const TYPE_SLOT = 2;
const RECORD_BYTES = EDGE_STRIDE * 8;

const littleEndian = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Records from..to of `rec` as a page, with each type number replaced by `code(type)`. */
export function encodePage(rec: Float64Array, from: number, to: number, code: (type: number) => number): Buffer {
  const out = rec.slice(from * EDGE_STRIDE, to * EDGE_STRIDE);
  for (let o = TYPE_SLOT; o < out.length; o += EDGE_STRIDE) out[o] = code(out[o] as number);
  if (!littleEndian) swapEach8(out);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** A page's records, or null when the blob is not `edges` records long. */
export function decodePage(data: Buffer, edges: number): Float64Array | null {
  if (!Buffer.isBuffer(data) || data.length !== edges * RECORD_BYTES) return null;
  // Copy out: the blob's memory belongs to the row and need not be 8-byte aligned.
  const out = new Float64Array(edges * EDGE_STRIDE);
  new Uint8Array(out.buffer).set(data);
  if (!littleEndian) swapEach8(out);
  return out;
}

function swapEach8(a: Float64Array): void {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (let i = 0; i < b.length; i += 8) b.subarray(i, i + 8).reverse();
}
