/**
 * What an SSH server or a login page on the internet sees, spread over many sources, each with
 * its ground truth: one truth per attacking address, so a test can ask that every address lands
 * in an incident (or a campaign) of the right category.
 */
import { STAFF, SYSTEM, type InternetTruth, type PlantContext, truthOf } from './truth';
import { leakedUsernames, rotatingAgents, SCRIPT_AGENTS } from '../catalog';
import { type AttemptResult, sshAttempts, sshLogout } from '../sshd';
import { wordlists } from './wordlists';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function invalidOn(user: string): boolean {
  return !SYSTEM.includes(user) && !STAFF.includes(user);
}

/**
 * Botnet background noise: `bots` addresses, each running one of `lists` shared dictionaries, a
 * few names per visit, a few visits over the days. `winners` bots guess a weak service account
 * and one of them uses sudo afterwards.
 */
export function botnetNoise(ctx: PlantContext, o: { bots: number; lists: number; days: number; winners: number }): InternetTruth[] {
  const { rec, rng, ips, start } = ctx;
  const lists = wordlists(rng, o.lists, 25);
  const out: InternetTruth[] = [];
  for (let b = 0; b < o.bots; b++) {
    const ip = ips.public();
    const listNo = b % lists.length;
    const list = lists[listNo]!;
    const visits = rng.int(1, 4);
    let first = Infinity;
    let last = -Infinity;
    let offset = rng.int(0, list.length - 1);
    for (let v = 0; v < visits; v++) {
      let t = start + rng.range(0, o.days * DAY - HOUR);
      const tries = rng.int(2, 5);
      for (let k = 0; k < tries; k++) {
        const user = list[offset++ % list.length]!;
        const run = sshAttempts(rec, rng, t, ip, user, ['fail'], { invalid: invalidOn(user), nextGap: () => rng.int(1000, 3000) });
        first = Math.min(first, run.firstTs);
        last = Math.max(last, run.lastTs);
        t = run.lastTs + rng.int(1000, 6000);
      }
    }
    out.push(truthOf('botnet', 'auth_attack', ip, first, last, `botnet dictionary ${listNo + 1}`, `botnet-${listNo + 1}`));
  }
  for (let w = 0; w < o.winners; w++) {
    const ip = ips.public();
    const user = 'deploy';
    let t = start + rng.range(DAY, o.days * DAY - DAY);
    const results: AttemptResult[] = [...Array<AttemptResult>(rng.int(6, 12)).fill('fail'), 'ok'];
    const run = sshAttempts(rec, rng, t, ip, user, results, { nextGap: () => rng.int(2000, 5000) });
    t = run.lastTs;
    if (run.session) {
      if (w === 0)
        rec.auth(t + 2 * MIN, 'sudo', null, `   ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/bin/bash`, {
          action: 'sudo',
          outcome: 'success',
          user,
        });
      sshLogout(rec, t + rng.int(5, 30) * MIN, run.session);
    }
    out.push(truthOf('compromise', 'auth_attack', ip, run.firstTs, run.lastTs, `guessed ${user} after failures`, 'botnet-winner'));
  }
  return out;
}

