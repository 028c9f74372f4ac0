/** Every bundled rule against events that must and must not match it. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../../test/paths';
import type { NormalizedEvent } from '../../../../src-shared/event';
import { SigmaEngine, type SigmaMatch } from '../engine';
import { auth, web } from './helpers';

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

const sshd = (message: string, over: Partial<NormalizedEvent> = {}) => auth(message, { app: 'sshd', ...over });

describe('linux auth rules', () => {
  const ROOT_EXT = 'SSH Login As Root From A Non-Private Address';
  it(ROOT_EXT, async () => {
    expect(await titles([sshd('Accepted password for root from 203.0.113.5 port 50022 ssh2', { src_ip: '203.0.113.5', user: 'root' })])).toEqual([ROOT_EXT]);
    expect(await titles([sshd('Accepted publickey for root from 2001:db8::5 port 50022 ssh2: RSA SHA256:x', { src_ip: '2001:db8::5', user: 'root' })])).toEqual([ROOT_EXT]);
    expect(await titles([sshd('Accepted password for root from 192.168.1.5 port 50022 ssh2', { src_ip: '192.168.1.5', user: 'root' })])).toEqual([]);
    expect(await titles([sshd('Accepted password for alice from 203.0.113.5 port 50022 ssh2', { src_ip: '203.0.113.5', user: 'alice' })])).toEqual([]);
    expect(await titles([sshd('Failed password for root from 203.0.113.5 port 50022 ssh2', { src_ip: '203.0.113.5', user: 'root' })])).toEqual([]);
  });

  const INVALID = 'SSH Login Attempt For A Non-Existent User';
  it(INVALID, async () => {
    expect(await titles([sshd('Invalid user oracle from 198.51.100.23 port 41234', { src_ip: '198.51.100.23', user: 'oracle' })])).toEqual([INVALID]);
    expect(await titles([sshd('Failed password for invalid user oracle from 198.51.100.23 port 41234 ssh2')])).toEqual([]);
    expect(await titles([sshd('Connection closed by 198.51.100.23 port 41234 [preauth]')])).toEqual([]);
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

describe('auth correlations', () => {
  const fail = (user: string, ip = '198.51.100.23') => sshd(`Failed password for ${user} from ${ip} port 40000 ssh2`, { user, src_ip: ip, outcome: 'failure' });
  const ok = (user: string, ip = '198.51.100.23') => sshd(`Accepted password for ${user} from ${ip} port 40000 ssh2`, { user, src_ip: ip, outcome: 'success' });

  it('brute force: 10 failures for one user from one IP', async () => {
    const t = await titles(Array.from({ length: 10 }, () => fail('admin')));
    expect(t).toContain('SSH Brute Force Against One Account');
    expect(await titles(Array.from({ length: 9 }, () => fail('admin')))).not.toContain('SSH Brute Force Against One Account');
  });
  it('brute force needs the failures within 10 minutes of event time', async () => {
    const spread = Array.from({ length: 10 }, (_, i) => ({ ...fail('admin'), ts: T0 + i * 2 * 60_000 }));
    expect(await titles(spread)).not.toContain('SSH Brute Force Against One Account');
  });
  it('password spraying: one IP, 10 distinct users', async () => {
    const t = await titles(Array.from({ length: 10 }, (_, i) => fail(`user${i}`)));
    expect(t).toContain('SSH Password Spraying From One Address');
    expect(t).not.toContain('SSH Brute Force Against One Account');
    const fromMany = await titles(Array.from({ length: 10 }, (_, i) => fail(`user${i}`, `198.51.100.${i}`)));
    expect(fromMany).toEqual([]);
  });
  it('credential stuffing: failures across 5 users then a success from the same IP', async () => {
    const events = [...Array.from({ length: 5 }, (_, i) => fail(`user${i}`)), ok('user7')];
    expect(await titles(events)).toContain('SSH Credential Stuffing With A Successful Login');
    expect(await titles([...Array.from({ length: 4 }, (_, i) => fail(`user${i}`)), ok('user7')])).not.toContain('SSH Credential Stuffing With A Successful Login');
    expect(await titles([ok('user7'), ...Array.from({ length: 5 }, (_, i) => fail(`user${i}`))])).not.toContain('SSH Credential Stuffing With A Successful Login');
    expect(await titles([...Array.from({ length: 5 }, (_, i) => fail(`user${i}`)), ok('user7', '192.0.2.1')])).not.toContain('SSH Credential Stuffing With A Successful Login');
  });
  it('success after repeated failures for the same user', async () => {
    const m = await run([...Array.from({ length: 5 }, () => fail('deploy')), ok('deploy')]);
    const hit = m.find((x) => x.title === 'SSH Login Succeeds After Repeated Failures');
    expect(hit?.correlation?.group).toEqual({ src_ip: '198.51.100.23', user: 'deploy' });
    expect(hit?.correlation?.eventIds).toHaveLength(6);
    expect((await titles([...Array.from({ length: 5 }, () => fail('deploy')), ok('other')])).join()).not.toContain('Succeeds After');
  });
  it('single failed/accepted logins only feed correlations', async () => {
    expect(await titles([fail('x'), ok('x')])).toEqual([]);
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
