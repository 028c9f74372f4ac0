import type { AnomalyDetector } from './detector';

/**
 * First-order Markov chain over template ids, followed per primary entity.
 *
 * Transition counts are pooled over all entities of the source type while each entity keeps
 * only its previous template: per-entity matrices would call every new IP's first steps a
 * surprise and grow without bound. An entity's first event is scored as a transition out of a
 * START state, so "which template opens a conversation" is learned too.
 *
 * P(next | prev) = (c(prev, next) + a) / (c(prev) + a·(V + 1)), additive smoothing with V the
 * vocabulary seen so far and one extra slot for templates never seen.
 *
 * The score is not -ln P but -ln of the transition's p-value: the probability, from the same
 * state, of a transition at most as likely as this one (the unseen slots included). -ln P
 * calls a 1-in-20 step from a state with twenty ordinary successors a surprise, and such steps
 * happen every minute somewhere; the p-value is uniform under the model, so its -ln is Exp(1)
 * and a bucket's transitions can be combined (Fisher) into one calibrated number.
 * Transitions with P ≥ `commonLevel` score 0 without the row scan: their p-value is at least P.
 *
 * Bounded state: vocabulary (templates past the cap share one "other" symbol), entities
 * (least recently active dropped first), transitions (all counts halved when the table is full,
 * which also lets the chain forget old habits).
 */
export interface MarkovConfig {
  smoothing: number;
  maxTemplates: number;
  maxEntities: number;
  maxTransitions: number;
  /** Transitions to learn before scoring: an empty chain finds everything surprising. */
  warmupTransitions: number;
  commonLevel: number;
}

export const DEFAULT_MARKOV: MarkovConfig = {
  smoothing: 0.1,
  maxTemplates: 4096,
  maxEntities: 50_000,
  maxTransitions: 200_000,
  warmupTransitions: 500,
  commonLevel: 0.25,
};

export interface MarkovStep {
  entity: string | null;
  template: string;
}

export interface MarkovState {
  vocabulary: string[];
  /** [prev symbol, next symbol, count]; symbol 0 is START, 1 is "other". */
  transitions: [number, number, number][];
  entities: [string, [number, number]][];
  learned: number;
}

const START = 0;
const OTHER = 1;
const FIRST_TEMPLATE = 2;
/** Rows this long switch from a linear scan to a Map index. */
const INDEX_AT = 24;

/** Outgoing transitions of one state: parallel arrays, scanned linearly while short. */
class Row {
  nexts: number[] = [];
  counts: number[] = [];
  total = 0;
  index: Map<number, number> | null = null;

  slotOf(next: number): number {
    if (this.index !== null) return this.index.get(next) ?? -1;
    const n = this.nexts;
    for (let i = 0; i < n.length; i++) if (n[i] === next) return i;
    return -1;
  }

  add(next: number, count: number): void {
    const slot = this.slotOf(next);
    this.total += count;
    if (slot >= 0) {
      this.counts[slot]! += count;
      return;
    }
    this.nexts.push(next);
    this.counts.push(count);
    if (this.index !== null) this.index.set(next, this.nexts.length - 1);
    else if (this.nexts.length > INDEX_AT) this.reindex();
  }

  reindex(): void {
    if (this.nexts.length <= INDEX_AT) {
      this.index = null;
      return;
    }
    this.index = new Map();
    for (let i = 0; i < this.nexts.length; i++) this.index.set(this.nexts[i]!, i);
  }
}

export class MarkovChains implements AnomalyDetector<MarkovStep, MarkovState> {
  private symbols = new Map<string, number>();
  private vocabulary: string[] = [];
  private rows: (Row | undefined)[] = [];
  private transitionCount = 0;
  /** Per entity: [last symbol, step number of its last event] (the step orders eviction). */
  private last = new Map<string, [number, number]>();
  private learned = 0;

  constructor(private readonly config: MarkovConfig = DEFAULT_MARKOV) {}

  get warm(): boolean {
    return this.learned >= this.config.warmupTransitions;
  }

  private symbolOf(template: string, assign: boolean): number {
    const s = this.symbols.get(template);
    if (s !== undefined) return s;
    if (!assign || this.vocabulary.length >= this.config.maxTemplates) return assign ? OTHER : -1;
    const id = FIRST_TEMPLATE + this.vocabulary.length;
    this.vocabulary.push(template);
    this.symbols.set(template, id);
    return id;
  }

  private probabilityOf(prev: number, next: number): number {
    const a = this.config.smoothing;
    const row = this.rows[prev];
    const slot = row === undefined || next < 0 ? -1 : row.slotOf(next);
    const c = slot < 0 ? 0 : row!.counts[slot]!;
    return (c + a) / ((row?.total ?? 0) + a * (this.vocabulary.length + 1));
  }

