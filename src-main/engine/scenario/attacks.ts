/**
 * The attacks a scenario plants, each from its own fresh source IP, each returning the ground
 * truth it stands for (start/end are the first and last attack event times).
 */
import type { AttackPattern } from '../detect/behaviour/detection';
import type { GroundTruthAttack } from '../detect/behaviour/patternEval';
import type { Prng } from '../detect/behaviour/prng';
import {
  BROWSER_AGENTS,
  COMMON_INVALID_USERS,
  DIR_WORDS,
  PROBE_PATHS,
  SCANNER_AGENTS,
  SCRIPT_AGENTS,
  SITE_PATHS,
  STAFF_USERS,
  SYSTEM_USERS,
  leakedUsernames,
  rotatingAgents,
} from './catalog';
import type { ScenarioRecorder } from './recorder';
import { type AttemptResult, sshAttempts, sshLogout } from './sshd';

export interface AttackContext {
  rec: ScenarioRecorder;
  rng: Prng;
  ip: string;
  start: number;
}

const MIN = 60_000;

function truth(pattern: AttackPattern, ip: string, users: string[], start: number, end: number, note: string): GroundTruthAttack {
  return { pattern, key: ip, users, start, end, note };
}

const VALID_TARGETS: string[] = [...SYSTEM_USERS.slice(0, 4), ...STAFF_USERS.slice(0, 6)];

/** One IP hammering one to three accounts; sometimes it gets in (then also a compromise). */
export function bruteForce({ rec, rng, ip, start }: AttackContext): GroundTruthAttack[] {
  const web = rng.chance(0.25);
  const slow = !web && rng.chance(0.3);
  const gap = (): number => (slow ? rng.int(15_000, 45_000) : rng.int(800, 4_000));
  const users = web ? ['admin'] : rng.sample(rng.chance(0.5) ? VALID_TARGETS : [...VALID_TARGETS, 'admin', 'test'], rng.int(1, 3));
  const succeeds = rng.chance(0.4);
  const out: GroundTruthAttack[] = [];
  let t = start;
  let end = start;
  const ua = rng.pick(SCRIPT_AGENTS);
  users.forEach((user, ui) => {
    const fails = rng.int(slow ? 15 : 25, slow ? 40 : 150);
    const invalid = !web && !VALID_TARGETS.includes(user);
    const win = succeeds && !invalid && ui === users.length - 1;
    const userStart = t;
    if (web) {
      for (let k = 0; k < fails; k++) {
        if (k > 0) t += gap();
        rec.access(t, { ip, user, method: 'POST', path: '/api/login', status: 401, bytes: 61, userAgent: ua });
      }
      if (win) {
        t += gap();
        rec.access(t, { ip, user, method: 'POST', path: '/api/login', status: 200, bytes: 312, userAgent: ua });
      }
      end = t;
    } else {
      const results: AttemptResult[] = [...Array<AttemptResult>(fails).fill('fail'), ...(win ? (['ok'] as const) : [])];
      const run = sshAttempts(rec, rng, t, ip, user, results, { invalid, nextGap: gap });
      end = run.lastTs;
      if (run.session) sshLogout(rec, run.lastTs + rng.int(2, 20) * MIN, run.session);
    }
    if (win) out.push(truth('possible_compromise', ip, [user], userStart, end, web ? 'web brute force ended in success' : 'ssh brute force ended in success'));
    t = end + gap();
  });
  out.unshift(truth('brute_force', ip, users, start, end, `${web ? 'web' : 'ssh'}${slow ? ' slow' : ''} brute force on ${users.join(', ')}`));
  return out;
}

