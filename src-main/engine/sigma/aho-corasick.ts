/**
 * A dense ASCII Aho-Corasick automaton. Hundreds of `contains` literals from many rules are checked
 * against one event field in a single pass, instead of one indexOf per literal.
 */

const ALPHABET = 128;

export class AhoCorasick {
  /**
   * next[state * width + charClass]; classes keep the table small enough to stay in cache, and
   * automata under 65536 states use 16-bit entries (half the cache footprint).
   */
  private readonly next16: Uint16Array | null;
  private readonly next32: Int32Array | null;
  private readonly shift: number;
  /** ASCII code -> class; 0 is "in no literal", which always leads back to the root. */
  private readonly classOf: Uint8Array;
  /** States from this number on report ids. */
  private readonly firstTerminal: number;
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
    // Renumber so that states reporting ids come last: the scan tests `s >= firstTerminal`
    // instead of loading a flag per character. The root stays 0 (it reports nothing).
    const uniq = outs.map((o) => [...new Set(o)]);
    const order: number[] = [];
    for (let i = 0; i < count; i++) if (uniq[i]!.length === 0) order.push(i);
    const firstTerminal = order.length;
    for (let i = 0; i < count; i++) if (uniq[i]!.length > 0) order.push(i);
    const renum = new Int32Array(count);
    order.forEach((old, i) => (renum[old] = i));
    const table = count <= 0xffff ? new Uint16Array(count * width) : new Int32Array(count * width);
    for (let i = 0; i < count; i++) {
      const from = order[i]! * width;
      const to = i * width;
      for (let k = 0; k < width; k++) table[to + k] = renum[next[from + k]!]!;
    }
    if (table instanceof Uint16Array) {
      this.next16 = table;
      this.next32 = null;
    } else {
      this.next16 = null;
      this.next32 = table;
    }
    this.shift = shift;
    this.classOf = classOf;
    this.firstTerminal = firstTerminal;
    this.outStart = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) this.outStart[i + 1] = this.outStart[i]! + uniq[order[i]!]!.length;
    this.outList = Int32Array.from(order.flatMap((old) => uniq[old]!));
  }

  /** Marks every literal found in `text` by writing `stamp` into `hits[id]`. */
  scan(text: string, hits: Uint32Array, stamp: number): void {
    if (this.next16 !== null) this.scan16(this.next16, text, hits, stamp);
    else this.scan32(this.next32!, text, hits, stamp);
  }

  /** Two copies of the loop so each stays monomorphic in its table's element type. */
  private scan16(next: Uint16Array, text: string, hits: Uint32Array, stamp: number): void {
    const shift = this.shift;
    const classOf = this.classOf;
    const firstTerminal = this.firstTerminal;
    const outStart = this.outStart;
    const outList = this.outList;
    const n = text.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      s = c < ALPHABET ? next[(s << shift) | classOf[c]!]! : 0;
      if (s >= firstTerminal) {
        for (let k = outStart[s]!, end = outStart[s + 1]!; k < end; k++) hits[outList[k]!] = stamp;
      }
    }
  }

  private scan32(next: Int32Array, text: string, hits: Uint32Array, stamp: number): void {
    const shift = this.shift;
    const classOf = this.classOf;
    const firstTerminal = this.firstTerminal;
    const outStart = this.outStart;
    const outList = this.outList;
    const n = text.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // Non-ASCII characters appear in no literal, so they send us back to the root.
      s = c < ALPHABET ? next[(s << shift) | classOf[c]!]! : 0;
      if (s >= firstTerminal) {
        for (let k = outStart[s]!, end = outStart[s + 1]!; k < end; k++) hits[outList[k]!] = stamp;
      }
    }
  }
}
