/**
 * The last lines of a member handed to a parser, kept to warm a new one. A parser's memory of its
 * source (which sshd process came from which address, which attempt a line repeats, the year of
 * yearless stamps) is built line by line; an import that resumes at a checkpoint, or moves from
 * the normalizing thread to the engine thread mid-member, starts a new parser, and without the
 * lines before its first one it would give the next lines other fields than an import that ran
 * through. The parser's memories reach back minutes (auth/ledger.ts: five for a process), so a few
 * thousand lines before the new start rebuild them; they are parsed and thrown away (no template,
 * no entity, nothing stored).
 */
export const WARM_LINES = 5_000;

export class RecentLines {
  private readonly ring: string[] = [];
  private next = 0;

  constructor(private readonly cap = WARM_LINES) {}

  push(line: string): void {
    if (this.ring.length < this.cap) this.ring.push(line);
    else this.ring[this.next] = line;
    this.next = (this.next + 1) % this.cap;
  }

  pushAll(lines: readonly string[]): void {
    for (let i = Math.max(0, lines.length - this.cap); i < lines.length; i++) this.push(lines[i]!);
  }

  /** Oldest first. */
  lines(): string[] {
    return this.ring.length < this.cap ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  get size(): number {
    return this.ring.length;
  }
}
