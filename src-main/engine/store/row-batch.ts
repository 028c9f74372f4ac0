/**
 * Event rows packed to cross from the normalizing thread to the engine thread cheaply: numbers in
 * one Float64Array, strings as codes into one dictionary per batch (a host, an app, a user repeats
 * on thousands of lines but crosses once), and the raw line not at all when it is the line the
 * engine sent. Copying a batch as arrays of values cost the engine thread more than storing it.
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import type { EntityType } from '../parse/entities';
import { encodeParams, messageColumns, sqlSpan, sqlSpansFit } from './text-spans';

/** Values of an event's row after import_id, source_id and line_no. */
export const ROW_WIDTH = 29;

/** Write the event's ROW_WIDTH row values into `out` from `at`, in the insert's column order. */
export function eventValues(ev: NormalizedEvent, out: unknown[], at: number): void {
  const ls = ev.logsource;
  const raw = ev.raw;
  // Texts that are pieces of the raw line are stored as where they are in it (text-spans.ts).
  // The row keeps the texts too, for the events made from it: a slice of the line would keep the
  // whole line alive wherever a path or an agent is remembered (sessions, path rarity).
  // EventWriter drops the texts a span stands for as it stores the row.
  const [message, messageAt, messageLen] = messageColumns(raw, ev.message);
  const fits = (ev.path !== null || ev.user_agent !== null) && sqlSpansFit(raw);
  out[at] = ev.ts;
  out[at + 1] = raw;
  out[at + 2] = ev.host;
  out[at + 3] = ev.app;
  out[at + 4] = ev.pid;
  out[at + 5] = ev.severity;
  out[at + 6] = messageLen === null ? message : ev.message;
  out[at + 7] = messageAt;
  out[at + 8] = ev.template_id;
  out[at + 9] = ev.params.length ? JSON.stringify(ev.params) : null;
  out[at + 10] = ls.product;
  out[at + 11] = ls.service;
  out[at + 12] = ls.category;
  out[at + 13] = ev.src_ip;
  out[at + 14] = ev.dst_ip;
  out[at + 15] = ev.user;
  out[at + 16] = ev.method;
  out[at + 17] = ev.path;
  out[at + 18] = ev.status;
  out[at + 19] = ev.bytes;
  out[at + 20] = ev.user_agent;
  out[at + 21] = ev.outcome;
  out[at + 22] = ev.action;
  out[at + 23] = hasKeys(ev.fields) ? JSON.stringify(ev.fields) : null;
  out[at + 24] = ev.parser;
  out[at + 25] = messageLen;
  out[at + 26] = sqlSpan(raw, ev.path, fits);
  out[at + 27] = sqlSpan(raw, ev.user_agent, fits);
  out[at + 28] = encodeParams(raw, ev.params);
}

/**
 * The row as stored, in place: texts a span stands for are dropped, and the parameters are stored
 * with their spans. `at` as for eventValues; the stored row is its first STORED_WIDTH values.
 */
export function toStoredRow(row: unknown[], at: number): void {
  if (row[at + 25] !== null) row[at + 6] = null;
  if (row[at + 26] !== null) row[at + 17] = null;
  if (row[at + 27] !== null) row[at + 20] = null;
  if (row[at + 28] !== null) row[at + 9] = row[at + 28];
}

/** Values of a stored row after import_id, source_id and line_no (the spanned parameters are bound as `params`). */
export const STORED_WIDTH = ROW_WIDTH - 1;

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** Row columns (eventValues order) that hold numbers; the rest hold strings. Both may be null. */
const NUMERIC: readonly number[] = [0, 4, 5, 7, 18, 19, 25, 26, 27];
const IS_NUMERIC: readonly boolean[] = Array.from({ length: ROW_WIDTH }, (_, k) => NUMERIC.includes(k));
const STRINGS = ROW_WIDTH - NUMERIC.length;
/** The raw line's column, and its code when it is the input line itself. */
const RAW = 1;
const NULL = -1;
const INPUT_LINE = -2;
/** Columns whose values rarely repeat (message, params, fields, spanned params): kept out of the dictionary. */
const UNIQUE: readonly boolean[] = Array.from({ length: ROW_WIDTH }, (_, k) => k === 1 || k === 6 || k === 9 || k === 23 || k === 28);
/** Codes below this point into `once`: code = ONCE - index. */
const ONCE = -3;

export interface PackedRows {
  n: number;
  /** NUMERIC.length per row; NaN is null. */
  nums: Float64Array;
  /** STRINGS per row: an index into `dict`, NULL, INPUT_LINE, or ONCE - an index into `once`. */
  codes: Int32Array;
  dict: string[];
  once: string[];
}

/** Builds one batch's PackedRows row by row (normalizing thread). */
export class RowPacker {
  private readonly nums: Float64Array;
  private readonly codes: Int32Array;
  private readonly dict: string[] = [];
  private readonly once: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly last: unknown[] = new Array(ROW_WIDTH).fill(undefined);
  private readonly lastCode = new Int32Array(ROW_WIDTH);
  private n = 0;

