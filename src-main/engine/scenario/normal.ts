/**
 * Benign traffic: staff logging in over SSH and using the internal app during business hours
 * (with the odd typo and the odd late evening), public visitors, polite search-engine crawlers,
 * a health probe, cron, and the background drizzle of internet noise every exposed host sees
 * (a few "Invalid user admin" tries, a stray /.env probe). No guesser of the drizzle is an
 * incident of its own; together they are a botnet's campaign (issue 20), so the guessers are
 * returned as ground truth.
 */
import type { Prng } from '../detect/behaviour/prng';
import {
  ADMIN_PATHS,
  APP_PATHS,
  BROWSER_AGENTS,
  COMMON_INVALID_USERS,
  CRAWLERS,
  PROBE_PATHS,
  SCRIPT_AGENTS,
  SITE_PATHS,
  STAFF_USERS,
  STATIC_ASSETS,
  SUDO_COMMANDS,
} from './catalog';
import type { IpPool } from './ipPool';
import type { ScenarioRecorder } from './recorder';
import { type AttemptResult, sshAttempts, sshLogout } from './sshd';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN = 60_000;

export const OFFICE_IP = '10.20.0.1';
const HEALTH_PROBE_IP = '10.0.0.5';

interface StaffMember {
  user: string;
  vpnIp: string;
  homeIp: string;
  usesSsh: boolean;
  admin: boolean;
}

function isWeekday(ts: number): boolean {
  const d = new Date(ts).getUTCDay();
  return d >= 1 && d <= 5;
}

function typoResults(rng: Prng): AttemptResult[] {
  if (!rng.chance(0.12)) return ['ok'];
  const fails = rng.chance(0.8) ? 1 : rng.int(2, 3);
  return [...Array<AttemptResult>(fails).fill('fail'), 'ok'];
}

function staffSsh(rec: ScenarioRecorder, rng: Prng, s: StaffMember, t: number): void {
  const r = rng.next();
  const ip = r < 0.6 ? OFFICE_IP : r < 0.9 ? s.vpnIp : s.homeIp;
  const run = sshAttempts(rec, rng, t, ip, s.user, typoResults(rng), { nextGap: () => rng.int(3000, 9000) });
  if (!run.session) return;
  const length = rng.int(10, 120) * MIN;
  const sudos = rng.int(0, 3);
  for (let k = 0; k < sudos; k++) {
    const at = run.lastTs + rng.int(1, Math.max(2, length / MIN - 1)) * MIN;
    rec.auth(at, 'sudo', null, `   ${s.user} : TTY=pts/${rng.int(0, 4)} ; PWD=/home/${s.user} ; USER=root ; COMMAND=${rng.pick(SUDO_COMMANDS)}`, {
      action: 'sudo',
      outcome: 'success',
      user: s.user,
    });
  }
  sshLogout(rec, run.lastTs + length, run.session);
}

function staffWeb(rec: ScenarioRecorder, rng: Prng, s: StaffMember, t: number): void {
  const ip = rng.chance(0.7) ? OFFICE_IP : s.vpnIp;
  const ua = BROWSER_AGENTS[s.user.length % BROWSER_AGENTS.length] as string;
  let at = t;
  if (rng.chance(0.08)) {
    rec.access(at, { ip, user: s.user, method: 'POST', path: '/api/login', status: 401, bytes: 61, userAgent: ua });
    at += rng.int(4000, 12000);
  }
  rec.access(at, { ip, user: s.user, method: 'POST', path: '/api/login', status: 200, bytes: 312, userAgent: ua });
  const pages = rng.int(5, 30);
  for (let k = 0; k < pages; k++) {
    at += rng.int(5, 180) * 1000;
    const admin = s.admin && rng.chance(0.2);
    const path = admin ? rng.pick(ADMIN_PATHS) : rng.pick(APP_PATHS);
    // The odd app error and the odd stale admin link are part of a normal day.
    const status = rng.chance(0.015) ? 500 : admin && rng.chance(0.03) ? 403 : rng.chance(0.15) ? 304 : 200;
    rec.access(at, { ip, user: s.user, path, status, bytes: status === 200 ? rng.int(900, 40_000) : 0, referer: 'https://example.test/app/', userAgent: ua });
  }
}

function visit(rec: ScenarioRecorder, rng: Prng, ip: string, t: number): void {
  const ua = rng.pick(BROWSER_AGENTS);
  let at = t;
  const pages = rng.int(2, 15);
  let referer = rng.chance(0.5) ? 'https://www.google.com/' : '-';
  for (let k = 0; k < pages; k++) {
    const broken = rng.chance(0.03);
    const path = broken ? `/blog/2024/${String(rng.int(1, 12)).padStart(2, '0')}/post-${rng.int(61, 99)}` : rng.pick(SITE_PATHS);
    rec.access(at, { ip, path, status: broken ? 404 : 200, bytes: broken ? 209 : rng.int(2_000, 60_000), referer, userAgent: ua });
    if (!broken && k === 0) {
      for (const asset of rng.sample(STATIC_ASSETS, rng.int(1, 4))) {
        const cached = rng.chance(0.3);
        rec.access(at + rng.int(100, 900), { ip, path: asset, status: cached ? 304 : 200, bytes: cached ? 0 : rng.int(1_000, 200_000), referer: `https://example.test${path}`, userAgent: ua });
      }
    }
    referer = `https://example.test${path}`;
    at += rng.int(4, 90) * 1000;
  }
}

