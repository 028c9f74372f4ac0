/**
 * Field slots shared by every compiled rule, and the per-event cache over them: each field is read,
 * stringified and lower-cased at most once per event however many rules look at it, and each
 * field's `contains` literals are found in one Aho-Corasick pass.
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import { AhoCorasick } from './aho-corasick';
import { resolveField, type Accessor, type FieldValue } from './field-mapping';

/** Below this many literals per field, plain indexOf beats building and running an automaton. */
const AUTOMATON_MIN_LITERALS = 4;

interface Channel {
  slot: number;
  cased: boolean;
  /** Texts by id; a group id has no text of its own (''). */
  literals: string[];
  /** Whether id i can be answered by the automaton (ASCII literal, or group of ASCII literals). */
  ascii: boolean[];
  /** Group id -> member texts: "does the field contain any of these" in one lookup. */
  groups: Map<number, string[]>;
  ids: Map<string, number>;
  automaton: AhoCorasick | null;
}

export class FieldCatalog {
  readonly accessors: Accessor[] = [];
  readonly names: (string | null)[] = [];
  private readonly bySlotName = new Map<string, number>();
  readonly channels: Channel[] = [];
  private readonly channelIndex = new Map<string, number>();
  private dirty = false;

  slot(name: string | null): number {
    const key = name === null ? '\u0000keywords' : name;
    let s = this.bySlotName.get(key);
    if (s === undefined) {
      s = this.accessors.length;
      this.accessors.push(resolveField(name));
      this.names.push(name);
      this.bySlotName.set(key, s);
    }
    return s;
  }

  channel(slot: number, cased: boolean): number {
    const key = `${slot}:${cased ? 1 : 0}`;
    let c = this.channelIndex.get(key);
    if (c === undefined) {
      c = this.channels.length;
      this.channels.push({ slot, cased, literals: [], ascii: [], groups: new Map(), ids: new Map(), automaton: null });
      this.channelIndex.set(key, c);
    }
    return c;
  }

  /** Register a literal that `contains` checks will ask about; returns its id in the channel. */
  literal(channel: number, text: string): number {
    const ch = this.channels[channel]!;
    let id = ch.ids.get(text);
    if (id === undefined) {
      id = ch.literals.length;
      ch.literals.push(text);
      ch.ascii.push(AhoCorasick.accepts(text));
      ch.ids.set(text, id);
      this.dirty = true;
    }
    return id;
  }

  /** Register an OR-group of literals; returns one id that is hit when any member is found. */
  literalGroup(channel: number, texts: string[]): number {
    const ch = this.channels[channel]!;
    const key = `\u0000group\u0000${texts.join('\u0000')}`;
    let id = ch.ids.get(key);
    if (id === undefined) {
      id = ch.literals.length;
      ch.literals.push('');
      ch.ascii.push(texts.every((t) => AhoCorasick.accepts(t)));
      ch.groups.set(id, texts);
      ch.ids.set(key, id);
      this.dirty = true;
    }
    return id;
  }

  /** Build automata for channels with enough ASCII literals; called lazily before evaluating. */
  prepare(): void {
    if (!this.dirty) return;
    for (const ch of this.channels) {
      const entries = ch.literals.map((text, id) => ({ id, text })).filter((l) => AhoCorasick.accepts(l.text));
      for (const [id, texts] of ch.groups) if (ch.ascii[id]) for (const text of texts) entries.push({ id, text });
      ch.automaton = entries.length >= AUTOMATON_MIN_LITERALS ? new AhoCorasick(entries, !ch.cased) : null;
    }
    this.dirty = false;
  }
}

const EMPTY: readonly string[] = [];

function toStrings(v: FieldValue): readonly string[] {
  if (v === undefined || v === null) return EMPTY;
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  const out: string[] = [];
  for (const x of v) if (x !== null) out.push(typeof x === 'string' ? x : String(x));
  return out;
}

export class EvalContext {
  event!: NormalizedEvent;
  private stamp = 0;
  private valStamp = new Uint32Array(0);
  private vals: FieldValue[] = [];
  private rawStamp = new Uint32Array(0);
  private raws: (readonly string[])[] = [];
  private lowStamp = new Uint32Array(0);
  private lows: (readonly string[])[] = [];
  private scanStamp = new Uint32Array(0);
  private hits: Uint32Array[] = [];

  constructor(private readonly catalog: FieldCatalog) {}

  reset(event: NormalizedEvent): void {
    this.event = event;
    const n = this.catalog.accessors.length;
    if (this.valStamp.length < n) {
      const grow = (a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
        const b = new Uint32Array(Math.max(n, a.length * 2));
        b.set(a);
        return b;
      };
      this.valStamp = grow(this.valStamp);
      this.rawStamp = grow(this.rawStamp);
      this.lowStamp = grow(this.lowStamp);
    }
    const chans = this.catalog.channels;
    if (this.scanStamp.length < chans.length) {
      const b = new Uint32Array(Math.max(chans.length, this.scanStamp.length * 2));
      b.set(this.scanStamp);
      this.scanStamp = b;
    }
    for (let c = 0; c < chans.length; c++) {
      const need = chans[c]!.literals.length;
      if ((this.hits[c]?.length ?? -1) < need) {
        const b = new Uint32Array(Math.max(need, 8));
        if (this.hits[c]) b.set(this.hits[c]!);
        this.hits[c] = b;
      }
    }
    this.stamp++;
    if (this.stamp === 0xffffffff) this.clearStamps();
  }

  private clearStamps(): void {
    this.valStamp.fill(0);
    this.rawStamp.fill(0);
    this.lowStamp.fill(0);
    this.scanStamp.fill(0);
    for (const h of this.hits) h.fill(0);
    this.stamp = 1;
  }

  value(slot: number): FieldValue {
    if (this.valStamp[slot] !== this.stamp) {
      this.vals[slot] = this.catalog.accessors[slot]!(this.event);
      this.valStamp[slot] = this.stamp;
    }
    return this.vals[slot];
  }

  strings(slot: number): readonly string[] {
    if (this.rawStamp[slot] !== this.stamp) {
      this.raws[slot] = toStrings(this.value(slot));
      this.rawStamp[slot] = this.stamp;
    }
    return this.raws[slot]!;
  }

  lowered(slot: number): readonly string[] {
    if (this.lowStamp[slot] !== this.stamp) {
      const raw = this.strings(slot);
      this.lows[slot] = raw.length === 1 ? [raw[0]!.toLowerCase()] : raw.map((s) => s.toLowerCase());
      this.lowStamp[slot] = this.stamp;
    }
    return this.lows[slot]!;
  }

  /** Does any value of the channel's field contain literal (or any literal of group) `id`? */
  contains(channel: number, id: number, lits: readonly string[]): boolean {
    const stamp = this.stamp;
    const ch = this.catalog.channels[channel]!;
    if (ch.automaton !== null && ch.ascii[id]) {
      if (this.scanStamp[channel] !== stamp) {
        // The automaton folds case itself, so the original strings are scanned (no lower-casing).
        const texts = this.strings(ch.slot);
        const hits = this.hits[channel]!;
        for (let i = 0; i < texts.length; i++) ch.automaton.scan(texts[i]!, hits, stamp);
        this.scanStamp[channel] = stamp;
      }
      return this.hits[channel]![id] === stamp;
    }
    const texts = ch.cased ? this.strings(ch.slot) : this.lowered(ch.slot);
    for (const t of texts) for (const lit of lits) if (t.includes(lit)) return true;
    return false;
  }
}
