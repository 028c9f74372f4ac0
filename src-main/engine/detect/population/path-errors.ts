/**
 * Server errors across many clients, per path family of a web service (`/api/v1/*` on
 * apache@web01): an outage or a broken deploy, seen from the population of clients rather than
 * from any one of them, each of whom only sees a few failed requests.
 *
 * Per family, per minute of event time: requests, 5xx answers and the clients that got them. A
 * window of `windowMinutes` minutes is hot when it holds >= minErrors 5xx answers to >= minClients
 * distinct clients, >= minErrorRatio of the family's requests; and most of those clients
 * (>= minKnownShare) were served normally before, which is what tells ordinary clients caught in
 * an outage from a botnet whose exploit requests crash a handler. Hot windows less than `gapMs`
 * apart are one episode, reported when it ends. Buckets are keyed by minute, so lines a little out
 * of order land where they belong as long as their minute is still open (the watermark).
 */
import { spanWords } from './auth-targets';

export interface PathErrorConfig {
  windowMinutes: number;
  minErrors: number;
  minClients: number;
  minErrorRatio: number;
  minKnownShare: number;
  gapMs: number;
  maxFamilies: number;
  maxKnownClients: number;
}

export const DEFAULT_PATH_ERRORS: PathErrorConfig = {
  windowMinutes: 5,
  minErrors: 20,
  minClients: 8,
  minErrorRatio: 0.2,
  minKnownShare: 0.5,
  gapMs: 15 * 60_000,
  maxFamilies: 2000,
  maxKnownClients: 200_000,
};

export interface HttpTry {
  id: number;
  ts: number;
  ip: string | null;
  status: number;
  /** `apache@web01`. */
  service: string;
  family: string;
}

export interface PathErrorFinding {
  pattern: 'service_error_burst';
  key: string;
  service: string;
  family: string;
  first: number;
  last: number;
  errors: number;
  requests: number;
  clients: number;
  statuses: Record<string, number>;
  evidence: number[];
  score: number;
  summary: string;
}

interface Minute {
  requests: number;
  errors: number;
  clients: string[];
  statuses: Record<string, number>;
  evidence: number[];
}

interface Family {
  key: string;
  service: string;
  family: string;
  minutes: Record<string, Minute>;
  /** The open episode of hot windows. */
  episode: {
    first: number;
    last: number;
    errors: number;
    requests: number;
    clients: string[];
    statuses: Record<string, number>;
    evidence: number[];
  } | null;
  lastMinute: number;
  /** The newest minute already judged. */
  judged: number;
}

export interface PathErrorState {
  families: Family[];
  known: string[];
}

const MIN = 60_000;

export class PathErrorDetector {
  private families = new Map<string, Family>();
  /** Clients that got an ordinary answer (2xx/3xx), most recent last. */
  private known = new Set<string>();

  constructor(
    private readonly emit: (f: PathErrorFinding) => void,
    private readonly c: PathErrorConfig = DEFAULT_PATH_ERRORS,
  ) {}

  add(h: HttpTry): void {
    const ok = h.status < 400;
    if (ok && h.ip !== null && !this.known.has(h.ip)) {
      if (this.known.size >= this.c.maxKnownClients) this.known.delete(this.known.values().next().value as string);
      this.known.add(h.ip);
    }
    const key = `target:${h.service} ${h.family}`;
    let f = this.families.get(key);
    if (f === undefined) {
      // Families that never erred are not worth a slot: most sites have thousands of paths.
      if (h.status < 500) return;
      if (this.families.size >= this.c.maxFamilies) return;
      f = { key, service: h.service, family: h.family, minutes: {}, episode: null, lastMinute: 0, judged: -Infinity };
      this.families.set(key, f);
    }
    const minute = Math.floor(h.ts / MIN);
    const slot = (f.minutes[minute] ??= { requests: 0, errors: 0, clients: [], statuses: {}, evidence: [] });
    slot.requests++;
    if (minute > f.lastMinute) f.lastMinute = minute;
    if (h.status >= 500) {
      slot.errors++;
      slot.statuses[h.status] = (slot.statuses[h.status] ?? 0) + 1;
      if (h.ip !== null && slot.clients.length < 500 && !slot.clients.includes(h.ip)) slot.clients.push(h.ip);
      if (slot.evidence.length < 20) slot.evidence.push(h.id);
    }
  }