function crawl(rec: ScenarioRecorder, rng: Prng, ip: string, ua: string, t: number): void {
  let at = t;
  rec.access(at, { ip, path: '/robots.txt', status: 200, bytes: 120, userAgent: ua });
  const pages = rng.sample(SITE_PATHS, rng.int(60, SITE_PATHS.length));
  for (const path of pages) {
    at += rng.int(3, 20) * 1000;
    const gone = rng.chance(0.02);
    rec.access(at, { ip, path: gone ? `${path}-old` : path, status: gone ? 404 : rng.chance(0.05) ? 301 : 200, bytes: rng.int(2_000, 60_000), userAgent: ua });
  }
}

function daytime(rng: Prng, day: number, fromH: number, toH: number): number {
  return day + rng.range(fromH, toH) * HOUR;
}

/** A source of the internet's background guessing: a botnet address, an attack in its own right (issue 20). */
export interface BackgroundGuesser {
  ip: string;
  start: number;
  end: number;
}

export function generateNormalTraffic(rec: ScenarioRecorder, rng: Prng, ips: IpPool, start: number, days: number): BackgroundGuesser[] {
  const guessers: BackgroundGuesser[] = [];
  ips.reserve(OFFICE_IP);
  ips.reserve(HEALTH_PROBE_IP);
  const staff: StaffMember[] = STAFF_USERS.map((user, i) => ({
    user,
    vpnIp: ips.reserve(`10.8.0.${10 + i}`),
    homeIp: ips.public(),
    usesSsh: i < 9,
    admin: i < 4,
  }));
  const returning = Array.from({ length: 40 }, () => ips.public());
  const crawlerIps = CRAWLERS.map((c) => [ips.inNet(c.net), ips.inNet(c.net)]);

  for (let d = 0; d < days; d++) {
    const day = start + d * DAY;
    const weekday = isWeekday(day);
    for (const s of staff) {
      if (weekday) {
        if (s.usesSsh) for (let k = rng.int(1, 3); k > 0; k--) staffSsh(rec, rng, s, daytime(rng, day, 8.5, 18));
        for (let k = rng.int(1, 2); k > 0; k--) staffWeb(rec, rng, s, daytime(rng, day, 8.5, 17.5));
        if (s.usesSsh && rng.chance(0.06)) staffSsh(rec, rng, s, daytime(rng, day, 20, 23)); // a late fix
      } else if (s.usesSsh && rng.chance(0.1)) {
        staffSsh(rec, rng, s, daytime(rng, day, 9, 22)); // on call
      }
    }
    const visits = rng.int(150, 300);
    for (let k = 0; k < visits; k++) {
      const t = rng.chance(0.8) ? daytime(rng, day, 7, 22) : daytime(rng, day, 0, 24);
      visit(rec, rng, rng.chance(0.2) ? rng.pick(returning) : ips.public(), t);
    }
    CRAWLERS.forEach((c, i) => {
      for (let k = rng.int(1, 2); k > 0; k--) crawl(rec, rng, rng.pick(crawlerIps[i] as string[]), c.ua, daytime(rng, day, 0, 22));
    });
    for (let m = 0; m < 24 * 60; m += 2) {
      rec.access(day + m * MIN + rng.int(0, 1500), { ip: HEALTH_PROBE_IP, path: '/healthz', status: 200, bytes: 2, userAgent: 'kube-probe/1.29' });
    }
    for (let m = 7; m < 24 * 60; m += 10) {
      const pid = rng.int(2000, 64000);
      rec.auth(day + m * MIN, 'CRON', pid, 'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)', { action: 'session_open', outcome: 'success', user: 'root' });
      rec.auth(day + m * MIN + rng.int(200, 3000), 'CRON', pid, 'pam_unix(cron:session): session closed for user root', { action: 'session_close', user: 'root' });
    }
    // Internet background: every exposed sshd sees a few guesses per source, well below an attack.
    for (let k = rng.int(15, 35); k > 0; k--) {
      const ip = ips.public();
      let t = daytime(rng, day, 0, 24);
      const first = t;
      let last = t;
      for (let a = rng.int(1, 3); a > 0; a--) {
        const user = rng.chance(0.3) ? 'root' : rng.pick(COMMON_INVALID_USERS);
        const run = sshAttempts(rec, rng, t, ip, user, ['fail'], { invalid: user !== 'root', nextGap: () => rng.int(1000, 4000) });
        last = run.lastTs;
        t = run.lastTs + rng.int(2, 40) * 1000;
      }
      guessers.push({ ip, start: Math.floor(first / 1000) * 1000, end: Math.floor(last / 1000) * 1000 });
    }
    for (let k = rng.int(8, 20); k > 0; k--) {
      const ip = ips.public();
      const ua = rng.chance(0.5) ? rng.pick(SCRIPT_AGENTS) : rng.pick(BROWSER_AGENTS);
      let t = daytime(rng, day, 0, 24);
      for (const path of rng.sample(PROBE_PATHS, rng.int(1, 4))) {
        rec.access(t, { ip, path, status: path.startsWith('/.git') || path.startsWith('/.ht') ? 403 : 404, bytes: 196, userAgent: ua });
        t += rng.int(1, 10) * 1000;
      }
    }
  }
  return guessers;
}
