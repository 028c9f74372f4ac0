/**
 * sshd as it writes to auth.log: a connection per TCP session with up to six password tries
 * (MaxAuthTries), pam lines beside the sshd ones, and the "Invalid user" / "Failed password for
 * invalid user" pair for accounts that do not exist.
 */
import type { Prng } from '../detect/behaviour/prng';
import type { ScenarioRecorder } from './recorder';

export type AttemptResult = 'fail' | 'ok';

export interface SshRun {
  firstTs: number;
  lastTs: number;
  /** pid and port of the connection that logged in, when one did. */
  session: { pid: number; port: number; user: string; ip: string } | null;
}

const MAX_AUTH_TRIES = 6;

export function uidOf(user: string): number {
  let h = 0;
  for (let i = 0; i < user.length; i++) h = (h * 31 + user.charCodeAt(i)) % 500;
  return user === 'root' ? 0 : 1000 + h;
}

/**
 * Log `results` (in order) as password attempts for `user` from `ip`, starting at `start`,
 * `nextGap()` ms apart. Returns the time span and the logged-in session, if any.
 */
export function sshAttempts(
  rec: ScenarioRecorder,
  rng: Prng,
  start: number,
  ip: string,
  user: string,
  results: readonly AttemptResult[],
  opts: { invalid?: boolean; nextGap: () => number },
): SshRun {
  const invalid = opts.invalid ?? false;
  let t = start;
  let session: SshRun['session'] = null;
  let i = 0;
  while (i < results.length) {
    const pid = rng.int(2000, 64000);
    const port = rng.int(32768, 60999);
    let triesHere = 0;
    if (invalid) {
      rec.auth(t, 'sshd', pid, `Invalid user ${user} from ${ip} port ${port}`, { action: 'ssh_invalid_user', outcome: 'failure', user, ip });
      rec.auth(t, 'sshd', pid, 'pam_unix(sshd:auth): check pass; user unknown', { action: 'pam_auth', outcome: 'failure' });
    }
    let loggedIn = false;
    while (i < results.length && triesHere < MAX_AUTH_TRIES) {
      // The first password of a connection follows the handshake within a second or two.
      if (triesHere > 0) t += opts.nextGap();
      else if (invalid) t += rng.int(500, 2500);
      const r = results[i++] as AttemptResult;
      triesHere++;
      if (r === 'fail' || invalid) {
        if (!invalid && triesHere === 1) {
          rec.auth(t, 'sshd', pid, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`, {
            action: 'pam_auth',
            outcome: 'failure',
            user,
            ip,
          });
        }
        const who = invalid ? `invalid user ${user}` : user;
        rec.auth(t, 'sshd', pid, `Failed password for ${who} from ${ip} port ${port} ssh2`, { action: 'ssh_login', outcome: 'failure', user, ip });
      } else {
        rec.auth(t, 'sshd', pid, `Accepted password for ${user} from ${ip} port ${port} ssh2`, { action: 'ssh_login', outcome: 'success', user, ip });
        rec.auth(t, 'sshd', pid, `pam_unix(sshd:session): session opened for user ${user}(uid=${uidOf(user)}) by (uid=0)`, {
          action: 'session_open',
          outcome: 'success',
          user,
        });
        session = { pid, port, user, ip };
        loggedIn = true;
        break;
      }
    }
    if (loggedIn) break;
    const who = invalid ? `invalid user ${user}` : `authenticating user ${user}`;
    if (triesHere >= MAX_AUTH_TRIES) {
      rec.auth(t, 'sshd', pid, `error: maximum authentication attempts exceeded for ${invalid ? `invalid user ${user}` : user} from ${ip} port ${port} ssh2 [preauth]`, {
        action: 'ssh_max_attempts',
        outcome: 'failure',
        user,
        ip,
        severity: 3,
      });
      rec.auth(t, 'sshd', pid, `Disconnecting ${who} ${ip} port ${port}: Too many authentication failures [preauth]`, { action: 'ssh_disconnect', user, ip });
    } else {
      rec.auth(t, 'sshd', pid, `Connection closed by ${who} ${ip} port ${port} [preauth]`, { action: 'ssh_disconnect', user, ip });
    }
    if (i < results.length) t += opts.nextGap();
  }
  return { firstTs: start, lastTs: t, session };
}

/** The lines sshd writes when a logged-in user logs out. */
export function sshLogout(rec: ScenarioRecorder, ts: number, s: NonNullable<SshRun['session']>): void {
  rec.auth(ts, 'sshd', s.pid, `Received disconnect from ${s.ip} port ${s.port}:11: disconnected by user`, { action: 'ssh_disconnect', ip: s.ip });
  rec.auth(ts, 'sshd', s.pid, `Disconnected from user ${s.user} ${s.ip} port ${s.port}`, { action: 'ssh_disconnect', user: s.user, ip: s.ip });
  rec.auth(ts, 'sshd', s.pid, `pam_unix(sshd:session): session closed for user ${s.user}`, { action: 'session_close', user: s.user });
}
