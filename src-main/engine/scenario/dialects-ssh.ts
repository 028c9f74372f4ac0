/**
 * SSH logins as OpenSSH and pam_unix write them (logins.ts plans the connections): the wordings
 * of OpenSSH's auth.c/auth2.c log statements across versions, pam_unix's, and Red Hat's old
 * `sshd(pam_unix)` tag. A dialect that shows a source only by host name (Red Hat's messages file,
 * where sshd had resolved it) says so (`shows`), so a scenario's truth names the actor as the log does.
 */
import type { ScenarioRecorder } from './recorder';
import { type Connection, type DialectWriter, PAM_KEYS as PAM, reverseName, uidOf } from './dialect-common';

function sshd(rec: ScenarioRecorder, t: number, c: Connection, message: string): void {
  rec.auth(t, 'sshd', c.pid, message);
}

/** OpenSSH 8-9 on Debian/Ubuntu: ports everywhere, pam_unix beside sshd for the first try and a "PAM N more" at the end. */
export const openssh: DialectWriter = {
  file: 'auth.log',
  open(rec, t, c) {
    if (!c.invalid) return;
    sshd(rec, t, c, `Invalid user ${c.user} from ${c.ip} port ${c.port}`);
    sshd(rec, t, c, 'pam_unix(sshd:auth): check pass; user unknown');
  },
  fail(rec, t, c, n) {
    if (!c.invalid && n === 1)
      sshd(rec, t, c, `pam_unix(sshd:auth): authentication failure; ${PAM} tty=ssh ruser= rhost=${c.ip}  user=${c.user}`);
    sshd(rec, t, c, `Failed password for ${c.invalid ? `invalid user ${c.user}` : c.user} from ${c.ip} port ${c.port} ssh2`);
  },
  success(rec, t, c) {
    sshd(rec, t, c, `Accepted password for ${c.user} from ${c.ip} port ${c.port} ssh2`);
    sshd(rec, t, c, `pam_unix(sshd:session): session opened for user ${c.user}(uid=${uidOf(c.user)}) by (uid=0)`);
  },
  close(rec, t, c, tries, maxed) {
    const who = c.invalid ? `invalid user ${c.user}` : `authenticating user ${c.user}`;
    if (maxed) {
      sshd(
        rec,
        t,
        c,
        `error: maximum authentication attempts exceeded for ${c.invalid ? `invalid user ${c.user}` : c.user} from ${c.ip} port ${c.port} ssh2 [preauth]`,
      );
      sshd(rec, t, c, `Disconnecting ${who} ${c.ip} port ${c.port}: Too many authentication failures [preauth]`);
    } else {
      sshd(rec, t, c, `Connection closed by ${who} ${c.ip} port ${c.port} [preauth]`);
    }
    if (!c.invalid && tries > 1)
      sshd(rec, t, c, `PAM ${tries - 1} more authentication failures; ${PAM} tty=ssh ruser= rhost=${c.ip}  user=${c.user}`);
  },
  logout(rec, t, c) {
    sshd(rec, t, c, `Received disconnect from ${c.ip} port ${c.port}:11: disconnected by user`);
    sshd(rec, t, c, `Disconnected from user ${c.user} ${c.ip} port ${c.port}`);
    sshd(rec, t, c, `pam_unix(sshd:session): session closed for user ${c.user}`);
  },
  shows: (ip) => ip,
};

/** OpenSSH 6-7 as Ubuntu 14/16 logged it (Loghub's OpenSSH set): no port on "Invalid user", UseDNS names in rhost=, the old "Disconnecting: Too many ...". */
export const opensshOld: DialectWriter = {
  file: 'auth.log',
  open(rec, t, c) {
    const name = reverseName(c.ip);
    if (name !== null && c.invalid)
      sshd(rec, t, c, `reverse mapping checking getaddrinfo for ${name} [${c.ip}] failed - POSSIBLE BREAK-IN ATTEMPT!`);
    if (!c.invalid) return;
    sshd(rec, t, c, `Invalid user ${c.user} from ${c.ip}`);
    sshd(rec, t, c, `input_userauth_request: invalid user ${c.user} [preauth]`);
  },
  fail(rec, t, c, n) {
    const rhost = reverseName(c.ip) ?? c.ip;
    if (n === 1) {
      if (c.invalid) {
        sshd(rec, t, c, 'pam_unix(sshd:auth): check pass; user unknown');
        sshd(rec, t, c, `pam_unix(sshd:auth): authentication failure; ${PAM} tty=ssh ruser= rhost=${rhost} `);
      } else sshd(rec, t, c, `pam_unix(sshd:auth): authentication failure; ${PAM} tty=ssh ruser= rhost=${rhost}  user=${c.user}`);
    }
    sshd(rec, t, c, `Failed password for ${c.invalid ? `invalid user ${c.user}` : c.user} from ${c.ip} port ${c.port} ssh2`);
  },
  success(rec, t, c) {
    sshd(rec, t, c, `Accepted password for ${c.user} from ${c.ip} port ${c.port} ssh2`);
    sshd(rec, t, c, `pam_unix(sshd:session): session opened for user ${c.user} by (uid=0)`);
  },
  close(rec, t, c, tries, maxed) {
    const rhost = reverseName(c.ip) ?? c.ip;
    if (maxed) sshd(rec, t, c, `Disconnecting: Too many authentication failures for ${c.user} [preauth]`);
    else sshd(rec, t, c, `Received disconnect from ${c.ip}: 11: Bye Bye [preauth]`);
    if (tries > 1) {
      const s = tries - 1 === 1 ? 'failure' : 'failures';
      sshd(
        rec,
        t,
        c,
        `PAM ${tries - 1} more authentication ${s}; ${PAM} tty=ssh ruser= rhost=${rhost} ${c.invalid ? '' : ` user=${c.user}`}`,
      );
    }
  },
  logout(rec, t, c) {
    sshd(rec, t, c, `Received disconnect from ${c.ip}: 11: disconnected by user`);
    sshd(rec, t, c, `pam_unix(sshd:session): session closed for user ${c.user}`);
  },
  shows: (ip) => ip,
};

