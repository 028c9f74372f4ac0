/**
 * One attempt, several lines. Programs log one authentication attempt more than once: sshd's
 * "Failed password" and pam_unix's "authentication failure" for the same try (Debian, Red Hat's
 * secure), "Invalid user x" before the first "Failed password for invalid user x", sudo's pam line
 * and its "3 incorrect password attempts" summary, Dovecot's auth and login processes. The ledger
 * pairs such lines by the attempt, not by the program: lines of different statements (`reporter`)
 * about the same host, source, account and result within seconds, or within one process's
 * lifetime, are one attempt; a second line of the same statement is a new attempt. The first line
 * of an attempt carries it (`auth_attempts` >= 1), its twins carry 0.
 *
 * It also remembers, per process (host, program, pid), what a later line of that process leaves
 * out: the address (old sshd's "Disconnecting: Too many authentication failures for root"), the
 * account ("Invalid user x" before pam's user-less line), that the account does not exist
 * ("check pass; user unknown"), and which address a host name in pam's `rhost=` stands for when
 * sshd named both. Nothing is resolved: only what the log itself said.
 *
 * One ledger per source (it lives in the ParseContext): lines of one attempt are written to one
 * file, next to each other.
 */
import { AUTH_FIELDS, type AuthService, type NormalizedEvent, type Outcome, setAuth } from '../../../../../src-shared/event';

/** What a parser read from one line that reports authentication attempts. */
export interface AttemptLine {
  service: AuthService;
  /** The statement that reported it ('sshd', 'pam', 'invalid', 'close', 'sudo', ...). */
  reporter: string;
  result: Outcome;
  /** Attempts the line reports: more than one for a summary ("PAM 5 more authentication failures"). */
  count?: number;
  method?: string | null;
  accountExists?: boolean | null;
  /** The program's lines come from several processes (Dovecot's auth and login): pair by source, not pid. */
  anyProcess?: boolean;
}

/** What a line tells about its process without being an attempt itself. */
export interface ProcessNote {
  ip?: string;
  name?: string;
  /** The account the process is for, and whether it exists. */
  target?: string;
  unknownAccount?: boolean;
}

/** Lines of one process (an sshd connection, one sudo run) report one attempt up to this far apart: sshd's LoginGraceTime is 2 minutes. */
const PROCESS_MS = 5 * 60_000;
/** Lines of different processes (Dovecot's auth and login processes) report one attempt within this. */
const NEARBY_MS = 15_000;
/** A refused basic-auth request makes the next accepted one from the same client and account a success after failures, within this. */
const BASIC_RETRY_MS = 10 * 60_000;
const MAX_SLOTS = 100_000;
const MAX_PROCESSES = 20_000;
const MAX_ALIASES = 20_000;
/** Distinct sources and accounts whose one copy the slots share. */
const MAX_NAMES = 20_000;
/** Programs that write their own line for every try their PAM stack fails (sshd's "Failed password", vsftpd's FAIL LOGIN). */
const OWN_LINE_PROGRAMS: ReadonlySet<string> = new Set(['sshd', 'sshd-session', 'sshd-auth', 'vsftpd', 'login']);

interface Slot {
  seq: number;
  ts: number;
  app: string;
  pid: number | null;
  source: string | null;
  target: string | null;
  result: Outcome;
  reporters: string[];
  /** The index lists it is in (its process's, its source's). */
  lists: SlotList[];
  alive: boolean;
  /** Attempts reported by a line that left the counting to a later line of its process (owed). */
  owed: number;
}

/** The slots of one process or source key, oldest first; the slots point at it, so they hold no key of their own. */
interface SlotList {
  key: string;
  slots: Slot[];
}

interface Process {
  ts: number;
  ip: string | null;
  name: string | null;
  target: string | null;
  unknownAccount: boolean;
}