/** Many valid-looking accounts, one common password per round, a few rounds spaced out. */
export function passwordSpraying({ rec, rng, ip, start }: AttackContext): GroundTruthAttack[] {
  const web = rng.chance(0.3);
  const users = rng.sample([...STAFF_USERS, ...SYSTEM_USERS, ...COMMON_INVALID_USERS.slice(0, 8)], rng.int(14, 30));
  const rounds = rng.int(1, 3);
  const lucky = rng.chance(0.3) ? rng.pick(users.filter((u) => (STAFF_USERS as readonly string[]).includes(u))) : null;
  const luckyRound = rng.int(0, rounds - 1);
  const ua = rng.pick(SCRIPT_AGENTS);
  let t = start;
  let end = start;
  for (let r = 0; r < rounds; r++) {
    for (const user of users) {
      const win = user === lucky && r === luckyRound;
      if (web) {
        rec.access(t, { ip, user, method: 'POST', path: '/api/login', status: win ? 200 : 401, bytes: win ? 312 : 61, userAgent: ua });
        end = t;
      } else {
        const invalid = (COMMON_INVALID_USERS as readonly string[]).includes(user);
        const run = sshAttempts(rec, rng, t, ip, user, [win ? 'ok' : 'fail'], { invalid, nextGap: () => 1000 });
        end = run.lastTs;
        if (run.session) sshLogout(rec, run.lastTs + rng.int(1, 5) * MIN, run.session);
      }
      t = end + rng.int(3_000, 20_000);
    }
    t += rng.int(5, 15) * MIN;
  }
  return [truth('password_spraying', ip, users, start, end, `${web ? 'web' : 'ssh'} spray, ${users.length} users x ${rounds} rounds${lucky ? `, ${lucky} hit` : ''}`)];
}

/** Leaked username/password pairs replayed once each; a few are still valid and work first time. */
export function credentialStuffing({ rec, rng, ip, start }: AttackContext): GroundTruthAttack[] {
  const web = rng.chance(0.5);
  const leaked = rng.sample(leakedUsernames(), rng.int(35, 110));
  const hits = rng.sample(STAFF_USERS, rng.int(2, 5));
  const users = rng.sample([...leaked, ...hits], leaked.length + hits.length);
  const agents = rotatingAgents();
  let t = start;
  let end = start;
  for (const user of users) {
    const win = (hits as readonly string[]).includes(user);
    if (web) {
      rec.access(t, { ip, user, method: 'POST', path: '/api/login', status: win ? 200 : 401, bytes: win ? 312 : 61, userAgent: rng.pick(agents) });
      end = t;
      t += rng.int(400, 3_000);
    } else {
      const run = sshAttempts(rec, rng, t, ip, user, [win ? 'ok' : 'fail'], { invalid: !win, nextGap: () => 1000 });
      end = run.lastTs;
      if (run.session) sshLogout(rec, run.lastTs + rng.int(1, 3) * MIN, run.session);
      t = end + rng.int(1_000, 6_000);
    }
  }
  return [truth('credential_stuffing', ip, users, start, end, `${web ? 'web, rotating agents' : 'ssh'}: ${users.length} accounts, ${hits.length} valid`)];
}

/** A short guessing run on one staff account that ends in a login: too short for brute force. */
export function compromise({ rec, rng, ip, start }: AttackContext): GroundTruthAttack[] {
  const user = rng.pick(STAFF_USERS.slice(0, 9));
  const fails = rng.int(5, 8);
  const results: AttemptResult[] = [...Array<AttemptResult>(fails).fill('fail'), 'ok'];
  const run = sshAttempts(rec, rng, start, ip, user, results, { nextGap: () => rng.int(2_000, 8_000) });
  if (run.session) {
    rec.auth(run.lastTs + rng.int(1, 5) * MIN, 'sudo', null, `   ${user} : TTY=pts/1 ; PWD=/home/${user} ; USER=root ; COMMAND=/bin/bash`, { action: 'sudo', outcome: 'success', user });
    sshLogout(rec, run.lastTs + rng.int(10, 40) * MIN, run.session);
  }
  return [truth('possible_compromise', ip, [user], start, run.lastTs, `${fails} failures then success for ${user}`)];
}

function probeStatus(path: string, rng: Prng): number {
  if (path === '/' || path === '/robots.txt') return 200;
  if (/^\/\.(git|ht|svn)|server-status/.test(path)) return 403;
  if (path.endsWith('/') && rng.chance(0.1)) return 301;
  return 404;
}