/** PasswordAuthentication no: a bot's try is a connection that ends before any login; the owner logs in with a key. */
export const keyOnly: DialectWriter = {
  file: 'auth.log',
  open() {},
  fail(rec, t, c, n) {
    // Each try of the plan is a connection of its own here: its own pid and port.
    const k = { ...c, pid: c.pid + n - 1, port: c.port + n - 1 };
    if (c.invalid) {
      sshd(rec, t, k, `Invalid user ${c.user} from ${c.ip} port ${k.port}`);
      sshd(rec, t, k, `Connection closed by invalid user ${c.user} ${c.ip} port ${k.port} [preauth]`);
    } else sshd(rec, t, k, `Connection closed by authenticating user ${c.user} ${c.ip} port ${k.port} [preauth]`);
  },
  success(rec, t, c, n) {
    c.pid += n - 1;
    c.port += n - 1;
    sshd(rec, t, c, `Accepted publickey for ${c.user} from ${c.ip} port ${c.port} ssh2: ED25519 SHA256:${keyPrint(c.user)}`);
    sshd(rec, t, c, `pam_unix(sshd:session): session opened for user ${c.user}(uid=${uidOf(c.user)}) by (uid=0)`);
  },
  close() {},
  logout: openssh.logout,
  shows: (ip) => ip,
};

function keyPrint(user: string): string {
  let h = 7;
  for (let i = 0; i < user.length; i++) h = (h * 131 + user.charCodeAt(i)) >>> 0;
  return Buffer.from(`vigil-key-${user}-${h}`).toString('base64').replace(/=+$/, '');
}

/** Red Hat's /var/log/secure (RHEL 5/6): IPv4-mapped addresses, UseDNS names in pam's rhost=, no port on "Invalid user". */
export const rhelSecure: DialectWriter = {
  file: 'secure',
  open(rec, t, c) {
    if (c.invalid) sshd(rec, t, c, `Invalid user ${c.user} from ::ffff:${c.ip}`);
  },
  fail(rec, t, c, n) {
    const rhost = reverseName(c.ip) ?? c.ip;
    if (n === 1) {
      if (c.invalid) {
        sshd(rec, t, c, 'pam_unix(sshd:auth): check pass; user unknown');
        sshd(rec, t, c, `pam_unix(sshd:auth): authentication failure; ${PAM} tty=ssh ruser= rhost=${rhost}`);
      } else sshd(rec, t, c, `pam_unix(sshd:auth): authentication failure; ${PAM} tty=ssh ruser= rhost=${rhost}  user=${c.user}`);
    }
    sshd(rec, t, c, `Failed password for ${c.invalid ? `invalid user ${c.user}` : c.user} from ::ffff:${c.ip} port ${c.port} ssh2`);
  },
  success(rec, t, c) {
    sshd(rec, t, c, `Accepted password for ${c.user} from ::ffff:${c.ip} port ${c.port} ssh2`);
    sshd(rec, t, c, `pam_unix(sshd:session): session opened for user ${c.user} by (uid=0)`);
  },
  close(rec, t, c, tries, maxed) {
    const rhost = reverseName(c.ip) ?? c.ip;
    if (maxed) sshd(rec, t, c, `Disconnecting: Too many authentication failures for ${c.user}`);
    else sshd(rec, t, c, `Received disconnect from ::ffff:${c.ip}: 11: Bye Bye`);
    if (tries > 1)
      sshd(
        rec,
        t,
        c,
        `PAM ${tries - 1} more authentication failures; ${PAM} tty=ssh ruser= rhost=${rhost} ${c.invalid ? '' : ` user=${c.user}`}`,
      );
  },
  logout(rec, t, c) {
    sshd(rec, t, c, `Received disconnect from ::ffff:${c.ip}: 11: disconnected by user`);
    sshd(rec, t, c, `pam_unix(sshd:session): session closed for user ${c.user}`);
  },
  shows: (ip) => ip,
};

/**
 * Red Hat's old /var/log/messages (Loghub's Linux set): only pam_unix, in an `sshd(pam_unix)` tag,
 * one line per try, the source as sshd resolved it. A login leaves only its session line, whose
 * source is known when the same process failed before (a first-try login shows no source).
 */
export const redhatMessages: DialectWriter = {
  file: 'messages',
  open() {},
  fail(rec, t, c) {
    const rhost = reverseName(c.ip) ?? c.ip;
    if (c.invalid) {
      rec.auth(t, 'sshd(pam_unix)', c.pid, 'check pass; user unknown');
      rec.auth(t, 'sshd(pam_unix)', c.pid, `authentication failure; ${PAM} tty=NODEVssh ruser= rhost=${rhost} `);
    } else rec.auth(t, 'sshd(pam_unix)', c.pid, `authentication failure; ${PAM} tty=NODEVssh ruser= rhost=${rhost}  user=${c.user}`);
  },
  success(rec, t, c) {
    rec.auth(t, 'sshd(pam_unix)', c.pid, `session opened for user ${c.user} by (uid=0)`);
  },
  close() {},
  logout(rec, t, c) {
    rec.auth(t, 'sshd(pam_unix)', c.pid, `session closed for user ${c.user}`);
  },
  shows: (ip) => reverseName(ip) ?? ip,
};