export class AuthLedger {
  private readonly queue: Slot[] = [];
  private head = 0;
  private seq = 0;
  private readonly index = new Map<string, SlotList>();
  /**
   * One copy of each source and account the slots name. A slot outlives its line by minutes and a
   * flood fills all MAX_SLOTS of them: a value cut out of its line would keep the whole line alive.
   */
  private readonly names = new Map<string, string>();
  private readonly processes = new Map<string, Process>();
  /** `host\0name` -> the address sshd logged for that name. */
  private readonly aliases = new Map<string, string>();
  private readonly refusedBasic = new Map<string, number>();
  /** Programs whose own attempt lines (not only PAM's) this source has shown. */
  private readonly ownLines = new Set<string>();
  private now = -Infinity;

  /** Remember what a line tells about its process (no attempt). */
  note(ev: NormalizedEvent, n: ProcessNote): void {
    const p = this.process(ev, true);
    if (p === undefined) return;
    if (n.ip !== undefined) p.ip = n.ip;
    if (n.name !== undefined) p.name = n.name;
    if (n.target !== undefined) p.target = n.target;
    if (n.unknownAccount) p.unknownAccount = true;
    if (p.ip !== null && p.name !== null) this.alias(ev.host, p.name, p.ip);
  }

  /** Whether the process of `ev` logged its source earlier (a session line names none). */
  knowsSource(ev: NormalizedEvent): boolean {
    if (ev.src_ip !== null) return true;
    const p = this.process(ev, false);
    return p !== undefined && (p.ip !== null || p.name !== null);
  }

  /**
   * Whether a session for `ev.user` can be the end of what this process tried: it tried that
   * account, or named none. A process id used again later for another connection (or a log
   * generator's random pids) must not hand its address to someone else's session.
   */
  triedAccount(ev: NormalizedEvent): boolean {
    const p = this.process(ev, false);
    return p === undefined || p.target === null || ev.user === null || p.target === ev.user;
  }

  /** Mark `ev` as the attempt(s) `line` reports, completed from its process, counting only what no earlier line reported. */
  record(ev: NormalizedEvent, line: AttemptLine): void {
    const ts = ev.ts ?? this.now;
    if (ts > this.now) this.advance(ts);
    const p = this.process(ev, true);
    this.completeSource(ev, p);
    let exists = line.accountExists ?? null;
    if (p !== undefined) {
      if (ev.user === null && p.target !== null) ev.user = p.target;
      if (exists === null && p.unknownAccount && (p.target === null || p.target === ev.user) && line.result !== 'success') exists = false;
      if (ev.user !== null && p.target === null) p.target = ev.user;
    }
    const count = Math.max(1, line.count ?? 1);
    const app = ev.app ?? '';
    if (line.reporter !== 'pam' && line.reporter !== 'session') this.ownLines.add(app);
    // pam's rhost= may be a host name where the program's own line, a moment later, gives the
    // address (sshd with UseDNS): leave the counting to that line, so the attempt is the address's.
    const defer =
      line.reporter === 'pam' &&
      ev.pid !== null &&
      ev.src_ip === null &&
      typeof ev.fields[AUTH_FIELDS.sourceHost] === 'string' &&
      (this.ownLines.has(app) || OWN_LINE_PROGRAMS.has(app));
    const fresh = this.pair(ev, ts, line, count, defer);
    setAuth(ev, { service: line.service, result: line.result, attempts: fresh, method: line.method ?? null, accountExists: exists });
  }

  /** A basic-auth refusal (401 naming an account): the next accepted request for it is a success after failures. */
  refusedBasicAuth(ip: string, user: string, ts: number): void {
    if (this.refusedBasic.size >= MAX_PROCESSES) this.refusedBasic.clear();
    this.refusedBasic.set(`${ip}\u0000${user}`, ts);
  }

  hasRefusedBasicAuth(): boolean {
    return this.refusedBasic.size > 0;
  }

  /** Whether a basic-auth request from `ip` for `user` was refused shortly before `ts` (and forget it). */
  takeRefusedBasicAuth(ip: string, user: string, ts: number): boolean {
    const key = `${ip}\u0000${user}`;
    const at = this.refusedBasic.get(key);
    if (at === undefined) return false;
    this.refusedBasic.delete(key);
    return ts - at <= BASIC_RETRY_MS;
  }

