/**
 * A dense ASCII Aho-Corasick automaton. Hundreds of `contains` literals from many rules are checked
 * against one event field in a single pass, instead of one indexOf per literal.
 */

const ALPHABET = 128;

export class AhoCorasick {
  /** next[state * width + charClass]; classes keep the table small enough to stay in cache. */
  private readonly next: Int32Array;
  private readonly shift: number;
  /** ASCII code -> class; 0 is "in no literal", which always leads back to the root. */
  private readonly classOf: Uint8Array;
  /** 1 when reaching the state reports ids. */
  private readonly terminal: Uint8Array;
  /** Ids reported on reaching state s: outList[outStart[s] .. outStart[s + 1]). */
  private readonly outStart: Int32Array;
  private readonly outList: Int32Array;

  /** Only ASCII literals are accepted; the caller keeps the others on a slower path. */
  static accepts(literal: string): boolean {
    if (literal.length === 0) return false;
    for (let i = 0; i < literal.length; i++) if (literal.charCodeAt(i) >= ALPHABET) return false;
    return true;
  }

  /**
   * Several entries may share a text (a literal and the groups it belongs to). With `foldCase`,
   * literals must be lower-case and A-Z in the text map to the a-z classes, so the caller can
   * scan the original string without lower-casing it first.
   */
  constructor(literals: { id: number; text: string }[], foldCase = false) {
    const classOf = new Uint8Array(ALPHABET);
    let width = 1;
    for (const { text } of literals)
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (classOf[c] === 0) classOf[c] = width++;
      }
    if (foldCase) for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32]!;
    // A power-of-two row width lets the scan index with a shift instead of a multiply.
    const used = width;
    let shift = 0;
    while (1 << shift < used) shift++;
    width = 1 << shift;
    const gotoRows: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    for (const { id, text } of literals) {
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        const k = classOf[text.charCodeAt(i)]!;
        let n = gotoRows[s]!.get(k);
        if (n === undefined) {
          n = gotoRows.length;
          gotoRows.push(new Map());
          own.push([]);
          gotoRows[s]!.set(k, n);
        }
        s = n;
      }
      own[s]!.push(id);
    }
    const count = gotoRows.length;
    const next = new Int32Array(count * width);
    const fail = new Int32Array(count);
    const outs: number[][] = own.map((o) => o.slice());
    const queue: number[] = [];
    for (let k = 1; k < used; k++) {
      const n = gotoRows[0]!.get(k);
      if (n !== undefined) {
        next[k] = n;
        queue.push(n);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = fail[s]!;
      for (const o of outs[f]!) outs[s]!.push(o);
      for (let k = 1; k < used; k++) {
        const n = gotoRows[s]!.get(k);
        if (n !== undefined) {
          fail[n] = next[f * width + k]!;
          next[s * width + k] = n;
          queue.push(n);
        } else next[s * width + k] = next[f * width + k]!;
      }
    }
    this.next = next;
    this.shift = shift;
    this.classOf = classOf;
    const uniq = outs.map((o) => [...new Set(o)]);
    this.terminal = Uint8Array.from(uniq.map((o) => (o.length > 0 ? 1 : 0)));
    this.outStart = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) this.outStart[i + 1] = this.outStart[i]! + uniq[i]!.length;
    this.outList = Int32Array.from(uniq.flat());
  }

  /** Marks every literal found in `text` by writing `stamp` into `hits[id]`. */
  scan(text: string, hits: Uint32Array, stamp: number): void {
    const next = this.next;
    const shift = this.shift;
    const classOf = this.classOf;
    const terminal = this.terminal;
    const outStart = this.outStart;
    const outList = this.outList;
    const n = text.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // Non-ASCII characters appear in no literal, so they send us back to the root.
      s = c < ALPHABET ? next[(s << shift) | classOf[c]!]! : 0;
      if (terminal[s] === 1) {
        for (let k = outStart[s]!, end = outStart[s + 1]!; k < end; k++) hits[outList[k]!] = stamp;
      }
    }
  }
}