/** Reconnaissance: a known tool, or a directory brute-forcer hiding behind a browser agent. */
export function scanning({ rec, rng, ip, start }: AttackContext): GroundTruthAttack[] {
  const stealth = rng.chance(0.3);
  const tool = stealth ? null : rng.pick(SCANNER_AGENTS);
  const ua = tool ? tool.ua : rng.pick(BROWSER_AGENTS);
  let paths: string[];
  if (tool && (tool.tool === 'zgrab' || tool.tool === 'masscan')) paths = ['/', ...(rng.chance(0.5) ? ['/robots.txt'] : [])];
  else if (tool?.tool === 'nmap') paths = ['/', '/robots.txt', ...rng.sample(PROBE_PATHS, rng.int(8, 20))];
  else if (tool?.tool === 'sqlmap') {
    const base = rng.pick(SITE_PATHS.filter((p) => p.startsWith('/shop/item/')));
    paths = Array.from({ length: rng.int(40, 150) }, (_, i) => `${base}?id=${1000 + i}%27%20AND%20${rng.int(1000, 9999)}%3D${rng.int(1000, 9999)}--%20`);
  } else {
    const words = rng.sample(DIR_WORDS, rng.int(40, DIR_WORDS.length));
    const exts = ['', '/', '.php', '.bak', '.zip', '.old'];
    paths = ['/', ...rng.sample(PROBE_PATHS, rng.int(10, PROBE_PATHS.length))];
    for (const w of words) for (const e of rng.sample(exts, rng.int(1, 3))) paths.push(`/${w}${e}`);
  }
  let t = start;
  let last = start;
  for (const path of paths) {
    const status = tool?.tool === 'sqlmap' ? (rng.chance(0.3) ? 500 : 200) : probeStatus(path, rng);
    rec.access(t, { ip, path, status, bytes: status === 200 ? rng.int(500, 9000) : 196, userAgent: ua });
    last = t;
    t += rng.int(50, stealth ? 1_500 : 700);
  }
  return [truth('scanning', ip, [], start, last, `${tool ? tool.tool : 'dir brute force, browser agent'}: ${paths.length} requests`)];
}

/** A source pounding one sensitive endpoint and getting denials or server errors back. */
export function errorBurst({ rec, rng, ip, start }: AttackContext): GroundTruthAttack[] {
  const variants = [
    { method: 'POST', paths: ['/admin/upload', '/admin/import'], status: () => 500, ua: rng.pick(SCRIPT_AGENTS), note: 'exploit attempts crashing /admin' },
    { method: 'GET', paths: ['/.env', '/.git/config'], status: () => 403, ua: rng.pick(BROWSER_AGENTS), note: 'repeated secret-file fetches denied' },
    { method: 'GET', paths: ['/admin/', '/admin/settings'], status: () => (rng.chance(0.5) ? 502 : 503), ua: rng.pick(BROWSER_AGENTS), note: 'admin backend failing under load' },
  ];
  const v = rng.pick(variants);
  const n = rng.int(20, 80);
  let t = start;
  let last = start;
  for (let k = 0; k < n; k++) {
    rec.access(t, { ip, method: v.method, path: rng.pick(v.paths), status: v.status(), bytes: 230, userAgent: v.ua });
    last = t;
    t += rng.int(300, 4_000);
  }
  // Denied POSTs to a login endpoint are login attempts, a web brute force (auth_attack): those
  // are planted by bruteForce and webLoginBruteForce, never as an error burst.
  return [truth('error_burst', ip, [], start, last, `${v.note}: ${n} requests`)];
}

export const ATTACK_GENERATORS: Record<AttackPattern, (ctx: AttackContext) => GroundTruthAttack[]> = {
  brute_force: bruteForce,
  password_spraying: passwordSpraying,
  credential_stuffing: credentialStuffing,
  possible_compromise: compromise,
  scanning,
  error_burst: errorBurst,
};
