/**
 * Every common Linux auth source, one row each, with the lines its program writes (from the
 * programs' own wordings: OpenSSH's auth.c/auth2.c, pam_unix, shadow-utils and util-linux login,
 * su, sudo, gdm, vsftpd, ProFTPD's mod_auth, Dovecot, Postfix's smtpd, Apache's mod_auth_basic,
 * nginx's auth_basic, web login forms). A row renders a connection (one process: a pid, a port)
 * that makes some tries, so the lines that report one attempt twice (pam_unix beside sshd, sudo's
 * summary beside pam) and per connection (sshd's "maximum authentication attempts exceeded",
 * ProFTPD's "Maximum login attempts", Dovecot's "auth failed, 3 attempts") are all there.
 */
import { apacheStamp, syslogStamp } from '../scenario/format';

export interface Try {
  ts: number;
  ok: boolean;
}

export interface Connection {
  /** Where from: an address, or for a local source the calling account. */
  from: string;
  user: string;
  /** The account does not exist on the host. */
  invalid: boolean;
  pid: number;
  port: number;
  tries: Try[];
}

export interface Line {
  ts: number;
  text: string;
}

export interface SourceRow {
  name: string;
  /** The file its lines are in, as an analyst would have it. */
  file: string;
  /** Tries a connection may make before the server cuts it off. */
  maxTries: number;
  lines(c: Connection): Line[];
  /** How the incident names the source of `from` (an address, a host name, a local account, the console). */
  actor(from: string): string;
  /** Why this source cannot show spraying (names no account, or checks only the caller's own password); null when it can. */
  noSpray: string | null;
  /** Why this source cannot show a login after failures (it logs no successful login); null when it can. */
  noSuccess: string | null;
  /** Failures before the login that works (default 5): sudo's runs of 3 log their failures only when a run gives up. */
  guessFailures?: number;
}

const HOST = 'web01';
const PAM = 'logname= uid=0 euid=0';

function sys(ts: number, tag: string, msg: string): Line {
  return { ts, text: `${syslogStamp(ts)} ${HOST} ${tag}: ${msg}` };
}

/** The reverse name sshd gives an address when UseDNS resolves it (no lookup: a fixed name per address). */
export function nameOf(ip: string): string {
  return `adsl-${ip.replace(/\./g, '-')}.dyn.example.net`;
}

const ip = (from: string) => `ip:${from}`;
const caller = (from: string) => `user:${from}`;
const console_ = () => `host:${HOST}`;

/** OpenSSH's close of a connection that did not log in, with pam's summary of the tries after the first. */
function sshEnd(c: Connection, t: number, tag: string, maxed: boolean, modern: boolean): Line[] {
  const out: Line[] = [];
  const who = c.invalid ? `invalid user ${c.user}` : `authenticating user ${c.user}`;
  if (modern) {
    if (maxed) {
      out.push(
        sys(
          t,
          tag,
          `error: maximum authentication attempts exceeded for ${c.invalid ? `invalid user ${c.user}` : c.user} from ${c.from} port ${c.port} ssh2 [preauth]`,
        ),
      );
      out.push(sys(t, tag, `Disconnecting ${who} ${c.from} port ${c.port}: Too many authentication failures [preauth]`));
    } else out.push(sys(t, tag, `Connection closed by ${who} ${c.from} port ${c.port} [preauth]`));
  } else if (maxed) out.push(sys(t, tag, `Disconnecting: Too many authentication failures for ${c.user} [preauth]`));
  else out.push(sys(t, tag, `Received disconnect from ${c.from}: 11: Bye Bye [preauth]`));
  return out;
}

