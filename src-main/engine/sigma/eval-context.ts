/**
 * Field slots shared by every compiled rule, and the per-event cache over them: each field is read,
 * stringified and lower-cased at most once per event however many rules look at it, and each
 * field's `contains` literals are found in one Aho-Corasick pass.
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import { AhoCorasick } from './aho-corasick';
import { fieldGroup, resolveField, type Accessor, type FieldValue } from './field-mapping';

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
  /** Where the channel's ids start in the one hits array all channels share. */
  offset: number;
}

/**
 * Channels of one plan whose fields usually read the same value (cs-uri-query, c-uri and
 * c-uri-query all map to the request path): when they do, one scan answers all of them.
 */
export interface ScanCluster {
  channels: number[];
  slots: number[];
  automaton: AhoCorasick;
}

/** The automata one kind of event is scanned with (see FieldCatalog.scanPlan). */
export interface ScanPlan {
  automata: (AhoCorasick | null)[];
  clusters: (ScanCluster | null)[];
  /**
   * The keyword channel (whole event text, case folded) whose automaton also reports, per other
   * channel, "some literal of that channel occurs" (hit id totalIds + channel). A field whose
   * values all lie inside the scanned keyword text cannot contain a literal the text lacks, so
   * when no such report came the field's own scan is skipped: it would find nothing.
   */
  keywordChannel: number;
  shadowed: boolean[];
}

export class FieldCatalog {
  readonly accessors: Accessor[] = [];
  readonly names: (string | null)[] = [];
  /** Per slot: what the field maps to, so slots that read the same column can share a scan. */
  private readonly groups: unknown[] = [];
  /** Length of the shared hits array (sum of every channel's ids). */
  totalIds = 0;
  private readonly bySlotName = new Map<string, number>();
  readonly channels: Channel[] = [];
  private readonly channelIndex = new Map<string, number>();
  private dirty = false;
  /** Bumped whenever slots, channels or literals are added, so contexts know to grow. */
  version = 0;
  /** While compiling one rule: channel -> literal ids its predicates ask about. */
  private tracked: LiteralUse | null = null;
  /** Automata built for plans, by what they contain: plans of similar events share them. */
  private readonly built = new Map<string, AhoCorasick>();

  private automatonOf(key: string, entries: () => { id: number; text: string }[], foldCase: boolean): AhoCorasick {
    const k = `${foldCase ? 1 : 0}|${key}`;
    let a = this.built.get(k);
    if (!a) {
      a = new AhoCorasick(entries(), foldCase);
      this.built.set(k, a);
    }
    return a;
  }

  /** Record every literal the predicates compiled inside `fn` ask about. */
  track<T>(fn: () => T): { result: T; used: LiteralUse } {
    const prev = this.tracked;
    const used: LiteralUse = new Map();
    this.tracked = used;
    try {
      return { result: fn(), used };
    } finally {
      this.tracked = prev;
    }
  }

  private note(channel: number, id: number): void {
    const t = this.tracked;
    if (t === null) return;
    let ids = t.get(channel);
    if (!ids) {
      ids = new Set();
      t.set(channel, ids);
    }
    ids.add(id);
  }

  /** Automaton entries (shared-array ids) for some ids of a channel. */
  private entries(c: number, ids: Iterable<number>): { id: number; text: string }[] {
    const ch = this.channels[c]!;
    const out: { id: number; text: string }[] = [];
    for (const id of ids) {
      if (!ch.ascii[id]) continue;
      const group = ch.groups.get(id);
      if (group) for (const text of group) out.push({ id: ch.offset + id, text });
      else out.push({ id: ch.offset + id, text: ch.literals[id]! });
    }
    return out;
  }