  constructor(capacity: number) {
    this.nums = new Float64Array(capacity * NUMERIC.length);
    this.codes = new Int32Array(capacity * STRINGS);
  }

  /** Add a row of ROW_WIDTH values; `line` is the input line the engine already has. */
  add(row: readonly unknown[], line: string): void {
    let ni = this.n * NUMERIC.length;
    let si = this.n * STRINGS;
    for (let k = 0; k < ROW_WIDTH; k++) {
      const v = row[k];
      if (IS_NUMERIC[k]) {
        this.nums[ni++] = v === null || v === undefined ? NaN : (v as number);
      } else if (v === null || v === undefined) {
        this.codes[si++] = NULL;
      } else if (k === RAW && v === line) {
        this.codes[si++] = INPUT_LINE;
      } else if (UNIQUE[k]) {
        this.codes[si++] = ONCE - this.once.length;
        this.once.push(v as string);
      } else if (v === this.last[k]) {
        // Most columns repeat the line before's value (a host, a service, an outcome).
        this.codes[si++] = this.lastCode[k]!;
      } else {
        const s = v as string;
        let code = this.index.get(s);
        if (code === undefined) {
          code = this.dict.length;
          this.dict.push(s);
          this.index.set(s, code);
        }
        this.last[k] = s;
        this.lastCode[k] = code;
        this.codes[si++] = code;
      }
    }
    this.n++;
  }

  /** The batch; its typed arrays can be transferred. */
  finish(): PackedRows {
    return {
      n: this.n,
      nums: this.nums.subarray(0, this.n * NUMERIC.length),
      codes: this.codes.subarray(0, this.n * STRINGS),
      dict: this.dict,
      once: this.once,
    };
  }
}

/** Write row `i`'s ROW_WIDTH values into `out` from `at` (engine thread). */
export function unpackRow(rows: PackedRows, i: number, line: string, out: unknown[], at: number): void {
  let ni = i * NUMERIC.length;
  let si = i * STRINGS;
  const { nums, codes, dict, once } = rows;
  for (let k = 0; k < ROW_WIDTH; k++) {
    if (IS_NUMERIC[k]) {
      const v = nums[ni++]!;
      out[at + k] = Number.isNaN(v) ? null : v;
    } else {
      const c = codes[si++]!;
      out[at + k] = c >= 0 ? dict[c] : c === INPUT_LINE ? line : c === NULL ? null : once[ONCE - c];
    }
  }
}

/** A batch's entities, each once, with the lines (indices into the batch) it occurs in. */
export interface PackedEntities {
  ids: string[];
  types: EntityType[];
  values: string[];
  /** Earliest and latest event time among its lines; NaN when none has one. */
  first: Float64Array;
  last: Float64Array;
  /** Entity k's lines are at[ends[k - 1] .. ends[k]). */
  ends: Int32Array;
  at: Int32Array;
}

/** Collects a batch's entities line by line (normalizing thread). */
export class EntityPacker {
  private readonly byId = new Map<string, { k: number; lines: number[] }>();
  private readonly ids: string[] = [];
  private readonly types: EntityType[] = [];
  private readonly values: string[] = [];
  private readonly first: number[] = [];
  private readonly last: number[] = [];

  add(line: number, id: string, type: EntityType, value: string, ts: number | null): void {
    let e = this.byId.get(id);
    if (!e) {
      e = { k: this.ids.length, lines: [] };
      this.byId.set(id, e);
      this.ids.push(id);
      this.types.push(type);
      this.values.push(value);
      this.first.push(NaN);
      this.last.push(NaN);
    }
    if (e.lines[e.lines.length - 1] === line) return;
    e.lines.push(line);
    if (ts !== null) {
      if (!(ts >= this.first[e.k]!)) this.first[e.k] = ts;
      if (!(ts <= this.last[e.k]!)) this.last[e.k] = ts;
    }
  }

  finish(): PackedEntities {
    let total = 0;
    for (const e of this.byId.values()) total += e.lines.length;
    const ends = new Int32Array(this.ids.length);
    const at = new Int32Array(total);
    let n = 0;
    let k = 0;
    for (const e of this.byId.values()) {
      for (const l of e.lines) at[n++] = l;
      ends[k++] = n;
    }
    return {
      ids: this.ids,
      types: this.types,
      values: this.values,
      first: Float64Array.from(this.first),
      last: Float64Array.from(this.last),
      ends,
      at,
    };
  }
}

/** Events normalized on the engine thread, packed as the normalizing thread would have (for a worker). */
export function packEvents(events: readonly NormalizedEvent[], lines: readonly string[]): PackedRows {
  const packer = new RowPacker(events.length);
  const row: unknown[] = new Array(ROW_WIDTH);
  for (let i = 0; i < events.length; i++) {
    eventValues(events[i]!, row, 0);
    packer.add(row, lines[i]!);
  }
  return packer.finish();
}
