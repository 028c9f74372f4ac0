import { emptyEvent, type NormalizedEvent } from '../../../../../src-shared/event';
import { Prng } from '../prng';

/**
 * Seeded synthetic traffic for evaluating the ensemble: four source types with diurnal rates,
 * per-entity template sequences, periodic jobs (a 10-minute cron, a 5-minute checkpoint, an
 * hourly cron burst that Holt-Winters must learn as a season) and background noise, plus
 * anomalies injected at known times. Events come out with template_id set, as the template
 * miner would leave them, sorted by event time and numbered from 1.
 */
export type AnomalyKind = 'burst' | 'silence' | 'new_template' | 'sequence_break';

export interface GroundTruth {
  kind: AnomalyKind;
  sourceType: string;
  start: number;
  end: number;
  description: string;
}

export interface ScenarioConfig {
  seed: number;
  /** Epoch ms; defaults to 2024-03-04T00:00Z. */
  start: number;
  durationMs: number;
  /** Multiplies every normal rate (for throughput runs). */
  rateScale: number;
  /** No anomaly is injected before start + warmupMs (the detectors' learning period). */
  warmupMs: number;
  /** Inject the anomaly catalogue (false = normal traffic only). */
  anomalies: boolean;
}

export interface Scenario {
  events: NormalizedEvent[];
  truth: GroundTruth[];
  warmupEnd: number;
}

export const DEFAULT_SCENARIO: ScenarioConfig = {
  seed: 1,
  start: Date.UTC(2024, 2, 4),
  durationMs: 18 * 3_600_000,
  rateScale: 1,
  warmupMs: 4 * 3_600_000,
  anomalies: true,
};

const MIN = 60_000;
const HOUR = 3_600_000;

interface Draft {
  ts: number;
  source: string;
  parser: string;
  host: string;
  template: string;
  message: string;
  params: string[];
  severity: number;
  src_ip?: string;
  user?: string;
  path?: string;
  status?: number;
  method?: string;
}

class Builder {
  readonly drafts: Draft[] = [];
  /** Per entity, when its current conversation ends: an entity runs one conversation at a time. */
  readonly busyUntil = new Map<string, number>();

  /** Start time for a conversation of `entity` wanted at t: after its previous one ends. */
  slot(entity: string, t: number): number {
    return Math.max(t, (this.busyUntil.get(entity) ?? 0) + 1000);
  }

  done(entity: string, t: number): void {
    this.busyUntil.set(entity, t);
  }
  constructor(readonly rng: Prng) {}

  add(d: Draft): void {
    this.drafts.push(d);
  }

  /** Poisson sample (Knuth; rates here are small per minute, large ones use a normal approximation). */
  poisson(lambda: number): number {
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.gauss()));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.rng.next();
    } while (p > l);
    return k - 1;
  }

  gauss(): number {
    const u = Math.max(1e-12, this.rng.next());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rng.next());
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)]!;
  }

  /** Zipf-like pick: index i has weight 1/(i+1). */
  zipf<T>(xs: readonly T[], harmonic: number): T {
    let r = this.rng.next() * harmonic;
    for (let i = 0; i < xs.length; i++) {
      r -= 1 / (i + 1);
      if (r <= 0) return xs[i]!;
    }
    return xs[xs.length - 1]!;
  }
}

/** Diurnal factor in [0.1, 1], peaking at 14:00 UTC. */
function diurnal(ts: number): number {
  const h = (ts % (24 * HOUR)) / HOUR;
  return 0.55 + 0.45 * Math.sin((2 * Math.PI * (h - 8)) / 24);
}

const AUTH = { source: '/var/log/auth.log', parser: 'auth', host: 'bastion' };
const WEB = [
  { source: '/var/log/nginx/web-1.access.log', parser: 'access', host: 'web-1' },
  { source: '/var/log/nginx/web-2.access.log', parser: 'access', host: 'web-2' },
];
const SYSLOG = [
  { source: '/var/log/syslog@db-1', parser: 'syslog3164', host: 'db-1' },
  { source: '/var/log/syslog@app-1', parser: 'syslog3164', host: 'app-1' },
];
const APP = { source: '/srv/app/app.jsonl', parser: 'jsonl', host: 'app-1' };

interface World {
  users: string[];
  userIps: Map<string, string>;
  clients: string[];
  clientHarmonic: number;
  appUsers: string[];
}

