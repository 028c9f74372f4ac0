/** Every bundled rule against events that must and must not match it. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../../test/paths';
import type { NormalizedEvent } from '../../../../src-shared/event';
import { SigmaEngine, type SigmaMatch } from '../engine';
import { auth, web } from './helpers';
import { createParseContext } from '../../parse/parsers/context';
import { parseSyslog3164 } from '../../parse/parsers/syslog3164';
import { parseAccess } from '../../parse/parsers/access';

const BUNDLED = join(ROOT, 'resources', 'sigma');
const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);

let engine: SigmaEngine;
beforeAll(async () => {
  const res = await new SigmaEngine().loadPack(BUNDLED);
  expect(res.failed).toEqual([]);
  expect(res.warnings).toEqual([]);
});

function fresh(): SigmaEngine {
  engine = new SigmaEngine();
  return engine;
}

async function run(events: NormalizedEvent[]): Promise<SigmaMatch[]> {
  const e = fresh();
  await e.loadPack(BUNDLED);
  const out: SigmaMatch[] = [];
  events.forEach((ev, i) => out.push(...e.evaluate({ ...ev, ts: ev.ts ?? T0 + i * 1000 })));
  return out;
}

async function titles(events: NormalizedEvent[]): Promise<string[]> {
  return (await run(events)).map((m) => m.title);
}


/** Lines of one auth log, parsed as an import parses them (one context: the lines of one file), a second apart. */
function parsed(lines: string[]): NormalizedEvent[] {
  const ctx = createParseContext('auth.log', { referenceTime: Date.UTC(2024, 11, 31) });
  return lines.map((l, i) => {
    const stamp = new Date(T0 + i * 1000).toISOString();
    const ev = parseSyslog3164(`Mar  1 ${stamp.slice(11, 19)} srv1 ${l}`, ctx, 'auth')!;
    ev.id = i + 1;
    return ev;
  });
}

describe('linux auth rules', () => {
  const ROOT_EXT = 'Root Login From A Non-Private Address';
  it(ROOT_EXT, async () => {
    expect(await titles(parsed(['sshd[9]: Accepted password for root from 203.0.113.5 port 50022 ssh2']))).toEqual([ROOT_EXT]);
    expect(await titles(parsed(['sshd[9]: Accepted publickey for root from 2001:db8::5 port 50022 ssh2: RSA SHA256:x']))).toEqual([ROOT_EXT]);
    expect(await titles(parsed(['vsftpd[9]: [root] OK LOGIN: Client "::ffff:203.0.113.5"']))).toEqual([ROOT_EXT]);
    expect(await titles(parsed(['sshd[9]: Accepted password for root from 192.168.1.5 port 50022 ssh2']))).toEqual([]);
    expect(await titles(parsed(['sshd[9]: Accepted password for alice from 203.0.113.5 port 50022 ssh2']))).toEqual([]);
    expect(await titles(parsed(['sshd[9]: Failed password for root from 203.0.113.5 port 50022 ssh2']))).toEqual([]);
    // At the console, and su to root from a local account: not from the internet.
    expect(await titles(parsed(['login[9]: ROOT LOGIN ON tty1']))).toEqual([]);
    expect(await titles(parsed(['su[9]: Successful su for root by alice']))).toEqual([]);
  });

  const INVALID = 'Login Attempt For A Non-Existent Account';
  it(INVALID, async () => {
    expect(await titles(parsed(['sshd[9]: Invalid user oracle from 198.51.100.23 port 41234']))).toEqual([INVALID]);
    // The "Failed password" line of the same attempt does not count it again.
    expect(await titles(parsed(['sshd[9]: Invalid user oracle from 198.51.100.23 port 41234', 'sshd[9]: Failed password for invalid user oracle from 198.51.100.23 port 41234 ssh2']))).toEqual([INVALID]);
    expect(await titles(parsed(['proftpd[9]: ftp.example.com (198.51.100.23[198.51.100.23]) - USER oracle: no such user found from 198.51.100.23 [198.51.100.23] to 10.0.0.2:21']))).toEqual([INVALID]);
    expect(await titles(parsed(['sshd[9]: Connection closed by 198.51.100.23 port 41234 [preauth]']))).toEqual([]);
  });

  const SUDO = 'Sudo Spawns An Interactive Root Shell';
  it(SUDO, async () => {
    const sudo = (m: string) => auth(m, { app: 'sudo', user: 'alice' });
    expect(await titles([sudo('   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash')])).toEqual([SUDO]);
    expect(await titles([sudo('   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/su -')])).toEqual([SUDO]);
    expect(await titles([sudo('   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/zsh')])).toEqual([SUDO]);
    expect(await titles([sudo('   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update')])).toEqual([]);
    expect(await titles([sudo('   alice : TTY=pts/0 ; PWD=/home/alice ; USER=postgres ; COMMAND=/bin/bash')])).toEqual([]);
    expect(await titles([sudo('   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bashful')])).toEqual([]);
  });

  const ADDED = 'Local User Account Created';
  const ADMIN = 'User Added To An Administrative Group';
  it(`${ADDED} and ${ADMIN}`, async () => {
    expect(await titles([auth('new user: name=backup2, UID=1001, GID=1001, home=/home/backup2, shell=/bin/bash, from=/dev/pts/0', { app: 'useradd' })])).toEqual([ADDED]);
    expect((await titles([auth('new user: name=toor, UID=0, GID=0, home=/root, shell=/bin/bash', { app: 'useradd' })])).sort()).toEqual([ADDED, ADMIN].sort());
    expect(await titles([auth("add 'mallory' to group 'sudo'", { app: 'usermod' })])).toEqual([ADMIN]);
    expect(await titles([auth('user mallory added by root to group wheel', { app: 'gpasswd' })])).toEqual([ADMIN]);
    expect(await titles([auth("add 'bob' to group 'docker'", { app: 'usermod' })])).toEqual([]);
    expect(await titles([auth('new group: name=backup2, GID=1001', { app: 'groupadd' })])).toEqual([]);
  });
});

