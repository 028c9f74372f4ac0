/**
 * Logins to other services, as the programs write them (logins.ts plans the connections):
 *   vsftpd   `[pid N] [bob] FAIL LOGIN: Client "1.2.3.4"` beside pam_unix(vsftpd:auth); at most 3 tries a connection
 *   proftpd  `ftp.example.test (1.2.3.4[1.2.3.4]) - USER bob (Login failed): Incorrect password`, MaxLoginAttempts 3
 *   dovecot  auth_verbose's `auth: passwd-file(bob,1.2.3.4,<s>): Password mismatch` per try and the login
 *            process's `imap-login: Disconnected (auth failed, N attempts in S secs): user=<bob>, ...` per connection
 *   postfix  `warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: UGFzc3dvcmQ6` (no account named)
 *   login    telnet's shadow-utils login: `FAILED LOGIN (n) on '/dev/pts/k' from '1.2.3.4' FOR 'bob', ...`
 */
import { type Connection, type DialectWriter, PAM_KEYS as PAM, uidOf } from './dialect-common';

const SERVER = 'ftp.example.test';
const LOCAL = '10.0.0.2';

function session(c: Connection): string {
  let h = c.pid * 31 + c.port;
  let s = '';
  for (let i = 0; i < 16; i++) {
    h = (h * 1103515245 + 12345) >>> 0;
    s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[h % 64];
  }
  return s;
}

/** vsftpd (max_login_fails 3): tries past the third are a new connection. */
function ftpConn(c: Connection, n: number): Connection {
  return n > 3 ? { ...c, pid: c.pid + 1, port: c.port + 1 } : c;
}

const vsftpd: DialectWriter = {
  file: 'vsftpd.log',
  open(rec, t, c) {
    rec.auth(t, 'vsftpd', c.pid, `[pid ${c.pid}] CONNECT: Client "::ffff:${c.ip}"`);
  },
  fail(rec, t, c, n) {
    const k = ftpConn(c, n);
    if (c.invalid) {
      rec.auth(t, 'vsftpd', k.pid, 'pam_unix(vsftpd:auth): check pass; user unknown');
      rec.auth(t, 'vsftpd', k.pid, `pam_unix(vsftpd:auth): authentication failure; ${PAM} tty=ftp ruser=${c.user} rhost=${c.ip} `);
    } else
      rec.auth(
        t,
        'vsftpd',
        k.pid,
        `pam_unix(vsftpd:auth): authentication failure; ${PAM} tty=ftp ruser=${c.user} rhost=${c.ip}  user=${c.user}`,
      );
    rec.auth(t, 'vsftpd', k.pid, `[pid ${k.pid}] [${c.user}] FAIL LOGIN: Client "::ffff:${c.ip}"`);
  },
  success(rec, t, c, n) {
    const k = ftpConn(c, n);
    rec.auth(t, 'vsftpd', k.pid, `[pid ${k.pid}] [${c.user}] OK LOGIN: Client "::ffff:${c.ip}"`);
  },
  close() {},
  logout() {},
  shows: (ip) => ip,
};

const proftpd: DialectWriter = {
  file: 'proftpd.log',
  open() {},
  fail(rec, t, c, n) {
    const k = ftpConn(c, n);
    const head = `${SERVER} (${c.ip}[${c.ip}]) -`;
    if (c.invalid) rec.auth(t, 'proftpd', k.pid, `${head} USER ${c.user}: no such user found from ${c.ip} [${c.ip}] to ${LOCAL}:21`);
    else rec.auth(t, 'proftpd', k.pid, `${head} USER ${c.user} (Login failed): Incorrect password`);
    if (n === 3) rec.auth(t, 'proftpd', k.pid, `${head} Maximum login attempts (3) exceeded, connection refused`);
  },
  success(rec, t, c, n) {
    rec.auth(t, 'proftpd', ftpConn(c, n).pid, `${SERVER} (${c.ip}[${c.ip}]) - USER ${c.user}: Login successful.`);
  },
  close(rec, t, c, tries) {
    if (tries > 3 && tries === 6)
      rec.auth(t, 'proftpd', c.pid + 1, `${SERVER} (${c.ip}[${c.ip}]) - Maximum login attempts (3) exceeded, connection refused`);
  },
  logout(rec, t, c) {
    rec.auth(t, 'proftpd', c.pid, `${SERVER} (${c.ip}[${c.ip}]) - FTP session closed.`);
  },
  shows: (ip) => ip,
};