function makeWorld(rng: Prng): World {
  const users = Array.from({ length: 30 }, (_, i) => `user${i}`);
  const userIps = new Map(users.map((u, i) => [u, `10.0.${1 + (i % 8)}.${10 + i}`]));
  const clients = Array.from({ length: 400 }, () => `198.51.${rng.int(256)}.${1 + rng.int(254)}`);
  let h = 0;
  for (let i = 0; i < clients.length; i++) h += 1 / (i + 1);
  const appUsers = Array.from({ length: 50 }, (_, i) => `app-user-${i}`);
  return { users, userIps, clients, clientHarmonic: h, appUsers };
}

/** Blocks a source from emitting during [from, to): how silences are injected. */
type Mute = { source: string; from: number; to: number };

function sshSession(b: Builder, w: World, t0: number): void {
  const user = b.pick(w.users);
  const ip = w.userIps.get(user)!;
  const port = String(30000 + b.rng.int(30000));
  let t = b.slot(ip, t0);
  const emit = (template: string, message: string, params: string[], severity = 6): void => {
    b.add({ ts: t, ...AUTH, template, message, params, severity, src_ip: ip, user });
    t += 1000 + b.rng.int(20_000);
  };
  emit('auth:accepted', `sshd[${b.rng.int(30000)}]: Accepted publickey for ${user} from ${ip} port ${port} ssh2`, [user, ip, port]);
  emit('auth:session_open', `pam_unix(sshd:session): session opened for user ${user}`, [user]);
  const sudos = b.rng.int(4);
  for (let i = 0; i < sudos; i++) emit('auth:sudo', `sudo: ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/usr/bin/systemctl status nginx`, [user, user, '/usr/bin/systemctl status nginx'], 5);
  t += b.rng.int(5 * MIN);
  emit('auth:session_close', `pam_unix(sshd:session): session closed for user ${user}`, [user]);
  emit('auth:disconnect', `sshd[${b.rng.int(30000)}]: Disconnected from user ${user} ${ip} port ${port}`, [user, ip, port]);
  b.done(ip, t);
}

function failedLogin(b: Builder, t0: number, ip: string, attempts: number, spreadMs: number): void {
  for (let i = 0; i < attempts; i++) {
    const user = b.pick(['admin', 'test', 'oracle', 'ubuntu', 'guest', 'postgres']);
    const port = String(30000 + b.rng.int(30000));
    const t = t0 + (attempts === 1 ? 0 : Math.floor((i * spreadMs) / attempts));
    b.add({ ts: t, ...AUTH, template: 'auth:failed', message: `sshd[${b.rng.int(30000)}]: Failed password for invalid user ${user} from ${ip} port ${port} ssh2`, params: [user, ip, port], severity: 5, src_ip: ip, user });
  }
  b.add({ ts: t0 + spreadMs + 500, ...AUTH, template: 'auth:preauth_closed', message: `sshd[${b.rng.int(30000)}]: Connection closed by ${ip} port 22 [preauth]`, params: [ip], severity: 6, src_ip: ip });
}

function webSession(b: Builder, w: World, t0: number): void {
  const ip = b.zipf(w.clients, w.clientHarmonic);
  const web = b.rng.next() < 0.6 ? WEB[0]! : WEB[1]!;
  let t = b.slot(ip, t0);
  const req = (template: string, method: string, path: string, status: number): void => {
    const bytes = String(200 + b.rng.int(20000));
    const message = `${ip} - - "${method} ${path} HTTP/1.1" ${status} ${bytes} "-" "Mozilla/5.0"`;
    b.add({ ts: t, ...web, template, message, params: [ip, path, bytes], severity: 6, src_ip: ip, path, status, method });
    t += 200 + b.rng.int(8000);
  };
  req('web:home', 'GET', '/', 200);
  const statics = 2 + b.rng.int(3);
  for (let i = 0; i < statics; i++) req('web:static', 'GET', `/static/${b.pick(['app.js', 'app.css', 'logo.svg', 'font.woff2'])}`, 200);
  if (b.rng.next() < 0.5) req('web:login', 'POST', '/api/login', 200);
  const lists = 1 + b.rng.int(3);
  for (let i = 0; i < lists; i++) {
    req('web:items', 'GET', `/api/items?page=${1 + b.rng.int(5)}`, 200);
    if (b.rng.next() < 0.5) req('web:item', 'GET', `/api/items/${b.rng.int(10000)}`, 200);
  }
  b.done(ip, t);
}