describe('auth correlations, on the normalized attempt of any program', () => {
  const BRUTE = 'Brute Force Against One Account';
  const SPRAY = 'Password Spraying From One Source';
  const STUFF = 'Credential Stuffing With A Successful Login';
  const AFTER = 'Login Succeeds After Repeated Failures';
  const fail = (user: string, ip = '198.51.100.23') => `sshd[9]: Failed password for ${user} from ${ip} port 40000 ssh2`;
  const ok = (user: string, ip = '198.51.100.23') => `sshd[9]: Accepted password for ${user} from ${ip} port 40000 ssh2`;
  /** Debian: pam_unix and sshd each log the same failed attempt. */
  const debianFail = (user: string, pid: number) => [
    `sshd[${pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.23  user=${user}`,
    `sshd[${pid}]: Failed password for ${user} from 198.51.100.23 port ${40000 + pid} ssh2`,
  ];

  it('brute force: 10 failures for one account from one source, counted once however many lines', async () => {
    expect(await titles(parsed(Array.from({ length: 10 }, () => fail('admin'))))).toContain(BRUTE);
    expect(await titles(parsed(Array.from({ length: 9 }, () => fail('admin'))))).not.toContain(BRUTE);
    // Nine attempts in eighteen Debian lines are nine attempts.
    expect(await titles(parsed(Array.from({ length: 9 }, (_, i) => debianFail('admin', 100 + i)).flat()))).not.toContain(BRUTE);
    expect(await titles(parsed(Array.from({ length: 10 }, (_, i) => debianFail('admin', 100 + i)).flat()))).toContain(BRUTE);
  });
  it('brute force from a source the log names only by host name (Red Hat\'s sshd(pam_unix))', async () => {
    const rh = Array.from({ length: 10 }, (_, i) => `sshd(pam_unix)[${200 + i}]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=dsl-7.example.net  user=root`);
    const m = (await run(parsed(rh))).find((x) => x.title === BRUTE);
    expect(m?.correlation?.group).toEqual({ auth_source: 'dsl-7.example.net', user: 'root' });
  });
  it('brute force on other services: su, Dovecot, vsftpd', async () => {
    expect(await titles(parsed(Array.from({ length: 10 }, (_, i) => `su[${300 + i}]: FAILED SU (to root) mallory on pts/3`)))).toContain(BRUTE);
    const dovecot = Array.from({ length: 10 }, () => 'dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=198.51.100.23, lip=10.0.0.2, TLS, session=<x>');
    expect(await titles(parsed(dovecot))).toContain(BRUTE);
    expect(await titles(parsed(Array.from({ length: 10 }, (_, i) => `vsftpd[${400 + i}]: [bob] FAIL LOGIN: Client "198.51.100.23"`)))).toContain(BRUTE);
  });
  it('brute force needs the failures within 10 minutes of event time', async () => {
    const spread = parsed(Array.from({ length: 10 }, () => fail('admin'))).map((e, i) => ({ ...e, ts: T0 + i * 2 * 60_000 }));
    expect(await titles(spread)).not.toContain(BRUTE);
  });
  it('password spraying: one source, 10 distinct accounts', async () => {
    const t = await titles(parsed(Array.from({ length: 10 }, (_, i) => fail(`user${i}`))));
    expect(t).toContain(SPRAY);
    expect(t).not.toContain(BRUTE);
    expect(await titles(parsed(Array.from({ length: 10 }, (_, i) => fail(`user${i}`, `198.51.100.${i}`))))).toEqual([]);
  });
  it('credential stuffing: failures across 5 accounts then a success from the same source', async () => {
    expect(await titles(parsed([...Array.from({ length: 5 }, (_, i) => fail(`user${i}`)), ok('user7')]))).toContain(STUFF);
    expect(await titles(parsed([...Array.from({ length: 4 }, (_, i) => fail(`user${i}`)), ok('user7')]))).not.toContain(STUFF);
    expect(await titles(parsed([ok('user7'), ...Array.from({ length: 5 }, (_, i) => fail(`user${i}`))]))).not.toContain(STUFF);
    expect(await titles(parsed([...Array.from({ length: 5 }, (_, i) => fail(`user${i}`)), ok('user7', '192.0.2.1')]))).not.toContain(STUFF);
  });
  it('success after repeated failures for the same account', async () => {
    const m = await run(parsed([...Array.from({ length: 5 }, () => fail('deploy')), ok('deploy')]));
    const hit = m.find((x) => x.title === AFTER);
    expect(hit?.correlation?.group).toEqual({ auth_source: '198.51.100.23', user: 'deploy' });
    expect(hit?.correlation?.eventIds).toHaveLength(6);
    expect((await titles(parsed([...Array.from({ length: 5 }, () => fail('deploy')), ok('other')]))).join()).not.toContain('Succeeds After');
  });
  it('single failed/accepted logins only feed correlations', async () => {
    expect(await titles(parsed([fail('x'), ok('x')]))).toEqual([]);
  });

  const UNNAMED = 'Repeated Failed Logins From One Source Naming No Account';
  const FLOOD = 'Login Form Flood From One Source';
  /** Access log lines from one address, a second apart, parsed as an import parses them. */
  const access = (n: number, path: string, status: number, ip = '198.51.100.23') => {
    const ctx = createParseContext('access.log', { referenceTime: Date.UTC(2024, 11, 31) });
    return Array.from({ length: n }, (_, i) => {
      const t = new Date(T0 + i * 1000);
      const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/Mar/2024:${t.toISOString().slice(11, 19)} +0000`;
      const ev = parseAccess(`${ip} - - [${stamp}] "POST ${path} HTTP/1.1" ${status} 4120 "-" "Mozilla/5.0"`, ctx)!;
      ev.id = i + 1;
      return ev;
    });
  };
  it('failures that name no account (Postfix SASL, a login form): 20 from one source', async () => {
    const sasl = (n: number) => Array.from({ length: n }, (_, i) => `postfix/smtpd[${500 + i}]: warning: unknown[198.51.100.23]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`);
    expect(await titles(parsed(sasl(20)))).toContain(UNNAMED);
    expect(await titles(parsed(sasl(19)))).not.toContain(UNNAMED);
    // WordPress answers a wrong password with its form again (200): a failure by its convention.
    expect(await titles(access(20, '/wp-login.php', 200))).toContain(UNNAMED);
    // Failures that name their account are the named rules' work, not this one's.
    const named = await titles(parsed(Array.from({ length: 20 }, () => fail('admin'))));
    expect(named).toContain(BRUTE);
    expect(named).not.toContain(UNNAMED);
  });
  it('a login form whose answer says nothing: 30 posts from one source', async () => {
    expect(await titles(access(30, '/signin', 200))).toContain(FLOOD);
    expect(await titles(access(29, '/signin', 200))).not.toContain(FLOOD);
    expect(await titles(access(30, '/register', 200))).toContain(FLOOD);
    // Thirty posts to a form that is no login are nothing.
    expect(await titles(access(30, '/comments', 200))).toEqual([]);
  });
});

describe('web rules', () => {
  const TRAV = 'Path Traversal Sequence In Request';
  it(TRAV, async () => {
    expect(await titles([web('/download?file=../../../../etc/passwd')])).toEqual([TRAV]);
    expect(await titles([web('/static/..%2F..%2Fapp.config')])).toEqual([TRAV]);
    expect(await titles([web('/a/%2E%2E%2F%2E%2E%2Fboot.ini')])).toEqual([TRAV]);
    expect(await titles([web('/docs/getting-started.html?page=2')])).toEqual([]);
  });
  const SQLI = 'SQL Injection Pattern In Request';
  it(SQLI, async () => {
    expect(await titles([web("/item.php?id=1' OR '1'='1")])).toEqual([SQLI]);
    expect(await titles([web('/item.php?id=1%20UNION%20SELECT%20username,password%20FROM%20users')])).toEqual([SQLI]);
    expect(await titles([web('/item.php?id=1;SELECT+pg_sleep(10)')])).toEqual([SQLI]);
    expect(await titles([web('/search?q=selection+of+unions')])).toEqual([]);
  });
  const UA = 'Known Vulnerability Scanner User Agent';
  it(UA, async () => {
    expect(await titles([web('/', { user_agent: 'sqlmap/1.7.2#stable (https://sqlmap.org)' })])).toEqual([UA]);
    expect(await titles([web('/', { user_agent: 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)' })])).toEqual([UA]);
    expect(await titles([web('/', { user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' })])).toEqual([]);
  });
  const SENS = 'Request For Sensitive Configuration Or Repository Files';
  it(SENS, async () => {
    expect(await titles([web('/.env', { status: 404 })])).toEqual([SENS]);
    expect(await titles([web('/.git/config')])).toEqual([SENS]);
    expect(await titles([web('/backup/.DS_Store?x=1')])).toEqual([SENS]);
    expect(await titles([web('/environment/settings')])).toEqual([]);
    expect(await titles([web('/blog/git-tips')])).toEqual([]);
  });
});

describe('web scanning correlations', () => {
  it('many 404s from one address', async () => {
    const t = await titles(Array.from({ length: 30 }, (_, i) => web(`/probe${i % 3}`, { status: 404 })));
    expect(t).toContain('Web Scanning - Many Not Found Responses From One Address');
    expect(t).not.toContain('Web Scanning - Many Distinct Paths With Client Errors From One Address');
  });
  it('many distinct 4xx paths from one address', async () => {
    const t = await titles(Array.from({ length: 25 }, (_, i) => web(`/admin${i}.php?x=1`, { status: i % 2 ? 403 : 401 })));
    expect(t).toContain('Web Scanning - Many Distinct Paths With Client Errors From One Address');
  });
  it('normal browsing does not trigger scanning', async () => {
    const t = await titles(Array.from({ length: 60 }, (_, i) => web(`/page${i}`, { status: i % 20 === 0 ? 404 : 200, src_ip: `203.0.113.${i % 5}` })));
    expect(t).toEqual([]);
  });
});

describe('ATT&CK tags', () => {
  it('are exposed on matches', async () => {
    const m = await run([web('/.env')]);
    expect(m[0]!.attack.techniques).toEqual(['T1552.001', 'T1595.003']);
    expect(m[0]!.attack.tactics.map((t) => t.id)).toEqual(['TA0006', 'TA0043']);
  });
});