  /**
   * Automata for a subset of rules: per channel, one over only the literals those rules use (a
   * smaller table that stays in cache), answering with the same ids as the channel-wide one, plus
   * merged automata for channels that read the same column. Channels without a channel-wide
   * automaton keep the plain path, so answers do not change.
   */
  scanPlan(uses: Iterable<LiteralUse>): ScanPlan {
    this.prepare();
    const wanted = new Map<number, Set<number>>();
    for (const u of uses)
      for (const [c, ids] of u) {
        let w = wanted.get(c);
        if (!w) {
          w = new Set();
          wanted.set(c, w);
        }
        for (const id of ids) w.add(id);
      }
    const automata = this.channels.map((ch, c): AhoCorasick | null => {
      if (ch.automaton === null) return null;
      const ids = wanted.get(c);
      if (!ids) return ch.automaton;
      const sorted = [...ids].sort((a, b) => a - b);
      const entries = this.entries(c, sorted);
      return entries.length > 0 ? this.automatonOf(`${c}:${sorted.join(',')}`, () => entries, !ch.cased) : ch.automaton;
    });
    const clusters: (ScanCluster | null)[] = this.channels.map(() => null);
    const byGroup = new Map<unknown, Map<boolean, number[]>>();
    for (const c of [...wanted.keys()].sort((a, b) => a - b)) {
      const ch = this.channels[c]!;
      if (ch.automaton === null) continue;
      const g = this.groups[ch.slot];
      let byCase = byGroup.get(g);
      if (!byCase) {
        byCase = new Map();
        byGroup.set(g, byCase);
      }
      const list = byCase.get(ch.cased) ?? [];
      list.push(c);
      byCase.set(ch.cased, list);
    }
    const shadowed = this.channels.map(() => false);
    const kw = this.channelIndex.get(`${this.slot(null)}:0`) ?? -1;
    if (kw >= 0 && automata[kw] && wanted.has(kw)) {
      const kwIds = [...wanted.get(kw)!].sort((a, b) => a - b);
      const entries = this.entries(kw, kwIds);
      const key: string[] = [`${kw}:${kwIds.join(',')}`];
      for (const [c, ids] of [...wanted].sort((a, b) => a[0] - b[0])) {
        if (c === kw || automata[c] === null) continue;
        const sorted = [...ids].sort((a, b) => a - b);
        const own = this.entries(c, sorted);
        if (own.length === 0) continue;
        // Folded (lower-case) copies: a superset of what the field's own scan can find.
        for (const e of own) entries.push({ id: this.totalIds + c, text: e.text.toLowerCase() });
        key.push(`${c}:${sorted.join(',')}`);
        shadowed[c] = true;
      }
      if (shadowed.some(Boolean)) automata[kw] = this.automatonOf(`shadow ${key.join(' ')}`, () => entries, true);
    }
    for (const byCase of byGroup.values())
      for (const [cased, chans] of byCase) {
        if (chans.length < 2) continue;
        const parts = chans.map((c) => [...wanted.get(c)!].sort((a, b) => a - b));
        const entries = chans.flatMap((c, i) => this.entries(c, parts[i]!));
        if (entries.length === 0) continue;
        const key = chans.map((c, i) => `${c}:${parts[i]!.join(',')}`).join(' ');
        const cluster: ScanCluster = { channels: chans, slots: chans.map((c) => this.channels[c]!.slot), automaton: this.automatonOf(`cluster ${key}`, () => entries, !cased) };
        for (const c of chans) clusters[c] = cluster;
      }
    return { automata, clusters, keywordChannel: kw, shadowed };
  }

  slot(name: string | null): number {
    const key = name === null ? '\u0000keywords' : name;
    let s = this.bySlotName.get(key);
    if (s === undefined) {
      s = this.accessors.length;
      this.accessors.push(resolveField(name));
      this.names.push(name);
      this.groups.push(fieldGroup(name));
      this.bySlotName.set(key, s);
      this.version++;
    }
    return s;
  }

  channel(slot: number, cased: boolean): number {
    const key = `${slot}:${cased ? 1 : 0}`;
    let c = this.channelIndex.get(key);
    if (c === undefined) {
      c = this.channels.length;
      this.channels.push({ slot, cased, literals: [], ascii: [], groups: new Map(), ids: new Map(), automaton: null, offset: 0 });
      this.dirty = true;
      this.channelIndex.set(key, c);
      this.version++;
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
      this.version++;
    }
    this.note(channel, id);
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
      this.version++;
    }
    this.note(channel, id);
    return id;
  }

  /** Build automata for channels with enough ASCII literals; called lazily before evaluating. */
  prepare(): void {
    if (!this.dirty) return;
    let offset = 0;
    for (const ch of this.channels) {
      ch.offset = offset;
      offset += ch.literals.length;
    }
    this.totalIds = offset;
    this.built.clear();
    for (const ch of this.channels) {
      const entries = ch.literals.map((text, id) => ({ id: ch.offset + id, text })).filter((l) => AhoCorasick.accepts(l.text));
      for (const [id, texts] of ch.groups) if (ch.ascii[id]) for (const text of texts) entries.push({ id: ch.offset + id, text });
      ch.automaton = entries.length >= AUTOMATON_MIN_LITERALS ? new AhoCorasick(entries, !ch.cased) : null;
    }
    this.dirty = false;
    this.version++;
  }
}