function notFound(b: Builder, t: number, ip: string, path: string): void {
  const web = WEB[0]!;
  b.add({ ts: t, ...web, template: 'web:404', message: `${ip} - - "GET ${path} HTTP/1.1" 404 153 "-" "curl/8.0"`, params: [ip, path], severity: 6, src_ip: ip, path, status: 404, method: 'GET' });
}

function appFlow(b: Builder, w: World, t0: number, user = b.pick(w.appUsers)): void {
  let t = b.slot(user, t0);
  const reqId = String(b.rng.int(1e9));
  const emit = (template: string, message: string, params: string[], severity = 6): void => {
    b.add({ ts: t, ...APP, template, message, params, severity, user });
    t += 5 + b.rng.int(400);
  };
  emit('app:request_start', `request started id=${reqId} route=/api/orders`, [reqId]);
  emit('app:auth_ok', `token accepted for ${user}`, [user]);
  const q = 1 + b.rng.int(3);
  for (let i = 0; i < q; i++) emit('app:db_query', `db query ok table=orders rows=${b.rng.int(50)}`, [String(b.rng.int(50))], 7);
  if (b.rng.next() < 0.01) emit('app:slow_query', `slow query took ${1000 + b.rng.int(3000)}ms table=orders`, [String(b.rng.int(3000))], 4);
  emit('app:request_done', `request finished id=${reqId} status=200`, [reqId]);
  b.done(user, t);
}

function syslogMinute(b: Builder, w: World, minute: number, scale: number): void {
  const [db, app] = SYSLOG as [typeof SYSLOG[0], typeof SYSLOG[0]];
  const minuteOfHour = Math.floor((minute % HOUR) / MIN);
  if (minuteOfHour % 5 === 0) {
    const buffers = String(100 + b.rng.int(900));
    b.add({ ts: minute + 1000, ...db, template: 'sys:checkpoint_start', message: 'postgres[811]: LOG:  checkpoint starting: time', params: [], severity: 6 });
    b.add({ ts: minute + 9000, ...db, template: 'sys:checkpoint_done', message: `postgres[811]: LOG:  checkpoint complete: wrote ${buffers} buffers`, params: [buffers], severity: 6 });
  }
  if (minuteOfHour === 17) {
    for (const host of [db, app]) {
      const n = Math.round(20 * scale);
      for (let i = 0; i < n; i++) {
        b.add({ ts: minute + 100 * i, ...host, template: 'sys:cron_hourly', message: `CRON[${b.rng.int(30000)}]: (root) CMD (run-parts /etc/cron.hourly/job${i % 4})`, params: [String(i % 4)], severity: 6, user: 'root' });
      }
    }
  }
  const vac = b.poisson(0.2 * scale);
  for (let i = 0; i < vac; i++) b.add({ ts: minute + b.rng.int(MIN), ...db, template: 'sys:autovacuum', message: `postgres[${b.rng.int(30000)}]: LOG:  automatic vacuum of table "app.public.orders"`, params: [], severity: 6 });
  const ufw = b.poisson(2 * scale * diurnal(minute));
  for (let i = 0; i < ufw; i++) {
    const ip = `203.0.113.${1 + b.rng.int(50)}`;
    b.add({ ts: minute + b.rng.int(MIN), ...app, template: 'sys:ufw_block', message: `kernel: [UFW BLOCK] IN=eth0 OUT= SRC=${ip} DST=10.0.0.5 PROTO=TCP DPT=${b.pick(['23', '3389', '445'])}`, params: [ip], severity: 4, src_ip: ip });
  }
  const sess = b.poisson(0.5 * scale * diurnal(minute));
  for (let i = 0; i < sess; i++) {
    const u = b.pick(w.users);
    b.add({ ts: minute + b.rng.int(MIN), ...app, template: 'sys:systemd_session', message: `systemd[1]: Started Session ${b.rng.int(9999)} of User ${u}.`, params: [String(b.rng.int(9999)), u], severity: 6, user: u });
  }
}