/** Credential stuffing through proxies: `sources` addresses, 3-4 leaked accounts each, mostly unknown; a few real ones work. */
export function distributedStuffing(ctx: PlantContext, o: { sources: number; web: boolean }): InternetTruth[] {
  const { rec, rng, ips, start } = ctx;
  const leaked = rng.sample(leakedUsernames(), o.sources * 4);
  const real = rng.sample(STAFF, 3);
  const agents = rotatingAgents();
  const out: InternetTruth[] = [];
  let li = 0;
  let t = start;
  for (let s = 0; s < o.sources; s++) {
    const ip = ips.public();
    const accounts = leaked.slice(li, li + rng.int(3, 4));
    li += accounts.length;
    const win = s < real.length && s % 2 === 0 ? real[s]! : null;
    if (win) accounts.splice(rng.int(0, accounts.length), 0, win);
    let first = Infinity;
    let last = -Infinity;
    for (const user of accounts) {
      const ok = user === win;
      if (o.web) {
        rec.access(t, {
          ip,
          user: null,
          method: 'POST',
          path: '/api/login',
          status: ok ? 200 : 401,
          bytes: ok ? 312 : 61,
          userAgent: rng.pick(agents),
        });
        first = Math.min(first, t);
        last = Math.max(last, t);
      } else {
        const run = sshAttempts(rec, rng, t, ip, user, [ok ? 'ok' : 'fail'], { invalid: !ok, nextGap: () => 1000 });
        if (run.session) sshLogout(rec, run.lastTs + rng.int(1, 3) * MIN, run.session);
        first = Math.min(first, run.firstTs);
        last = Math.max(last, run.lastTs);
      }
      t += rng.int(20_000, 90_000);
    }
    const kind = win ? 'compromise' : 'distributed_stuffing';
    out.push(
      truthOf(
        kind,
        'auth_attack',
        ip,
        first,
        last,
        `${o.web ? 'web' : 'ssh'} stuffing through proxies${win ? `, ${win} worked` : ''}`,
        'stuffing',
      ),
    );
  }
  return out;
}

/** One account, many sources, a few tries each, within a couple of hours. */
export function distributedBruteForce(ctx: PlantContext, o: { sources: number }): InternetTruth[] {
  const { rec, rng, ips, start } = ctx;
  const user = rng.pick(['root', ...STAFF.slice(0, 3)]);
  const out: InternetTruth[] = [];
  for (let s = 0; s < o.sources; s++) {
    const ip = ips.public();
    const t = start + rng.range(0, 2 * HOUR);
    const run = sshAttempts(rec, rng, t, ip, user, Array<AttemptResult>(rng.int(3, 8)).fill('fail'), {
      nextGap: () => rng.int(2000, 6000),
    });
    out.push(
      truthOf(
        'distributed_brute_force',
        'auth_attack',
        ip,
        run.firstTs,
        run.lastTs,
        `one of ${o.sources} sources on ${user}`,
        'distributed-brute',
      ),
    );
  }
  return out;
}

/** One source, a try every one to five hours for days. */
export function lowAndSlow(ctx: PlantContext, o: { days: number }): InternetTruth[] {
  const { rec, rng, ips, start } = ctx;
  const ip = ips.public();
  const users = rng.sample([...SYSTEM.slice(0, 3), 'admin', 'oracle'], 3);
  let t = start;
  let last = start;
  let i = 0;
  while (t < start + o.days * DAY) {
    const user = users[i++ % users.length]!;
    const run = sshAttempts(rec, rng, t, ip, user, ['fail'], { invalid: invalidOn(user), nextGap: () => 1000 });
    last = run.lastTs;
    t += rng.range(1 * HOUR, 5 * HOUR);
  }
  return [truthOf('low_and_slow', 'auth_attack', ip, start, last, `a try every 1-5 hours for ${o.days} days`, `slow-${ip}`)];
}

/** A login page hammered from one address with 401s (no user in the log line). */
export function webLoginBruteForce(ctx: PlantContext, rngTries?: number): InternetTruth[] {
  const { rec, rng, ips, start } = ctx;
  const ip = ips.public();
  const n = rngTries ?? rng.int(120, 260);
  const ua = rng.pick(SCRIPT_AGENTS);
  let t = start;
  for (let k = 0; k < n; k++) {
    rec.access(t, {
      ip,
      method: 'POST',
      path: rng.chance(0.5) ? '/login' : '/login?next=%2Fapp%2F',
      status: 401,
      bytes: 61,
      userAgent: ua,
    });
    t += rng.int(300, 2500);
  }
  return [truthOf('web_brute_force', 'auth_attack', ip, start, t, `${n} POST /login answered 401`, `web-brute-${ip}`)];
}