  /** Judge every minute the watermark has closed. */
  advance(watermark: number): void {
    const closed = Math.floor(watermark / MIN);
    for (const f of this.families.values()) this.step(f, closed);
  }

  flush(): void {
    for (const f of this.families.values()) {
      this.step(f, Infinity);
      this.close(f);
    }
  }

  state(): PathErrorState {
    return { families: [...this.families.values()].map((f) => JSON.parse(JSON.stringify(f)) as Family), known: [...this.known] };
  }

  restore(s: PathErrorState | undefined): void {
    this.families = new Map((s?.families ?? []).map((f) => [f.key, { ...f, judged: f.judged ?? -Infinity }]));
    this.known = new Set(s?.known ?? []);
  }

  /** Slide the window over every minute before `closed` that holds data, oldest first. */
  private step(f: Family, closed: number): void {
    const minutes = Object.keys(f.minutes)
      .map(Number)
      .filter((m) => m < closed && m > f.judged)
      .sort((a, b) => a - b);
    for (const m of minutes) {
      this.judgeWindow(f, m);
      f.judged = m;
      // Keep the window's span behind the newest closed minute; older ones are done.
      for (const old of Object.keys(f.minutes).map(Number)) if (old <= m - this.c.windowMinutes) delete f.minutes[old];
    }
    if (f.episode && closed !== Infinity && closed * MIN - f.episode.last >= this.c.gapMs) this.close(f);
    if (!f.episode && Object.keys(f.minutes).length === 0 && closed - f.lastMinute > 24 * 60) this.families.delete(f.key);
  }

  private judgeWindow(f: Family, end: number): void {
    const w = { requests: 0, errors: 0, clients: new Set<string>(), statuses: {} as Record<string, number>, evidence: [] as number[] };
    for (let m = end - this.c.windowMinutes + 1; m <= end; m++) {
      const s = f.minutes[m];
      if (!s) continue;
      w.requests += s.requests;
      w.errors += s.errors;
      for (const c of s.clients) w.clients.add(c);
      for (const [k, v] of Object.entries(s.statuses)) w.statuses[k] = (w.statuses[k] ?? 0) + v;
      w.evidence.push(...s.evidence);
    }
    if (w.errors < this.c.minErrors || w.clients.size < this.c.minClients || w.errors / w.requests < this.c.minErrorRatio) return;
    let known = 0;
    for (const c of w.clients) if (this.known.has(c)) known++;
    if (known / w.clients.size < this.c.minKnownShare) return;
    const s = f.minutes[end]!;
    const first = (end - this.c.windowMinutes + 1) * MIN;
    if (f.episode === null)
      f.episode = { first, last: (end + 1) * MIN - 1, errors: 0, requests: 0, clients: [], statuses: {}, evidence: [] };
    const ep = f.episode;
    ep.last = Math.max(ep.last, (end + 1) * MIN - 1);
    // Count each minute once: the whole window when the episode opens, then the newest minute.
    const add = ep.errors === 0 ? w : { ...s, clients: new Set(s.clients) };
    ep.errors += add.errors;
    ep.requests += add.requests;
    for (const c of add.clients) if (ep.clients.length < 2000 && !ep.clients.includes(c)) ep.clients.push(c);
    for (const [k, v] of Object.entries(add.statuses)) ep.statuses[k] = (ep.statuses[k] ?? 0) + v;
    for (const id of add.evidence) if (ep.evidence.length < 200) ep.evidence.push(id);
  }

  private close(f: Family): void {
    const ep = f.episode;
    if (!ep) return;
    f.episode = null;
    const codes = Object.entries(ep.statuses)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${v} × ${k}`)
      .join(', ');
    this.emit({
      pattern: 'service_error_burst',
      key: f.key,
      service: f.service,
      family: f.family,
      first: ep.first,
      last: ep.last,
      errors: ep.errors,
      requests: ep.requests,
      clients: ep.clients.length,
      statuses: ep.statuses,
      evidence: ep.evidence,
      score: Math.min(1, 0.6 + 0.4 * (1 - this.c.minClients / ep.clients.length)),
      summary:
        `server errors across many clients: ${f.family} on ${f.service} answered ${ep.errors} of ${ep.requests} requests ` +
        `with an error (${codes}) to ${ep.clients.length} clients in ${spanWords(ep.last - ep.first)}`,
    });
  }
}
