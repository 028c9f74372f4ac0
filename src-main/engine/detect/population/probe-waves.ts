/**
 * Worm and botnet probe waves on the web: hundreds of addresses each sending the same short
 * sequence of requests for paths that do not exist (`/scripts/root.exe`, `/MSADC/...`), days
 * apart. Each one is too short for a scan of its own; together they are one wave.
 *
 * A source's visit (its requests until `visitGapMs` of quiet) that asked for >= minPaths distinct
 * missing paths is summarised by locality-sensitive hashing of its path set: BANDS bands of ROWS
 * min-hashes each (MinHash; two sets share a band with probability Jaccard^ROWS). A visit joins
 * the open wave that holds one of its bands, else opens one. A wave that has been quiet for
 * `waveGapMs`, or spans `maxWaveMs`, is reported when it has >= minSources sources. A 2xx answer to
 * an exploit-only path (webSignals.isExploitPath) marks its source as one that may have got in.
 * A wave must also repeat one sequence: at least three paths that half its members asked for.
 */
import { type AlertMember, type MemberStat, addTry, cloneMember, newMember, toAlertMembers } from './members';
import { spanWords } from './auth-targets';

export interface ProbeWaveConfig {
  visitGapMs: number;
  minPaths: number;
  waveGapMs: number;
  maxWaveMs: number;
  minSources: number;
  maxOpen: number;
}

export const DEFAULT_PROBE_WAVES: ProbeWaveConfig = {
  visitGapMs: 30 * 60_000,
  minPaths: 4,
  waveGapMs: 2 * 86_400_000,
  maxWaveMs: 7 * 86_400_000,
  minSources: 5,
  maxOpen: 50_000,
};

const BANDS = 4;
const ROWS = 2;
const MAX_VISIT_PATHS = 64;

export interface ProbeRequest {
  id: number;
  ts: number;
  ip: string;
  /** Canonical path (no query, lower case). */
  path: string;
  status: number;
  exploit: boolean;
  service: string;
}

export interface ProbeWaveFinding {
  pattern: 'probe_wave';
  key: string;
  service: string;
  first: number;
  last: number;
  requests: number;
  /** Paths most sources asked for, most shared first. */
  paths: string[];
  members: AlertMember[];
  evidence: number[];
  score: number;
  summary: string;
}

interface Visit {
  ip: string;
  service: string;
  first: number;
  last: number;
  paths: string[];
  requests: number;
  exploitOk: number[];
  evidence: number[];
}

interface Wave {
  id: number;
  service: string;
  first: number;
  last: number;
  bands: string[];
  members: Record<string, MemberStat>;
  paths: Record<string, number>;
  requests: number;
  evidence: number[];
}

export interface ProbeWaveState {
  visits: Visit[];
  waves: Wave[];
  next: number;
}

export class ProbeWaveDetector {
  private visits = new Map<string, Visit>();
  private waves = new Map<number, Wave>();
  private byBand = new Map<string, number>();
  private next = 1;

  constructor(
    private readonly emit: (f: ProbeWaveFinding) => void,
    private readonly c: ProbeWaveConfig = DEFAULT_PROBE_WAVES,
  ) {}

  add(r: ProbeRequest): void {
    const missing = r.status >= 400 && r.status < 500;
    const hit = r.exploit && r.status >= 200 && r.status < 300;
    let v = this.visits.get(r.ip);
    if (v !== undefined && r.ts - v.last >= this.c.visitGapMs) {
      this.visits.delete(r.ip);
      this.closeVisit(v);
      v = undefined;
    }
    if (v === undefined) {
      if (!missing && !hit) return;
      if (this.visits.size >= this.c.maxOpen) {
        const [k, stalest] = this.visits.entries().next().value as [string, Visit];
        this.visits.delete(k);
        this.closeVisit(stalest);
      }
      v = { ip: r.ip, service: r.service, first: r.ts, last: r.ts, paths: [], requests: 0, exploitOk: [], evidence: [] };
    } else this.visits.delete(r.ip);
    this.visits.set(r.ip, v);
    v.first = Math.min(v.first, r.ts);
    v.last = Math.max(v.last, r.ts);
    v.requests++;
    if (missing && v.paths.length < MAX_VISIT_PATHS && !v.paths.includes(r.path)) v.paths.push(r.path);
    if (hit && v.exploitOk.length < 3) v.exploitOk.push(r.id);
    if ((missing || hit) && v.evidence.length < 3) v.evidence.push(r.id);
  }

  advance(watermark: number): void {
    for (const [k, v] of this.visits) {
      if (watermark - v.last < this.c.visitGapMs) break;
      this.visits.delete(k);
      this.closeVisit(v);
    }
    for (const w of [...this.waves.values()])
      if (watermark - w.last >= this.c.waveGapMs || watermark - w.first >= this.c.maxWaveMs) this.closeWave(w);
  }