  private process(ev: NormalizedEvent, create: boolean): Process | undefined {
    if (ev.pid === null || ev.app === null) return undefined;
    const key = `${ev.host ?? ''}\u0000${ev.app}\u0000${ev.pid}`;
    const ts = ev.ts ?? this.now;
    let p = this.processes.get(key);
    if (p !== undefined && ts - p.ts > PROCESS_MS) {
      // A pid reused long after: a different process.
      this.processes.delete(key);
      p = undefined;
    }
    if (p === undefined) {
      if (!create) return undefined;
      if (this.processes.size >= MAX_PROCESSES) this.sweepProcesses(ts);
      p = { ts, ip: null, name: null, target: null, unknownAccount: false };
      this.processes.set(key, p);
    } else if (ts > p.ts) p.ts = ts;
    return p;
  }

  private completeSource(ev: NormalizedEvent, p: Process | undefined): void {
    const f = ev.fields;
    const name = typeof f[AUTH_FIELDS.sourceHost] === 'string' ? (f[AUTH_FIELDS.sourceHost] as string) : null;
    if (ev.src_ip === null) {
      if (name !== null) {
        const ip = p?.ip ?? this.aliases.get(`${ev.host ?? ''}\u0000${name}`) ?? null;
        if (ip !== null) ev.src_ip = ip;
      } else if (typeof f[AUTH_FIELDS.sourceUser] !== 'string' && f[AUTH_FIELDS.console] !== true && p !== undefined) {
        if (p.ip !== null) ev.src_ip = p.ip;
        else if (p.name !== null) f[AUTH_FIELDS.sourceHost] = p.name;
      }
    }
    if (p !== undefined) {
      if (ev.src_ip !== null) p.ip = ev.src_ip;
      if (name !== null) p.name = name;
    }
    if (ev.src_ip !== null && name !== null) this.alias(ev.host, name, ev.src_ip);
  }

  private alias(host: string | null, name: string, ip: string): void {
    if (this.aliases.size >= MAX_ALIASES) this.aliases.clear();
    this.aliases.set(`${host ?? ''}\u0000${name}`, ip);
  }

  /** How many of the line's `count` attempts no earlier line reported; the rest pair with earlier lines. */
  private pair(ev: NormalizedEvent, ts: number, line: AttemptLine, count: number, defer: boolean): number {
    const app = ev.app ?? '';
    const source = sourceKey(ev);
    const host = ev.host ?? '';
    const pid = line.anyProcess ? null : ev.pid;
    const procKey =
      pid !== null ? `p\u0000${host}\u0000${app}\u0000${pid}` : source !== null ? `q\u0000${host}\u0000${app}\u0000${source}` : null;
    const srcKey = source !== null ? `s\u0000${host}\u0000${source}` : null;
    let matched = 0;
    let takenOver = 0;
    const candidates = this.candidates(procKey, srcKey);
    for (const s of candidates) {
      if (matched >= count) break;
      if (!this.matches(s, ev, ts, line, app, pid, source)) continue;
      s.reporters.push(line.reporter);
      if (s.target === null && ev.user !== null) s.target = ev.user;
      if (s.owed > 0 && !defer) {
        // The attempt its first line left to this one.
        s.owed--;
        takenOver++;
      }
      matched++;
    }
    const fresh = count - matched;
    if (procKey === null && srcKey === null) return fresh;
    for (let k = 0; k < fresh; k++) this.addSlot(ts, app, pid, ev, source, line, procKey, srcKey, defer);
    return defer ? takenOver : fresh + takenOver;
  }

  private candidates(a: string | null, b: string | null): Slot[] {
    const la = a !== null ? this.index.get(a)?.slots : undefined;
    const lb = b !== null ? this.index.get(b)?.slots : undefined;
    if (lb === undefined) return la ?? [];
    if (la === undefined) return lb;
    const out = [...la];
    for (const s of lb) if (!la.includes(s)) out.push(s);
    return out.sort((x, y) => x.seq - y.seq);
  }