export type LiteralUse = Map<number, Set<number>>;

const EMPTY: readonly string[] = [];

/** Lists; scalars are handled by the caller without allocating. Lists of strings are used as they are. */
function listStrings(v: readonly (string | number | boolean | null)[]): readonly string[] {
  let plain = true;
  for (let i = 0; i < v.length; i++)
    if (typeof v[i] !== 'string') {
      plain = false;
      break;
    }
  if (plain) return v as readonly string[];
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
  /** hits[channel.offset + id] === stamp: the literal was found in this event's field. */
  private hits = new Uint32Array(0);
  /** Per slot: a one-element list reused for scalar values (raw and lower-cased). */
  private rawOne: string[][] = [];
  private lowOne: string[][] = [];
  private automata: (AhoCorasick | null)[] = [];
  private clusters: (ScanCluster | null)[] = [];
  private shadowed: boolean[] = [];
  private keywordChannel = -1;
  /** The keyword texts scanned for this event (for the containment check of shadowed fields). */
  private kwTexts: readonly string[] = EMPTY;
  private kwSkipFirst = false;
  /** Last containment answer, reused when the next field reads the same string. */
  private insideStamp = 0;
  private insideText = '';
  private insideAnswer = false;
  private version = -1;

  constructor(private readonly catalog: FieldCatalog) {}

  /** `plan`: the automata to scan with (see FieldCatalog.scanPlan); the catalog's by default. */
  reset(event: NormalizedEvent, plan?: ScanPlan): void {
    this.event = event;
    if (plan) {
      this.automata = plan.automata;
      this.clusters = plan.clusters;
      this.shadowed = plan.shadowed;
      this.keywordChannel = plan.keywordChannel;
    } else {
      this.catalog.prepare();
      this.automata = this.catalog.channels.map((ch) => ch.automaton);
      this.clusters = [];
      this.shadowed = [];
      this.keywordChannel = -1;
    }
    if (this.version !== this.catalog.version) this.grow();
    this.stamp++;
    if (this.stamp === 0xffffffff) this.clearStamps();
  }

  private grow(): void {
    this.version = this.catalog.version;
    const n = this.catalog.accessors.length;
    while (this.rawOne.length < n) {
      this.rawOne.push(['']);
      this.lowOne.push(['']);
    }
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
    // Room for the per-channel shadow reports after the literal ids.
    const total = this.catalog.totalIds + chans.length;
    if (this.hits.length < total) {
      // Offsets move when literals are added, so old hits mean nothing: start over.
      this.hits = new Uint32Array(Math.max(total, this.hits.length * 2));
      this.scanStamp.fill(0);
    }
  }

  private clearStamps(): void {
    this.valStamp.fill(0);
    this.rawStamp.fill(0);
    this.lowStamp.fill(0);
    this.scanStamp.fill(0);
    this.hits.fill(0);
    this.insideStamp = 0;
    this.stamp = 1;
  }

  value(slot: number): FieldValue {
    if (this.valStamp[slot] !== this.stamp) {
      this.vals[slot] = this.catalog.accessors[slot]!(this.event);
      this.valStamp[slot] = this.stamp;
    }
    return this.vals[slot];
  }

  /** The field's values as strings. Valid until the next reset; callers must not keep or change it. */
  strings(slot: number): readonly string[] {
    // Slots may be added mid-event (correlation lookups of fields no rule names).
    if (slot >= this.rawOne.length) this.grow();
    if (this.rawStamp[slot] !== this.stamp) {
      const v = this.value(slot);
      let out: readonly string[];
      if (v === undefined || v === null) out = EMPTY;
      else if (typeof v === 'object') out = listStrings(v);
      else {
        const one = this.rawOne[slot]!;
        one[0] = typeof v === 'string' ? v : String(v);
        out = one;
      }
      this.raws[slot] = out;
      this.rawStamp[slot] = this.stamp;
    }
    return this.raws[slot]!;
  }

  lowered(slot: number): readonly string[] {
    if (slot >= this.rawOne.length) this.grow();
    if (this.lowStamp[slot] !== this.stamp) {
      const raw = this.strings(slot);
      let out: readonly string[];
      if (raw.length === 0) out = EMPTY;
      else if (raw.length === 1) {
        const one = this.lowOne[slot]!;
        one[0] = raw[0]!.toLowerCase();
        out = one;
      } else out = raw.map((s) => s.toLowerCase());
      this.lows[slot] = out;
      this.lowStamp[slot] = this.stamp;
    }
    return this.lows[slot]!;
  }

  /** Does any value of the channel's field contain literal (or any literal of group) `id`? */
  contains(channel: number, id: number, lits: readonly string[]): boolean {
    const stamp = this.stamp;
    const ch = this.catalog.channels[channel]!;
    const automaton = this.automata[channel] ?? null;
    if (automaton !== null && ch.ascii[id]) {
      if (this.scanStamp[channel] !== stamp) this.scan(channel, ch.slot, automaton);
      return this.hits[ch.offset + id] === stamp;
    }
    const texts = ch.cased ? this.strings(ch.slot) : this.lowered(ch.slot);
    for (const t of texts) for (const lit of lits) if (t.includes(lit)) return true;
    return false;
  }

  private scan(channel: number, slot: number, automaton: AhoCorasick): void {
    const stamp = this.stamp;
    if (this.shadowed[channel] === true && this.shadowSaysNone(channel, slot)) {
      this.scanStamp[channel] = stamp;
      return;
    }
    const cluster = this.clusters[channel] ?? null;
    if (cluster !== null && this.sameValues(cluster.slots)) {
      this.scanTexts(cluster.automaton, this.strings(slot));
      const chans = cluster.channels;
      for (let i = 0; i < chans.length; i++) this.scanStamp[chans[i]!] = stamp;
      return;
    }
    this.scanTexts(automaton, this.strings(slot));
    this.scanStamp[channel] = stamp;
  }

  /** True when the keyword scan proves the field contains none of its channel's literals. */
  private shadowSaysNone(channel: number, slot: number): boolean {
    const kw = this.keywordChannel;
    const stamp = this.stamp;
    if (this.scanStamp[kw] !== stamp) {
      const kwCh = this.catalog.channels[kw]!;
      this.scan(kw, kwCh.slot, this.automata[kw]!);
    }
    if (this.hits[this.catalog.totalIds + channel] === stamp) return false;
    const texts = this.strings(slot);
    for (let i = 0; i < texts.length; i++) if (!this.insideKeywordText(texts[i]!)) return false;
    return true;
  }

  private insideKeywordText(s: string): boolean {
    if (this.insideStamp === this.stamp && this.insideText === s) return this.insideAnswer;
    const kw = this.kwTexts;
    let inside = false;
    for (let i = this.kwSkipFirst ? 1 : 0; i < kw.length && !inside; i++) inside = kw[i]!.includes(s);
    this.insideStamp = this.stamp;
    this.insideText = s;
    this.insideAnswer = inside;
    return inside;
  }

  /** The automaton folds case itself, so the original strings are scanned (no lower-casing). */
  private scanTexts(automaton: AhoCorasick, texts: readonly string[]): void {
    const hits = this.hits;
    const stamp = this.stamp;
    // Keyword text is often [message, raw line] with the message inside the line: one scan does.
    const skipFirst = texts.length === 2 && texts[1]!.includes(texts[0]!);
    if (automaton === this.automata[this.keywordChannel]) {
      this.kwTexts = texts;
      this.kwSkipFirst = skipFirst;
    }
    for (let i = skipFirst ? 1 : 0; i < texts.length; i++) automaton.scan(texts[i]!, hits, stamp);
  }

  private sameValues(slots: readonly number[]): boolean {
    const a = this.strings(slots[0]!);
    for (let k = 1; k < slots.length; k++) {
      const b = this.strings(slots[k]!);
      if (a === b) continue;
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    }
    return true;
  }
}