  flush(): void {
    for (const v of this.visits.values()) this.closeVisit(v);
    this.visits.clear();
    for (const w of [...this.waves.values()]) this.closeWave(w);
  }

  state(): ProbeWaveState {
    return {
      visits: [...this.visits.values()].map((v) => ({ ...v, paths: [...v.paths], exploitOk: [...v.exploitOk], evidence: [...v.evidence] })),
      waves: [...this.waves.values()].map((w) => ({
        ...w,
        bands: [...w.bands],
        members: Object.fromEntries(Object.entries(w.members).map(([k, m]) => [k, cloneMember(m)])),
        paths: { ...w.paths },
        evidence: [...w.evidence],
      })),
      next: this.next,
    };
  }

  restore(s: ProbeWaveState | undefined): void {
    this.visits = new Map((s?.visits ?? []).map((v) => [v.ip, v]));
    this.waves = new Map((s?.waves ?? []).map((w) => [w.id, w]));
    this.byBand = new Map();
    for (const w of this.waves.values()) for (const b of w.bands) this.byBand.set(b, w.id);
    this.next = s?.next ?? 1;
  }

  private closeVisit(v: Visit): void {
    if (v.paths.length < this.c.minPaths) return;
    const bands = bandsOf(v.service, v.paths);
    let wave: Wave | undefined;
    for (const b of bands) {
      const id = this.byBand.get(b);
      if (id !== undefined) wave = this.waves.get(id);
      if (wave) break;
    }
    if (!wave) {
      // A wave is known by its first visit's bands only: letting every member add its own would
      // chain stray probers into it one shared band at a time.
      wave = {
        id: this.next++,
        service: v.service,
        first: v.first,
        last: v.last,
        bands: [],
        members: {},
        paths: {},
        requests: 0,
        evidence: [],
      };
      this.waves.set(wave.id, wave);
      for (const b of bands) {
        if (this.byBand.has(b)) continue;
        this.byBand.set(b, wave.id);
        wave.bands.push(b);
      }
    }
    wave.first = Math.min(wave.first, v.first);
    wave.last = Math.max(wave.last, v.last);
    wave.requests += v.requests;
    let m = wave.members[v.ip];
    if (!m) m = wave.members[v.ip] = newMember(v.ip, v.first, 'failure');
    // A member's "failures" are its missing paths, "successes" the exploit paths answered 2xx.
    for (const id of v.evidence.slice(0, 2)) addTry(m, id, v.first, null, 'failure', false, 0);
    m.failures += v.paths.length;
    m.last = Math.max(m.last, v.last);
    for (const id of v.exploitOk) addTry(m, id, v.last, null, 'success', false, 1);
    for (const p of v.paths) wave.paths[p] = (wave.paths[p] ?? 0) + 1;
    for (const id of v.evidence) if (wave.evidence.length < 200) wave.evidence.push(id);
  }

  private closeWave(w: Wave): void {
    this.waves.delete(w.id);
    for (const b of w.bands) if (this.byBand.get(b) === w.id) this.byBand.delete(b);
    const members = Object.values(w.members);
    if (members.length < this.c.minSources) return;
    const paths = Object.entries(w.paths)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([p]) => p);
    // A wave repeats one sequence: most members asked for the same paths. Stray probers whose
    // few paths happened to share a band do not.
    const core = paths.filter((p) => w.paths[p]! >= 0.5 * members.length);
    if (core.length < Math.min(3, this.c.minPaths)) return;
    const hits = members.filter((m) => m.successes > 0).length;
    this.emit({
      pattern: 'probe_wave',
      key: `target:${w.service} probes ${paths.slice(0, 3).join(' ')}`,
      service: w.service,
      first: w.first,
      last: w.last,
      requests: w.requests,
      paths: paths.slice(0, 60),
      members: toAlertMembers(members),
      evidence: w.evidence,
      score: Math.min(1, 0.6 + 0.4 * (1 - this.c.minSources / members.length)),
      summary:
        `probe wave: ${members.length} addresses sent the same ${paths.length > 20 ? 'requests' : `${paths.length} requests`} for missing paths ` +
        `(${paths.slice(0, 3).join(', ')}, …) to ${w.service} over ${spanWords(w.last - w.first)}` +
        (hits > 0 ? `; ${hits} got a 2xx answer to an exploit path` : ', none answered'),
    });
  }
}

/** FNV-1a, 32-bit, with a seed: one hash function per min-hash row. */
function hash(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function bandsOf(service: string, paths: string[]): string[] {
  const out: string[] = [];
  for (let b = 0; b < BANDS; b++) {
    const rows: number[] = [];
    for (let r = 0; r < ROWS; r++) {
      const seed = b * ROWS + r + 1;
      let min = 0xffffffff;
      for (const p of paths) {
        const h = hash(p, seed * 0x9e3779b1);
        if (h < min) min = h;
      }
      rows.push(min);
    }
    out.push(`${service}|${b}|${rows.join(',')}`);
  }
  return out;
}
