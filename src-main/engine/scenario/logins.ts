/**
 * Login attempts as each service writes them. The scenario plans connections the same way for
 * every dialect (a connection per TCP session with up to six tries, the same random draws for pid,
 * port and timing), and a dialect decides which lines a connection leaves and in which file:
 * OpenSSH on Debian (pam_unix beside sshd for the same try), older OpenSSH, a key-only server,
 * Red Hat's /var/log/secure and its old /var/log/messages (`sshd(pam_unix)` only, host names in
 * rhost=), vsftpd, ProFTPD, Dovecot, Postfix SASL and remote `login`. So one seed is one scenario
 * in every dialect, and a detector that only knew sshd's Debian wording fails in all the others.
 */
import type { Prng } from '../detect/behaviour/prng';
import { DIALECT_WRITERS, type Connection, type LoginDialect } from './dialects';
import type { ScenarioRecorder } from './recorder';

export type AttemptResult = 'fail' | 'ok';

export interface LoginRun {
  firstTs: number;
  lastTs: number;
  /** The connection that logged in, when one did. */
  session: Connection | null;
}

const MAX_AUTH_TRIES = 6;

/**
 * Log `results` (in order) as login attempts for `user` from `ip`, starting at `start`,
 * `nextGap()` ms apart, in the recorder's dialect. Returns the time span and the logged-in
 * connection, if any.
 */
export function loginAttempts(
  rec: ScenarioRecorder,
  rng: Prng,
  start: number,
  ip: string,
  user: string,
  results: readonly AttemptResult[],
  opts: { invalid?: boolean; nextGap: () => number },
): LoginRun {
  const w = DIALECT_WRITERS[rec.dialect];
  rec.sawLogin(ip);
  const invalid = opts.invalid ?? false;
  let t = start;
  let session: Connection | null = null;
  let i = 0;
  while (i < results.length) {
    const c: Connection = { pid: rng.int(2000, 64000), port: rng.int(32768, 60999), ip, user, invalid };
    let triesHere = 0;
    w.open(rec, t, c);
    let loggedIn = false;
    while (i < results.length && triesHere < MAX_AUTH_TRIES) {
      // The first password of a connection follows the handshake within a second or two.
      if (triesHere > 0) t += opts.nextGap();
      else if (invalid) t += rng.int(500, 2500);
      const r = results[i++] as AttemptResult;
      triesHere++;
      if (r === 'fail' || invalid) {
        w.fail(rec, t, c, triesHere);
      } else {
        w.success(rec, t, c, triesHere);
        session = c;
        loggedIn = true;
        break;
      }
    }
    if (loggedIn) break;
    w.close(rec, t, c, triesHere, triesHere >= MAX_AUTH_TRIES);
    if (i < results.length) t += opts.nextGap();
  }
  return { firstTs: start, lastTs: t, session };
}

/** The lines a logged-in user leaves on logging out. */
export function loginLogout(rec: ScenarioRecorder, ts: number, s: Connection): void {
  DIALECT_WRITERS[rec.dialect].logout(rec, ts, s);
}

export type { Connection, LoginDialect };