  /**
   * -ln p-value of prev → next (next < 0: a template never seen). Sums are of integer counts
   * and slot numbers, so the result does not depend on the order of the row.
   */
  private surprise(prev: number, next: number): number {
    const a = this.config.smoothing;
    const row = this.rows[prev];
    const slots = this.vocabulary.length + 1;
    if (row === undefined) return 0;
    const denominator = row.total + a * slots;
    const slot = next < 0 ? -1 : row.slotOf(next);
    const c = slot < 0 ? 0 : row.counts[slot]!;
    if ((c + a) / denominator >= this.config.commonLevel) return 0;
    const emptySlots = Math.max(0, slots - row.nexts.length);
    let countSum = 0;
    let slotSum = emptySlots;
    if (slot >= 0) {
      const counts = row.counts;
      for (let i = 0; i < counts.length; i++) {
        const ci = counts[i]!;
        if (ci <= c) {
          countSum += ci;
          slotSum++;
        }
      }
    }
    const p = (countSum + a * slotSum) / denominator;
    return p >= 1 ? 0 : -Math.log(p);
  }

  score(x: MarkovStep): number | null {
    if (x.entity === null || !this.warm) return null;
    return this.surprise(this.last.get(x.entity)?.[0] ?? START, this.symbolOf(x.template, false));
  }

  learn(x: MarkovStep): void {
    if (x.entity === null) return;
    this.step(x.entity, x.template, false);
  }

  /** Same as score(x) then learn(x), with one lookup of the entity. */
  scoreAndLearn(entity: string | null, template: string): number | null {
    if (entity === null) return null;
    return this.step(entity, template, this.warm);
  }

  private step(entity: string, template: string, scoring: boolean): number | null {
    const prev = this.last.get(entity);
    const from = prev === undefined ? START : prev[0];
    const known = this.symbols.get(template);
    const s = scoring ? this.surprise(from, known ?? -1) : null;
    const next = known ?? this.symbolOf(template, true);
    let row = this.rows[from];
    if (row === undefined) {
      row = new Row();
      this.rows[from] = row;
    }
    const before = row.nexts.length;
    row.add(next, 1);
    this.transitionCount += row.nexts.length - before;
    this.learned++;
    // Updated in place (one Map lookup per event); least recently active entities go in bulk.
    if (prev === undefined) {
      this.last.set(entity, [next, this.learned]);
      if (this.last.size > this.config.maxEntities) this.evictEntities();
    } else {
      prev[0] = next;
      prev[1] = this.learned;
    }
    if (this.transitionCount > this.config.maxTransitions) this.halve();
    return s;
  }

  private evictEntities(): void {
    const keep = Math.floor(this.config.maxEntities * 0.9);
    const byAge = [...this.last].sort((a, b) => a[1][1] - b[1][1]);
    for (let i = 0; i < byAge.length - keep; i++) this.last.delete(byAge[i]![0]);
  }

  private halve(): void {
    this.transitionCount = 0;
    for (const row of this.rows) {
      if (row === undefined) continue;
      const nexts: number[] = [];
      const counts: number[] = [];
      let total = 0;
      for (let i = 0; i < row.nexts.length; i++) {
        const h = Math.floor(row.counts[i]! / 2);
        if (h === 0) continue;
        nexts.push(row.nexts[i]!);
        counts.push(h);
        total += h;
      }
      row.nexts = nexts;
      row.counts = counts;
      row.total = total;
      row.reindex();
      this.transitionCount += nexts.length;
    }
  }

  /** For tests and explanations: P(next | prev) with prev = null meaning START. */
  probability(prev: string | null, next: string): number {
    const from = prev === null ? START : (this.symbols.get(prev) ?? OTHER);
    return this.probabilityOf(from, this.symbols.get(next) ?? -1);
  }

  /** For tests and explanations: the p-value of prev → next, as scored. */
  pValue(prev: string | null, next: string): number {
    const from = prev === null ? START : (this.symbols.get(prev) ?? OTHER);
    return Math.exp(-this.surprise(from, this.symbols.get(next) ?? -1));
  }

  state(): MarkovState {
    const transitions: [number, number, number][] = [];
    this.rows.forEach((row, prev) => {
      if (row === undefined) return;
      for (let i = 0; i < row.nexts.length; i++) transitions.push([prev, row.nexts[i]!, row.counts[i]!]);
    });
    return { vocabulary: [...this.vocabulary], transitions, entities: [...this.last].map(([k, v]) => [k, [v[0], v[1]]]), learned: this.learned };
  }

  restore(s: MarkovState): void {
    this.vocabulary = [...s.vocabulary];
    this.symbols = new Map(s.vocabulary.map((t, i) => [t, FIRST_TEMPLATE + i]));
    this.rows = [];
    this.transitionCount = 0;
    for (const [prev, next, count] of s.transitions) {
      let row = this.rows[prev];
      if (row === undefined) {
        row = new Row();
        this.rows[prev] = row;
      }
      row.add(next, count);
      this.transitionCount++;
    }
    this.last = new Map(s.entities.map(([k, v]) => [k, [v[0], v[1]]]));
    this.learned = s.learned;
  }
}