function normalTraffic(b: Builder, w: World, c: ScenarioConfig): void {
  const end = c.start + c.durationMs;
  for (let m = c.start; m < end; m += MIN) {
    const f = diurnal(m);
    const s = c.rateScale;
    for (let i = b.poisson(1.5 * s * f); i > 0; i--) sshSession(b, w, m + b.rng.int(MIN));
    for (let i = b.poisson(0.5 * s); i > 0; i--) failedLogin(b, m + b.rng.int(MIN), `192.0.2.${1 + b.rng.int(254)}`, 1 + b.rng.int(3), 20_000);
    if (Math.floor((m % HOUR) / MIN) % 10 === 0) {
      b.add({ ts: m + 50, ...AUTH, template: 'auth:cron_open', message: 'pam_unix(cron:session): session opened for user root', params: ['root'], severity: 6, user: 'root' });
      b.add({ ts: m + 1500, ...AUTH, template: 'auth:cron_close', message: 'pam_unix(cron:session): session closed for user root', params: ['root'], severity: 6, user: 'root' });
    }
    for (let i = b.poisson(8 * s * f); i > 0; i--) webSession(b, w, m + b.rng.int(MIN));
    for (const web of WEB) {
      for (let k = 0; k < 6; k++) {
        b.add({ ts: m + k * 10_000, ...web, template: 'web:health', message: '10.0.0.2 - - "GET /health HTTP/1.1" 200 2 "-" "ELB-HealthChecker/2.0"', params: ['10.0.0.2'], severity: 6, src_ip: '10.0.0.2', path: '/health', status: 200, method: 'GET' });
      }
    }
    for (let i = b.poisson(0.3 * s); i > 0; i--) notFound(b, m + b.rng.int(MIN), b.zipf(w.clients, w.clientHarmonic), `/${b.pick(['favicon.ico', 'robots.txt', 'apple-touch-icon.png'])}`);
    syslogMinute(b, w, m, s);
    for (let i = b.poisson(10 * s * f); i > 0; i--) appFlow(b, w, m + b.rng.int(MIN));
  }
}

/**
 * The anomaly catalogue, two of each kind, placed in order after the warm-up at random
 * times at least 50 minutes apart so each is judged on its own.
 */