const openssh9: SourceRow = {
  name: 'OpenSSH 9 on Debian (auth.log): Failed password beside pam_unix',
  file: 'auth.log',
  maxTries: 6,
  lines(c) {
    const tag = `sshd[${c.pid}]`;
    const out: Line[] = [];
    const t0 = c.tries[0]!.ts;
    if (c.invalid)
      out.push(
        sys(t0, tag, `Invalid user ${c.user} from ${c.from} port ${c.port}`),
        sys(t0, tag, 'pam_unix(sshd:auth): check pass; user unknown'),
      );
    let fails = 0;
    for (const [i, t] of c.tries.entries()) {
      if (t.ok) {
        out.push(sys(t.ts, tag, `Accepted password for ${c.user} from ${c.from} port ${c.port} ssh2`));
        out.push(sys(t.ts, tag, `pam_unix(sshd:session): session opened for user ${c.user}(uid=1001) by (uid=0)`));
        return out;
      }
      fails++;
      if (i === 0)
        out.push(
          sys(
            t.ts,
            tag,
            `pam_unix(sshd:auth): authentication failure; ${PAM} tty=ssh ruser= rhost=${c.from}${c.invalid ? '' : `  user=${c.user}`}`,
          ),
        );
      out.push(sys(t.ts, tag, `Failed password for ${c.invalid ? 'invalid user ' : ''}${c.user} from ${c.from} port ${c.port} ssh2`));
    }
    const t = c.tries[c.tries.length - 1]!.ts;
    out.push(...sshEnd(c, t, tag, fails >= 6, true));
    if (fails > 1)
      out.push(
        sys(
          t,
          tag,
          `PAM ${fails - 1} more authentication failures; ${PAM} tty=ssh ruser= rhost=${c.from}${c.invalid ? '' : `  user=${c.user}`}`,
        ),
      );
    return out;
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const opensshOld: SourceRow = {
  name: 'OpenSSH 6-7 (old wording): no port on Invalid user, folded repeats, Disconnecting: Too many ... for root',
  file: 'auth.log',
  maxTries: 6,
  lines(c) {
    const tag = `sshd[${c.pid}]`;
    const out: Line[] = [];
    const t0 = c.tries[0]!.ts;
    if (c.invalid)
      out.push(
        sys(t0, tag, `Invalid user ${c.user} from ${c.from}`),
        sys(t0, tag, `input_userauth_request: invalid user ${c.user} [preauth]`),
      );
    const fail = `Failed password for ${c.invalid ? 'invalid user ' : ''}${c.user} from ${c.from} port ${c.port} ssh2`;
    const fails = c.tries.filter((t) => !t.ok);
    if (fails.length > 0) {
      if (c.invalid) out.push(sys(t0, tag, 'pam_unix(sshd:auth): check pass; user unknown'));
      // UseDNS: pam's rhost= is the name sshd resolved; sshd's own lines give the address.
      out.push(
        sys(
          t0,
          tag,
          `pam_unix(sshd:auth): authentication failure; ${PAM} tty=ssh ruser= rhost=${nameOf(c.from)} ${c.invalid ? '' : ` user=${c.user}`}`,
        ),
      );
      out.push(sys(fails[0]!.ts, tag, fail));
      // syslog folds the identical lines that follow.
      if (fails.length > 1) out.push(sys(fails[fails.length - 1]!.ts, tag, `message repeated ${fails.length - 1} times: [ ${fail}]`));
    }
    const ok = c.tries.find((t) => t.ok);
    if (ok) {
      out.push(sys(ok.ts, tag, `Accepted password for ${c.user} from ${c.from} port ${c.port} ssh2`));
      out.push(sys(ok.ts, tag, `pam_unix(sshd:session): session opened for user ${c.user} by (uid=0)`));
      return out;
    }
    const t = c.tries[c.tries.length - 1]!.ts;
    out.push(...sshEnd(c, t, tag, fails.length >= 6, false));
    if (fails.length > 1)
      out.push(
        sys(
          t,
          tag,
          `PAM ${fails.length - 1} more authentication failures; ${PAM} tty=ssh ruser= rhost=${nameOf(c.from)} ${c.invalid ? '' : ` user=${c.user}`}`,
        ),
      );
    return out;
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const publickey: SourceRow = {
  name: 'OpenSSH publickey: Failed publickey, Accepted publickey',
  file: 'auth.log',
  maxTries: 6,
  lines(c) {
    const tag = `sshd[${c.pid}]`;
    const out: Line[] = [];
    for (const t of c.tries) {
      const key = `RSA SHA256:${Buffer.from(`${c.from}${t.ts}`).toString('base64').slice(0, 43)}`;
      out.push(
        sys(
          t.ts,
          tag,
          `${t.ok ? 'Accepted' : 'Failed'} publickey for ${c.invalid ? 'invalid user ' : ''}${c.user} from ${c.from} port ${c.port} ssh2: ${key}`,
        ),
      );
      if (t.ok) return out;
    }
    out.push(...sshEnd(c, c.tries[c.tries.length - 1]!.ts, tag, c.tries.length >= 6, true));
    return out;
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const keyOnly: SourceRow = {
  name: 'OpenSSH key-only server: Invalid user + Connection closed by invalid user, by authenticating user',
  file: 'auth.log',
  maxTries: 1,
  lines(c) {
    const tag = `sshd[${c.pid}]`;
    const t = c.tries[0]!;
    if (t.ok) return [sys(t.ts, tag, `Accepted publickey for ${c.user} from ${c.from} port ${c.port} ssh2: ED25519 SHA256:3q2+7w`)];
    if (c.invalid)
      return [
        sys(t.ts, tag, `Invalid user ${c.user} from ${c.from} port ${c.port}`),
        sys(t.ts, tag, `Connection closed by invalid user ${c.user} ${c.from} port ${c.port} [preauth]`),
      ];
    return [sys(t.ts, tag, `Connection closed by authenticating user ${c.user} ${c.from} port ${c.port} [preauth]`)];
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const redhatMessages: SourceRow = {
  name: "Red Hat's old messages: sshd(pam_unix) only, the source by host name",
  file: 'messages',
  maxTries: 6,
  lines(c) {
    const tag = `sshd(pam_unix)[${c.pid}]`;
    const out: Line[] = [];
    for (const t of c.tries) {
      if (t.ok) {
        // A login shows only as its session, in the process that failed before.
        out.push(sys(t.ts, tag, `session opened for user ${c.user} by (uid=0)`));
        return out;
      }
      if (c.invalid) out.push(sys(t.ts, tag, 'check pass; user unknown'));
      out.push(
        sys(t.ts, tag, `authentication failure; ${PAM} tty=NODEVssh ruser= rhost=${nameOf(c.from)} ${c.invalid ? '' : ` user=${c.user}`}`),
      );
    }
    return out;
  },
  actor: (from) => `host:${nameOf(from)}`,
  noSpray: null,
  noSuccess: null,
};

const rhelSecure: SourceRow = {
  name: "Red Hat's secure: pam_unix(sshd:auth) naming the host, sshd the ::ffff: address",
  file: 'secure',
  maxTries: 6,
  lines(c) {
    const tag = `sshd[${c.pid}]`;
    const out: Line[] = [];
    let fails = 0;
    for (const [i, t] of c.tries.entries()) {
      if (t.ok) {
        out.push(sys(t.ts, tag, `Accepted password for ${c.user} from ::ffff:${c.from} port ${c.port} ssh2`));
        out.push(sys(t.ts, tag, `pam_unix(sshd:session): session opened for user ${c.user} by (uid=0)`));
        return out;
      }
      fails++;
      if (i === 0) {
        if (c.invalid)
          out.push(
            sys(t.ts, tag, `Invalid user ${c.user} from ::ffff:${c.from}`),
            sys(t.ts, tag, 'pam_unix(sshd:auth): check pass; user unknown'),
          );
        out.push(
          sys(
            t.ts,
            tag,
            `pam_unix(sshd:auth): authentication failure; ${PAM} tty=ssh ruser= rhost=${nameOf(c.from)}${c.invalid ? '' : `  user=${c.user}`}`,
          ),
        );
      }
      out.push(
        sys(t.ts, tag, `Failed password for ${c.invalid ? 'invalid user ' : ''}${c.user} from ::ffff:${c.from} port ${c.port} ssh2`),
      );
    }
    const t = c.tries[c.tries.length - 1]!.ts;
    if (fails >= 6) out.push(sys(t, tag, `Disconnecting: Too many authentication failures for ${c.user}`));
    if (fails > 1)
      out.push(
        sys(
          t,
          tag,
          `PAM ${fails - 1} more authentication failures; ${PAM} tty=ssh ruser= rhost=${nameOf(c.from)}${c.invalid ? '' : `  user=${c.user}`}`,
        ),
      );
    return out;
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const su: SourceRow = {
  name: 'su: FAILED SU beside pam_unix(su:auth)',
  file: 'auth.log',
  maxTries: 1,
  lines(c) {
    const tag = `su[${c.pid}]`;
    const t = c.tries[0]!;
    if (t.ok)
      return [
        sys(t.ts, tag, `(to ${c.user}) ${c.from} on pts/1`),
        sys(t.ts, tag, `pam_unix(su:session): session opened for user ${c.user}(uid=0) by ${c.from}(uid=1001)`),
      ];
    return [
      sys(
        t.ts,
        tag,
        `pam_unix(su:auth): authentication failure; logname=${c.from} uid=1001 euid=0 tty=/dev/pts/1 ruser=${c.from} rhost=  user=${c.user}`,
      ),
      sys(t.ts, tag, `FAILED SU (to ${c.user}) ${c.from} on pts/1`),
    ];
  },
  actor: caller,
  noSpray: null,
  noSuccess: null,
};

const sudo: SourceRow = {
  name: 'sudo: "N incorrect password attempts" beside pam_unix(sudo:auth) and its "PAM N more"',
  file: 'auth.log',
  maxTries: 3,
  lines(c) {
    const fails = c.tries.filter((t) => !t.ok);
    const ok = c.tries.find((t) => t.ok);
    const out: Line[] = [];
    const keys = `logname=${c.from} uid=1001 euid=0 tty=/dev/pts/1 ruser=${c.from} rhost=  user=${c.from}`;
    const cmd = `TTY=pts/1 ; PWD=/home/${c.from} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`;
    if (fails.length > 0) out.push(sys(fails[0]!.ts, 'sudo', `pam_unix(sudo:auth): authentication failure; ${keys}`));
    if (ok) {
      out.push(sys(ok.ts, 'sudo', `   ${c.from} : ${cmd}`));
      out.push(sys(ok.ts, 'sudo', `pam_unix(sudo:session): session opened for user root(uid=0) by ${c.from}(uid=1001)`));
      return out;
    }
    const t = fails[fails.length - 1]!.ts;
    out.push(sys(t, 'sudo', `   ${c.from} : ${fails.length} incorrect password attempt${fails.length === 1 ? '' : 's'} ; ${cmd}`));
    if (fails.length > 1) out.push(sys(t, 'sudo', `PAM ${fails.length - 1} more authentication failures; ${keys}`));
    return out;
  },
  actor: caller,
  noSpray: "sudo checks the caller's own password: one caller cannot try many accounts through it",
  noSuccess: null,
  guessFailures: 6,
};

const sudoers: SourceRow = {
  name: 'sudo: user NOT in sudoers',
  file: 'auth.log',
  maxTries: 1,
  lines(c) {
    const t = c.tries[0]!;
    return [sys(t.ts, 'sudo', `   ${c.from} : user NOT in sudoers ; TTY=pts/2 ; PWD=/home/${c.from} ; USER=root ; COMMAND=/bin/bash`)];
  },
  actor: caller,
  noSpray: "sudo checks the caller's own password: one caller cannot try many accounts through it",
  noSuccess: 'a caller not in sudoers never gets through sudo',
};

const loginRemote: SourceRow = {
  name: 'login over telnet (util-linux): FAILED LOGIN n FROM host beside pam_unix(login:auth), LOGIN ON pts/1 BY',
  file: 'auth.log',
  maxTries: 5,
  lines(c) {
    const tag = `login[${c.pid}]`;
    const out: Line[] = [];
    let n = 0;
    for (const t of c.tries) {
      if (t.ok) {
        out.push(sys(t.ts, tag, `LOGIN ON pts/1 BY ${c.user} FROM ${c.from}`));
        out.push(sys(t.ts, tag, `pam_unix(login:session): session opened for user ${c.user}(uid=1001) by LOGIN(uid=0)`));
        return out;
      }
      n++;
      if (c.invalid) out.push(sys(t.ts, tag, 'pam_unix(login:auth): check pass; user unknown'));
      out.push(
        sys(
          t.ts,
          tag,
          `pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=/dev/pts/1 ruser= rhost=${c.from} ${c.invalid ? '' : ` user=${c.user}`}`,
        ),
      );
      out.push(sys(t.ts, tag, `FAILED LOGIN ${n} FROM ${c.from} FOR ${c.user}, Authentication failure`));
    }
    if (n >= 5)
      out.push(
        sys(c.tries[c.tries.length - 1]!.ts, tag, `TOO MANY LOGIN TRIES (${n}) FROM ${c.from} FOR ${c.user}, Authentication failure`),
      );
    return out;
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const loginConsole: SourceRow = {
  name: 'login on a console (util-linux): FAILED LOGIN 1 ON tty1 FOR, LOGIN ON tty1 BY',
  file: 'auth.log',
  maxTries: 3,
  lines(c) {
    const tag = `login[${c.pid}]`;
    return c.tries.map((t, i) =>
      t.ok
        ? sys(t.ts, tag, `LOGIN ON tty1 BY ${c.user}`)
        : sys(t.ts, tag, `FAILED LOGIN ${i + 1} ON tty1 FOR ${c.user}, Authentication failure`),
    );
  },
  actor: console_,
  noSpray: null,
  noSuccess: null,
};

const gdm: SourceRow = {
  name: 'gdm and systemd-logind (graphical console): pam_unix(gdm-password:auth), New session',
  file: 'auth.log',
  maxTries: 3,
  lines(c) {
    const tag = `gdm-password][${c.pid}]`;
    const out: Line[] = [];
    for (const t of c.tries) {
      if (t.ok) {
        out.push(sys(t.ts, tag, `pam_unix(gdm-password:session): session opened for user ${c.user}(uid=1001) by (uid=0)`));
        out.push(sys(t.ts, 'systemd-logind[512]', `New session 7 of user ${c.user}.`));
        return out;
      }
      out.push(sys(t.ts, tag, `pam_unix(gdm-password:auth): authentication failure; ${PAM} tty=/dev/tty1 ruser= rhost=  user=${c.user}`));
    }
    return out;
  },
  actor: console_,
  noSpray: null,
  noSuccess: null,
};

export const LOCAL_AND_SSH_ROWS: SourceRow[] = [
  openssh9,
  opensshOld,
  publickey,
  keyOnly,
  redhatMessages,
  rhelSecure,
  su,
  sudo,
  sudoers,
  loginRemote,
  loginConsole,
  gdm,
];

export { HOST, sys, apacheStamp };