/** Dovecot with auth_verbose: the auth process names each failed try, the login process sums the connection up. */
const dovecot: DialectWriter = {
  file: 'mail.log',
  open() {},
  fail(rec, t, c) {
    rec.auth(
      t,
      'dovecot',
      null,
      `auth: passwd-file(${c.user},${c.ip},<${session(c)}>): ${c.invalid ? 'unknown user' : 'Password mismatch'}`,
    );
  },
  success(rec, t, c) {
    rec.auth(
      t,
      'dovecot',
      null,
      `imap-login: Login: user=<${c.user}>, method=PLAIN, rip=${c.ip}, lip=${LOCAL}, mpid=${c.pid}, TLS, session=<${session(c)}>`,
    );
  },
  close(rec, t, c, tries) {
    rec.auth(
      t,
      'dovecot',
      null,
      `imap-login: Disconnected (auth failed, ${tries} attempts in ${2 * tries + 1} secs): user=<${c.user}>, method=PLAIN, rip=${c.ip}, lip=${LOCAL}, TLS, session=<${session(c)}>`,
    );
  },
  logout(rec, t, c) {
    rec.auth(t, 'dovecot', null, `imap(${c.user})<${c.pid}><${session(c)}>: Logged out in=312 out=1849`);
  },
  shows: (ip) => ip,
};

/** Postfix SASL: a failed AUTH names the client, never the account. */
const postfix: DialectWriter = {
  file: 'mail.log',
  open(rec, t, c) {
    rec.auth(t, 'postfix/smtpd', c.pid, `connect from unknown[${c.ip}]`);
  },
  fail(rec, t, c) {
    rec.auth(t, 'postfix/smtpd', c.pid, `warning: unknown[${c.ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`);
  },
  success(rec, t, c) {
    const qid = (c.pid * 7919 + c.port).toString(16).toUpperCase().padStart(10, '0').slice(-10);
    rec.auth(t, 'postfix/smtpd', c.pid, `${qid}: client=unknown[${c.ip}], sasl_method=LOGIN, sasl_username=${c.user}`);
  },
  close(rec, t, c) {
    rec.auth(t, 'postfix/smtpd', c.pid, `disconnect from unknown[${c.ip}] ehlo=1 auth=0/1 commands=1/2`);
  },
  logout(rec, t, c) {
    rec.auth(t, 'postfix/smtpd', c.pid, `disconnect from unknown[${c.ip}] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6`);
  },
  shows: (ip) => ip,
};

/** A remote login (telnetd + shadow-utils login): pam_unix and login each write the failed try. */
const login: DialectWriter = {
  file: 'auth.log',
  open() {},
  fail(rec, t, c, n) {
    const tty = `/dev/pts/${c.port % 16}`;
    if (c.invalid) rec.auth(t, 'login', c.pid, 'pam_unix(login:auth): check pass; user unknown');
    rec.auth(
      t,
      'login',
      c.pid,
      `pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=${tty} ruser= rhost=${c.ip} ${c.invalid ? '' : ` user=${c.user}`}`,
    );
    rec.auth(
      t,
      'login',
      c.pid,
      `FAILED LOGIN (${n}) on '${tty}' from '${c.ip}' FOR '${c.invalid ? 'UNKNOWN' : c.user}', Authentication failure`,
    );
  },
  success(rec, t, c) {
    const tty = `pts/${c.port % 16}`;
    rec.auth(t, 'login', c.pid, `LOGIN ON ${tty} BY ${c.user} FROM ${c.ip}`);
    rec.auth(t, 'login', c.pid, `pam_unix(login:session): session opened for user ${c.user}(uid=${uidOf(c.user)}) by LOGIN(uid=0)`);
  },
  close(rec, t, c, tries, maxed) {
    if (maxed)
      rec.auth(
        t,
        'login',
        c.pid,
        `TOO MANY LOGIN TRIES (${tries}) on '/dev/pts/${c.port % 16}' from '${c.ip}' FOR '${c.invalid ? 'UNKNOWN' : c.user}'`,
      );
  },
  logout(rec, t, c) {
    rec.auth(t, 'login', c.pid, `pam_unix(login:session): session closed for user ${c.user}`);
  },
  shows: (ip) => ip,
};

export const SERVICE_WRITERS = { vsftpd, proftpd, dovecot, postfix, login } as const;
