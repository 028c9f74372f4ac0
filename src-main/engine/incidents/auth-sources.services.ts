/**
 * The network services and web logins of the auth-source table (auth-sources.table.ts): vsftpd,
 * ProFTPD, Dovecot, Postfix SASL, Apache's and nginx's basic-auth errors, and web logins in an
 * access log under each status convention a site may use.
 */
import { type Connection, type Line, type SourceRow, HOST, apacheStamp, sys } from './auth-sources.table';

const PAM = 'logname= uid=0 euid=0';
const ip = (from: string) => `ip:${from}`;
const AGENT = 'python-requests/2.31.0';

const vsftpd: SourceRow = {
  name: 'vsftpd: FAIL LOGIN beside pam_unix(vsftpd:auth)',
  file: 'vsftpd.log',
  maxTries: 3,
  lines(c) {
    const tag = `vsftpd[${c.pid}]`;
    const out: Line[] = [sys(c.tries[0]!.ts, tag, `[pid ${c.pid}] CONNECT: Client "::ffff:${c.from}"`)];
    for (const t of c.tries) {
      if (t.ok) {
        out.push(sys(t.ts, tag, `[pid ${c.pid}] [${c.user}] OK LOGIN: Client "::ffff:${c.from}"`));
        return out;
      }
      if (c.invalid) out.push(sys(t.ts, tag, 'pam_unix(vsftpd:auth): check pass; user unknown'));
      out.push(
        sys(
          t.ts,
          tag,
          `pam_unix(vsftpd:auth): authentication failure; ${PAM} tty=ftp ruser=${c.user} rhost=${c.from} ${c.invalid ? '' : ` user=${c.user}`}`,
        ),
      );
      out.push(sys(t.ts, tag, `[pid ${c.pid}] [${c.user}] FAIL LOGIN: Client "::ffff:${c.from}"`));
    }
    return out;
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const proftpd: SourceRow = {
  name: 'ProFTPD: USER x (Login failed), no such user found, Maximum login attempts',
  file: 'proftpd.log',
  maxTries: 3,
  lines(c) {
    const tag = `proftpd[${c.pid}]`;
    const head = `ftp.example.test (${c.from}[${c.from}]) -`;
    const out: Line[] = [];
    for (const t of c.tries) {
      if (t.ok) {
        out.push(sys(t.ts, tag, `${head} USER ${c.user}: Login successful.`));
        return out;
      }
      out.push(
        sys(
          t.ts,
          tag,
          c.invalid
            ? `${head} USER ${c.user}: no such user found from ${c.from} [${c.from}] to 10.0.0.2:21`
            : `${head} USER ${c.user} (Login failed): Incorrect password`,
        ),
      );
    }
    if (c.tries.length >= 3) out.push(sys(c.tries[2]!.ts, tag, `${head} Maximum login attempts (3) exceeded, connection refused`));
    return out;
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const dovecot: SourceRow = {
  name: "Dovecot: auth's Password mismatch beside imap-login's (auth failed, N attempts)",
  file: 'mail.log',
  maxTries: 3,
  lines(c) {
    const sess = `${c.pid.toString(36)}${c.port.toString(36)}Xq`;
    const out: Line[] = [];
    for (const t of c.tries) {
      if (t.ok) {
        out.push(
          sys(
            t.ts,
            'dovecot',
            `imap-login: Login: user=<${c.user}>, method=PLAIN, rip=${c.from}, lip=10.0.0.2, mpid=${c.pid}, TLS, session=<${sess}>`,
          ),
        );
        return out;
      }
      out.push(
        sys(t.ts, 'dovecot', `auth: passwd-file(${c.user},${c.from},<${sess}>): ${c.invalid ? 'unknown user' : 'Password mismatch'}`),
      );
    }
    const n = c.tries.length;
    out.push(
      sys(
        c.tries[n - 1]!.ts,
        'dovecot',
        `imap-login: Disconnected (auth failed, ${n} attempts in ${2 * n} secs): user=<${c.user}>, method=PLAIN, rip=${c.from}, lip=10.0.0.2, TLS, session=<${sess}>`,
      ),
    );
    return out;
  },
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

const postfix: SourceRow = {
  name: 'Postfix SASL: SASL LOGIN authentication failed (no account named)',
  file: 'mail.log',
  maxTries: 3,
  lines(c) {
    const tag = `postfix/submission/smtpd[${c.pid}]`;
    const out: Line[] = [sys(c.tries[0]!.ts, tag, `connect from unknown[${c.from}]`)];
    for (const t of c.tries) {
      if (t.ok) {
        out.push(sys(t.ts, tag, `4C1A52A0F3: client=unknown[${c.from}], sasl_method=LOGIN, sasl_username=${c.user}`));
        return out;
      }
      out.push(sys(t.ts, tag, `warning: unknown[${c.from}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`));
    }
    out.push(
      sys(
        c.tries[c.tries.length - 1]!.ts,
        tag,
        `disconnect from unknown[${c.from}] ehlo=1 auth=0/${c.tries.length} commands=1/${c.tries.length + 1}`,
      ),
    );
    return out;
  },
  actor: ip,
  noSpray: 'Postfix names no account on a failed AUTH',
  noSuccess: null,
};

function apacheErrorStamp(ts: number, micros: boolean): string {
  const d = new Date(ts);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]!;
  const p = apacheStamp(ts); // [06/Mar/2024:09:00:00 +0000]
  const [dd, mon, rest] = [p.slice(1, 3), p.slice(4, 7), p.slice(8)];
  const year = rest.slice(0, 4);
  const clock = rest.slice(5, 13);
  return `[${day} ${mon} ${dd} ${clock}${micros ? '.204817' : ''} ${year}]`;
}

const apacheError: SourceRow = {
  name: "Apache 2.4 error log: mod_auth_basic's AH01617 authentication failure, AH01618 not found",
  file: 'error.log',
  maxTries: 1,
  lines(c) {
    const t = c.tries[0]!;
    const head = `${apacheErrorStamp(t.ts, true)} [auth_basic:error] [pid ${c.pid}:tid 140213] [client ${c.from}:${c.port}]`;
    return [
      {
        ts: t.ts,
        text: c.invalid
          ? `${head} AH01618: user ${c.user} not found: /admin/`
          : `${head} AH01617: user ${c.user}: authentication failure for "/admin/": Password Mismatch`,
      },
    ];
  },
  actor: ip,
  noSpray: null,
  noSuccess: 'an error log holds no successful login',
};

const apache22: SourceRow = {
  name: 'Apache 2.2 error log: user x: authentication failure for "/admin/"',
  file: 'error_log',
  maxTries: 1,
  lines(c) {
    const t = c.tries[0]!;
    const head = `${apacheErrorStamp(t.ts, false)} [error] [client ${c.from}]`;
    return [
      {
        ts: t.ts,
        text: c.invalid
          ? `${head} user ${c.user} not found: /admin/`
          : `${head} user ${c.user}: authentication failure for "/admin/": Password Mismatch`,
      },
    ];
  },
  actor: ip,
  noSpray: null,
  noSuccess: 'an error log holds no successful login',
};

const nginxError: SourceRow = {
  name: 'nginx error log: auth_basic password mismatch, user was not found',
  file: 'error.log',
  maxTries: 1,
  lines(c) {
    const t = c.tries[0]!;
    const d = new Date(t.ts).toISOString();
    const stamp = `${d.slice(0, 10).replace(/-/g, '/')} ${d.slice(11, 19)}`;
    const what = c.invalid ? `user "${c.user}" was not found in "/etc/nginx/.htpasswd"` : `user "${c.user}": password mismatch`;
    return [
      {
        ts: t.ts,
        text: `${stamp} [error] 812#812: *${c.port} ${what}, client: ${c.from}, server: ${HOST}.example.test, request: "GET /admin/ HTTP/1.1", host: "${HOST}.example.test"`,
      },
    ];
  },
  actor: ip,
  noSpray: null,
  noSuccess: 'an error log holds no successful login',
};

/** One access log line (Apache combined). */
function clf(ts: number, from: string, user: string | null, method: string, path: string, status: number, bytes: number): Line {
  return { ts, text: `${from} - ${user ?? '-'} ${apacheStamp(ts)} "${method} ${path} HTTP/1.1" ${status} ${bytes || '-'} "-" "${AGENT}"` };
}

function webForm(name: string, path: string, fail: number, ok: number, noSuccess: string | null = null): SourceRow {
  return {
    name,
    file: 'access.log',
    maxTries: 1,
    lines: (c: Connection) => c.tries.map((t) => clf(t.ts, c.from, null, 'POST', path, t.ok ? ok : fail, t.ok ? 0 : 4120)),
    actor: ip,
    noSpray: 'a form login leaves no account in the access log',
    noSuccess,
  };
}

const basicAccess: SourceRow = {
  name: 'Web basic auth in an access log: 401 naming the account, then 200',
  file: 'access.log',
  maxTries: 1,
  lines: (c) => c.tries.map((t) => clf(t.ts, c.from, c.user, 'GET', '/admin/', t.ok ? 200 : 401, t.ok ? 5120 : 381)),
  actor: ip,
  noSpray: null,
  noSuccess: null,
};

export const SERVICE_ROWS: SourceRow[] = [
  vsftpd,
  proftpd,
  dovecot,
  postfix,
  apacheError,
  apache22,
  nginxError,
  webForm('Web login, API convention: POST /api/login answered 401 or 200', '/api/login', 401, 200),
  webForm('Web login, Plone convention: POST /login_form answered 200 on failure, 302 on success', '/login_form', 200, 302),
  webForm('Web login, WordPress: POST /wp-login.php answered 200 on failure, 302 on success', '/wp-login.php', 200, 302),
  webForm(
    'Web login, unknown convention: POST /signin answered 200 either way (volume counts)',
    '/signin',
    200,
    200,
    'the answer does not say which try worked',
  ),
  webForm(
    'Web registration form: POST /wp-login.php?action=register answered 200 (volume counts)',
    '/wp-login.php?action=register',
    200,
    200,
    'a registration is no login',
  ),
  basicAccess,
];