function injectAnomalies(b: Builder, w: World, c: ScenarioConfig, mutes: Mute[]): GroundTruth[] {
  const truth: GroundTruth[] = [];
  const first = c.start + c.warmupMs;
  const slots = 8;
  const span = (c.durationMs - c.warmupMs - HOUR) / slots;
  const order = [0, 1, 2, 3, 4, 5, 6, 7];
  for (let i = order.length - 1; i > 0; i--) {
    const j = b.rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let slot = 0; slot < slots; slot++) {
    const t = Math.floor((first + slot * span + b.rng.int(Math.max(1, span - 50 * MIN))) / 1000) * 1000;
    switch (order[slot]) {
      case 0: {
        const ip = `185.220.${b.rng.int(256)}.${1 + b.rng.int(254)}`;
        failedLogin(b, t, ip, 240, 4 * MIN);
        truth.push({ kind: 'burst', sourceType: 'auth', start: t, end: t + 4 * MIN, description: `SSH brute force from ${ip}` });
        break;
      }
      case 1: {
        const ip = `45.155.${b.rng.int(256)}.${1 + b.rng.int(254)}`;
        for (let i = 0; i < 400; i++) notFound(b, t + Math.floor((i * 3 * MIN) / 400), ip, `/${b.pick(['wp-admin', '.env', 'phpmyadmin', 'cgi-bin', '.git'])}/${i}`);
        truth.push({ kind: 'burst', sourceType: 'access', start: t, end: t + 3 * MIN, description: `web scan from ${ip}` });
        break;
      }
      case 2: {
        mutes.push({ source: WEB[1]!.source, from: t, to: t + 20 * MIN });
        truth.push({ kind: 'silence', sourceType: 'access', start: t, end: t + 20 * MIN, description: 'web-2 stopped logging' });
        break;
      }
      case 3: {
        mutes.push({ source: APP.source, from: t, to: t + 15 * MIN });
        truth.push({ kind: 'silence', sourceType: 'jsonl', start: t, end: t + 15 * MIN, description: 'app.jsonl stopped logging' });
        break;
      }
      case 4: {
        const db = SYSLOG[0]!;
        for (let i = 0; i < 3; i++) {
          const pid = String(1000 + b.rng.int(9000));
          b.add({ ts: t + i * 7000, ...db, template: 'sys:oom_kill', message: `kernel: Out of memory: Killed process ${pid} (postgres) total-vm:8123456kB`, params: [pid], severity: 3 });
          b.add({ ts: t + i * 7000 + 200, ...db, template: 'sys:oom_reaper', message: `kernel: oom_reaper: reaped process ${pid} (postgres), now anon-rss:0kB`, params: [pid], severity: 3 });
        }
        truth.push({ kind: 'new_template', sourceType: 'syslog3164', start: t, end: t + MIN, description: 'OOM killer on db-1' });
        break;
      }
      case 5: {
        b.add({ ts: t, ...AUTH, template: 'auth:useradd', message: 'useradd[4242]: new user: name=backup2, UID=0, GID=0, home=/root, shell=/bin/bash', params: ['backup2', '0', '0', '/root', '/bin/bash'], severity: 5, user: 'backup2' });
        truth.push({ kind: 'new_template', sourceType: 'auth', start: t, end: t + MIN, description: 'uid-0 user created' });
        break;
      }
      case 6: {
        const user = b.pick(w.appUsers);
        // A request served without a request start or a token check: the flow in reverse.
        const steps: [string, string][] = [
          ['app:request_done', 'request finished id=0 status=200'],
          ['app:db_query', 'db query ok table=users rows=5000'],
          ['app:db_query', 'db query ok table=payments rows=5000'],
          ['app:request_done', 'request finished id=0 status=200'],
          ['app:auth_ok', `token accepted for ${user}`],
          ['app:request_start', 'request started id=0 route=/api/export'],
          // ...and it ends the way flows end, so the entity's next ordinary flow is ordinary.
          ['app:db_query', 'db query ok table=orders rows=1'],
          ['app:request_done', 'request finished id=0 status=200'],
        ];
        steps.forEach(([template, message], i) => b.add({ ts: t + i * 2000, ...APP, template, message, params: ['0'], severity: 6, user }));
        truth.push({ kind: 'sequence_break', sourceType: 'jsonl', start: t, end: t + MIN, description: `out-of-order request flow for ${user}` });
        break;
      }
      case 7: {
        const user = b.pick(w.users);
        const ip = w.userIps.get(user)!;
        const steps: [string, string][] = [
          ['auth:sudo', `sudo: ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/bin/cat /etc/shadow`],
          ['auth:session_close', `pam_unix(sshd:session): session closed for user ${user}`],
          ['auth:sudo', `sudo: ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/bin/bash`],
          ['auth:session_open', `pam_unix(sshd:session): session opened for user ${user}`],
          ['auth:accepted', `sshd[77]: Accepted publickey for ${user} from ${ip} port 40000 ssh2`],
          ['auth:session_close', `pam_unix(sshd:session): session closed for user ${user}`],
          ['auth:disconnect', `sshd[77]: Disconnected from user ${user} ${ip} port 40000`],
        ];
        steps.forEach(([template, message], i) => b.add({ ts: t + i * 3000, ...AUTH, template, message, params: [user], severity: 5, src_ip: ip, user }));
        truth.push({ kind: 'sequence_break', sourceType: 'auth', start: t, end: t + MIN, description: `session steps of ${user} in reverse` });
        break;
      }
    }
  }
  return truth.sort((a, b2) => a.start - b2.start);
}

function toEvent(d: Draft): NormalizedEvent {
  const e = emptyEvent(d.message, d.source);
  e.ts = d.ts;
  e.host = d.host;
  e.severity = d.severity;
  e.template_id = d.template;
  e.params = d.params;
  e.parser = d.parser;
  e.src_ip = d.src_ip ?? null;
  e.user = d.user ?? null;
  e.path = d.path ?? null;
  e.status = d.status ?? null;
  e.method = d.method ?? null;
  return e;
}

export function generateScenario(partial: Partial<ScenarioConfig> = {}): Scenario {
  const c = { ...DEFAULT_SCENARIO, ...partial };
  const b = new Builder(new Prng(c.seed));
  const w = makeWorld(b.rng);
  normalTraffic(b, w, c);
  const mutes: Mute[] = [];
  const truth = c.anomalies ? injectAnomalies(b, w, c, mutes) : [];
  const end = c.start + c.durationMs;
  const kept = b.drafts.filter((d) => d.ts < end && !mutes.some((m) => m.source === d.source && d.ts >= m.from && d.ts < m.to));
  // Stable sort: simultaneous events keep generation order, so a seed always yields one stream.
  kept.sort((x, y) => x.ts - y.ts);
  const events = kept.map(toEvent);
  events.forEach((e, i) => (e.id = i + 1));
  return { events, truth, warmupEnd: c.start + c.warmupMs };
}