  private matches(
    s: Slot,
    ev: NormalizedEvent,
    ts: number,
    line: AttemptLine,
    app: string,
    pid: number | null,
    source: string | null,
  ): boolean {
    if (!s.alive || s.result !== line.result || s.reporters.includes(line.reporter)) return false;
    if (s.target !== null && ev.user !== null && s.target !== ev.user) return false;
    const gap = Math.abs(ts - s.ts);
    const sameApp = s.app === app;
    if (sameApp && s.pid !== null && pid !== null) return s.pid === pid && gap <= PROCESS_MS;
    if (sameApp && s.pid === null && pid === null) return s.source === source && gap <= PROCESS_MS;
    return source !== null && s.source === source && gap <= NEARBY_MS;
  }

  private addSlot(
    ts: number,
    app: string,
    pid: number | null,
    ev: NormalizedEvent,
    source: string | null,
    line: AttemptLine,
    procKey: string | null,
    srcKey: string | null,
    owed: boolean,
  ): void {
    const a = procKey !== null ? this.list(procKey) : null;
    const b = srcKey !== null ? this.list(srcKey) : null;
    const s: Slot = {
      seq: this.seq++,
      ts,
      app: this.name(app)!,
      pid,
      source: this.name(source),
      target: this.name(ev.user),
      result: line.result,
      reporters: [line.reporter],
      lists: a !== null && b !== null ? [a, b] : [(a ?? b)!],
      alive: true,
      owed: owed ? 1 : 0,
    };
    for (const l of s.lists) l.slots.push(s);
    this.queue.push(s);
    if (this.queue.length - this.head > MAX_SLOTS) {
      this.drop(this.queue[this.head++]!);
      this.compact();
    }
  }

  private list(key: string): SlotList {
    let l = this.index.get(key);
    if (l === undefined) this.index.set(key, (l = { key, slots: [] }));
    return l;
  }

  /** The one copy of a source or account name (a copy of its own, not a slice of its line). */
  private name(value: string | null): string | null {
    if (value === null) return null;
    const known = this.names.get(value);
    if (known !== undefined) return known;
    if (this.names.size >= MAX_NAMES) this.names.clear();
    const copy = flat(value);
    this.names.set(copy, copy);
    return copy;
  }

  /** Forget slots too old to pair with anything from `ts` on. */
  private advance(ts: number): void {
    this.now = ts;
    const horizon = ts - PROCESS_MS;
    while (this.head < this.queue.length && this.queue[this.head]!.ts < horizon) this.drop(this.queue[this.head++]!);
    this.compact();
  }

  /** Let go of dropped slots at the queue's front, a few thousand at a time (a full ledger drops one per line). */
  private compact(): void {
    if (this.head > 4096 && (this.head >= 16_384 || this.head * 2 > this.queue.length)) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private drop(s: Slot): void {
    s.alive = false;
    for (const l of s.lists) {
      const list = l.slots;
      let n = 0;
      while (n < list.length && !list[n]!.alive) n++;
      if (n === list.length) {
        // Only if the index still holds this list (a key dropped and added again has a new one).
        if (this.index.get(l.key) === l) this.index.delete(l.key);
      } else if (n > 0) list.splice(0, n);
    }
  }

  private sweepProcesses(ts: number): void {
    for (const [k, p] of this.processes) if (ts - p.ts > PROCESS_MS) this.processes.delete(k);
    if (this.processes.size >= MAX_PROCESSES) this.processes.clear();
  }
}

/** A string of its own: V8 keeps a value cut out of a longer string as a view of all of it. */
function flat(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** The source as one key: an address, a host name, a local caller, or the host's console. */
function sourceKey(ev: NormalizedEvent): string | null {
  if (ev.src_ip !== null) return ev.src_ip;
  const f = ev.fields;
  const host = f[AUTH_FIELDS.sourceHost];
  if (typeof host === 'string') return `host:${host}`;
  const user = f[AUTH_FIELDS.sourceUser];
  if (typeof user === 'string') return `user:${user}`;
  if (f[AUTH_FIELDS.console] === true) return 'console';
  return null;
}
