import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { NormalizedEvent } from '../../../../src-shared/event';
import { SHARED_DATA } from '../../../../test/paths';
import { describeShared } from '../../../../test/shared-data';
import { createParseContext } from './context';
import { parseSyslog3164 } from './syslog3164';

const H = 'Mar 27 13:06:56 ip-10-77-20-248';
function parse(rest: string): NormalizedEvent {
  const ev = parseSyslog3164(`${H} ${rest}`, createParseContext('auth.log', { referenceTime: Date.UTC(2017, 4, 1) }), 'auth');
  if (ev === null) throw new Error(`no parse: ${rest}`);
  return ev;
}
/** The fields a test cares about. */
function pick(ev: NormalizedEvent) {
  return { action: ev.action, outcome: ev.outcome, user: ev.user, src_ip: ev.src_ip };
}

describe('sshd', () => {
  test('accepted and failed password / publickey', () => {
    const a = parse('sshd[1361]: Accepted publickey for ubuntu from 85.245.107.41 port 54259 ssh2: RSA SHA256:Kl8kPGZrTiz7g4FO1hyqHdsSBBb5Fge6NWOobN03XJg');
    expect(pick(a)).toEqual({ action: 'ssh_login', outcome: 'success', user: 'ubuntu', src_ip: '85.245.107.41' });
    expect(a.fields).toMatchObject({ auth_method: 'publickey', src_port: 54259 });
    expect(a.parser).toBe('auth');
    expect(a.app).toBe('sshd');
    expect(a.pid).toBe(1361);
    expect(a.host).toBe('ip-10-77-20-248');
    expect(a.logsource).toEqual({ product: 'linux', service: 'sshd', category: null });
    const f = parse('sshd[1]: Failed password for root from 2001:db8::7 port 22 ssh2');
    expect(pick(f)).toEqual({ action: 'ssh_login', outcome: 'failure', user: 'root', src_ip: '2001:db8::7' });
  });

  test('failed password for invalid user, including an empty name', () => {
    const f = parse('sshd[1]: Failed password for invalid user admin from 91.197.232.109 port 40000 ssh2');
    expect(pick(f)).toEqual({ action: 'ssh_login', outcome: 'failure', user: 'admin', src_ip: '91.197.232.109' });
    expect(f.fields.account_exists).toBe(false);
    const e = parse('sshd[1]: Failed password for invalid user  from 91.197.232.109 port 40000 ssh2');
    expect(pick(e)).toEqual({ action: 'ssh_login', outcome: 'failure', user: null, src_ip: '91.197.232.109' });
  });

  test('a user name cannot fake the source address', () => {
    const f = parse('sshd[1]: Failed password for invalid user x from 6.6.6.6 port 1 from 1.2.3.4 port 22 ssh2');
    expect(f.src_ip).toBe('1.2.3.4');
  });

  test('invalid user, with and without port', () => {
    expect(pick(parse('sshd[1]: Invalid user webmaster from 173.234.31.186'))).toEqual({
      action: 'ssh_invalid_user', outcome: 'failure', user: 'webmaster', src_ip: '173.234.31.186',
    });
    const p = parse('sshd[1]: Invalid user oracle from 10.1.1.1 port 4444');
    expect(p.fields.src_port).toBe(4444);
  });

  test('disconnect and connection closed by authenticating / invalid user', () => {
    // A connection that ended before a login, naming its account, is a failed attempt.
    expect(pick(parse('sshd[1]: Disconnected from authenticating user root 1.2.3.4 port 5 [preauth]'))).toEqual({
      action: 'ssh_disconnect', outcome: 'failure', user: 'root', src_ip: '1.2.3.4',
    });
    expect(pick(parse('sshd[1]: Connection closed by invalid user bob 1.2.3.4 port 5 [preauth]'))).toEqual({
      action: 'ssh_disconnect', outcome: 'failure', user: 'bob', src_ip: '1.2.3.4',
    });
    expect(pick(parse('sshd[1]: Connection closed by 1.2.3.4 port 5 [preauth]')).src_ip).toBe('1.2.3.4');
    expect(pick(parse('sshd[1]: Connection closed by 1.2.3.4 [preauth]')).src_ip).toBe('1.2.3.4');
    expect(pick(parse('sshd[1]: Received disconnect from 1.2.3.4 port 5:11: disconnected by user')).action).toBe('ssh_disconnect');
    expect(pick(parse('sshd[1]: Disconnected from user ubuntu 1.2.3.4 port 5'))).toEqual({
      action: 'ssh_disconnect', outcome: 'unknown', user: 'ubuntu', src_ip: '1.2.3.4',
    });
  });

  test('maximum authentication attempts exceeded', () => {
    const m = parse('sshd[1]: error: maximum authentication attempts exceeded for invalid user admin from 1.2.3.4 port 5 ssh2 [preauth]');
    expect(pick(m)).toEqual({ action: 'ssh_max_attempts', outcome: 'failure', user: 'admin', src_ip: '1.2.3.4' });
    expect(m.fields.account_exists).toBe(false);
    expect(pick(parse('sshd[1]: Disconnecting authenticating user root 1.2.3.4 port 5: Too many authentication failures [preauth]'))).toEqual({
      action: 'ssh_max_attempts', outcome: 'failure', user: 'root', src_ip: '1.2.3.4',
    });
  });

  test('pam authentication failure with rhost and user', () => {
    const ev = parse('sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=24.151.103.17  user=elastic_user_7');
    expect(pick(ev)).toEqual({ action: 'auth_failure', outcome: 'failure', user: 'elastic_user_7', src_ip: '24.151.103.17' });
    expect(ev.fields).toMatchObject({ pam_module: 'pam_unix', pam_service: 'sshd', pam_type: 'auth', tty: 'ssh', uid: 0 });
    const host = parse('sshd(pam_unix)[20883]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root');
    expect(host.src_ip).toBeNull();
    expect(host.fields.src_host).toBe('220-135-151-1.hinet-ip.hinet.net');
    expect(host.fields.pam_module).toBe('pam_unix');
    const more = parse('sshd[1]: PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root');
    expect(pick(more)).toEqual({ action: 'auth_failure', outcome: 'failure', user: 'root', src_ip: '1.2.3.4' });
    expect(more.fields.repeated).toBe(5);
  });

  test('folded "message repeated" lines are classified by their inner line', () => {
    const ev = parse('sshd[6402]: message repeated 5 times: [ Failed password for root from 218.60.136.106 port 56338 ssh2]');
    expect(pick(ev)).toEqual({ action: 'ssh_login', outcome: 'failure', user: 'root', src_ip: '218.60.136.106' });
    expect(ev.fields.repeated).toBe(5);
  });

  test('other sshd lines still yield the source address', () => {
    expect(parse('sshd[1]: Did not receive identification string from 5.6.7.8').src_ip).toBe('5.6.7.8');
    expect(parse('sshd[1]: reverse mapping checking getaddrinfo for x.example [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!').src_ip).toBe('173.234.31.186');
    const c = parse('sshd[1]: Connection from 1.2.3.4 port 5 on 10.0.0.1 port 22');
    expect(c.action).toBe('ssh_connect');
    expect(c.dst_ip).toBe('10.0.0.1');
  });
});

describe('sshd sessions', () => {
  test("a session is the success of its process's attempt only for the account it tried", () => {
    const ctx = createParseContext('auth.log', { referenceTime: Date.UTC(2017, 4, 1) });
    const line = (rest: string) => parseSyslog3164(`${H} ${rest}`, ctx, 'auth')!;
    line('sshd[2175]: Failed password for root from 203.0.113.66 port 40298 ssh2');
    // The same process id, later another connection's session: not 203.0.113.66 getting in.
    expect(pick(line('sshd[2175]: pam_unix(sshd:session): session opened for user user1867 by (uid=0)'))).toMatchObject({ user: 'user1867', src_ip: null });
    line('sshd[2176]: Accepted password for bob from 10.0.0.5 port 40299 ssh2');
    expect(pick(line('sshd[2176]: pam_unix(sshd:session): session opened for user bob by (uid=0)'))).toEqual({ action: 'session_open', outcome: 'success', user: 'bob', src_ip: '10.0.0.5' });
  });
});

describe('sudo, su, sessions, accounts', () => {
  test('sudo command', () => {
    const ev = parse('sudo:   ubuntu : TTY=pts/0 ; PWD=/home/ubuntu ; USER=root ; COMMAND=/bin/sh -c echo a ; echo b');
    expect(pick(ev)).toEqual({ action: 'sudo', outcome: 'success', user: 'ubuntu', src_ip: null });
    expect(ev.fields).toMatchObject({ tty: 'pts/0', pwd: '/home/ubuntu', target_user: 'root', command: '/bin/sh -c echo a ; echo b' });
    expect(ev.logsource.service).toBe('sudo');
    expect(ev.pid).toBeNull();
  });

  test('sudo failures', () => {
    const ev = parse('sudo:     bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/id');
    expect(pick(ev)).toEqual({ action: 'sudo', outcome: 'failure', user: 'bob', src_ip: null });
    expect(ev.fields.reason).toBe('3 incorrect password attempts');
    expect(parse('sudo:   eve : user NOT in sudoers ; TTY=pts/2 ; PWD=/ ; USER=root ; COMMAND=/bin/bash').outcome).toBe('failure');
  });

  test('sudo pam session', () => {
    const ev = parse('sudo: pam_unix(sudo:session): session opened for user root by ubuntu(uid=0)');
    expect(pick(ev)).toEqual({ action: 'session_open', outcome: 'success', user: 'root', src_ip: null });
    expect(ev.fields).toMatchObject({ by_user: 'ubuntu', by_uid: 0 });
  });

  test('su in its several spellings', () => {
    // The account tried is su's target (su asks for its password); the caller is the source.
    const ok = parse('su[5]: Successful su for root by ubuntu');
    expect(pick(ok)).toEqual({ action: 'su', outcome: 'success', user: 'root', src_ip: null });
    expect(ok.fields.src_user).toBe('ubuntu');
    const failed = parse('su[5]: FAILED su for root by mallory');
    expect(pick(failed)).toEqual({ action: 'su', outcome: 'failure', user: 'root', src_ip: null });
    expect(failed.fields.src_user).toBe('mallory');
    const plus = parse('su[5]: + /dev/pts/0 ubuntu:root');
    expect(pick(plus)).toEqual({ action: 'su', outcome: 'success', user: 'root', src_ip: null });
    expect(plus.fields).toMatchObject({ tty: '/dev/pts/0', target_user: 'root', src_user: 'ubuntu' });
    expect(parse('su[5]: (to root) ann on pts/3').fields.target_user).toBe('root');
    expect(parse('su[5]: FAILED SU (to root) ann on pts/3').outcome).toBe('failure');
    expect(parse('su[5]: pam_unix(su:session): session opened for user root(uid=0) by ubuntu(uid=1000)').user).toBe('root');
    expect(parse('su[5]: Successful su for root by ubuntu').logsource.service).toBe('su');
  });

  test('systemd-logind sessions', () => {
    const n = parse('systemd-logind[1118]: New session 12 of user elastic_user_3.');
    expect(pick(n)).toEqual({ action: 'session_open', outcome: 'success', user: 'elastic_user_3', src_ip: null });
    expect(n.fields.session_id).toBe('12');
    expect(n.logsource).toEqual({ product: 'linux', service: 'auth', category: null });
    expect(parse('systemd-logind[1118]: Removed session 12.').action).toBe('session_close');
  });

  test('cron sessions and commands', () => {
    const s = parse('CRON[2980]: pam_unix(cron:session): session closed for user root');
    expect(pick(s)).toEqual({ action: 'session_close', outcome: 'success', user: 'root', src_ip: null });
    expect(s.logsource.service).toBe('cron');
    const c = parse('CRON[1]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)');
    expect(c.action).toBe('cron_exec');
    expect(c.user).toBe('root');
  });

  test('account management', () => {
    const u = parse('useradd[9]: new user: name=elastic_user_0, UID=1001, GID=1001, home=/home/elastic_user_0, shell=/bin/bash');
    expect(pick(u)).toEqual({ action: 'user_add', outcome: 'success', user: 'elastic_user_0', src_ip: null });
    expect(u.fields).toMatchObject({ uid: 1001, gid: 1001, home: '/home/elastic_user_0', shell: '/bin/bash' });
    expect(parse("useradd[9]: failed adding user 'x', data deleted").outcome).toBe('failure');
    expect(parse('groupadd[9]: group added to /etc/group: name=devs, GID=1002').action).toBe('group_add');
    expect(parse('useradd[9]: new group: name=x, GID=1002').fields.group).toBe('x');
    expect(pick(parse('passwd[9]: pam_unix(passwd:chauthtok): password changed for ann'))).toEqual({
      action: 'password_change', outcome: 'success', user: 'ann', src_ip: null,
    });
    expect(pick(parse('chpasswd[9]: pam_unix(chpasswd:chauthtok): user "elastic_user_$login_count" does not exist in /etc/passwd'))).toEqual({
      action: 'password_change', outcome: 'failure', user: 'elastic_user_$login_count', src_ip: null,
    });
    expect(pick(parse("usermod[9]: add 'ann' to group 'sudo'"))).toEqual({ action: 'user_modify', outcome: 'success', user: 'ann', src_ip: null });
    expect(parse("usermod[9]: change user 'ann' password").action).toBe('password_change');
    expect(pick(parse("userdel[9]: delete user 'ann'"))).toEqual({ action: 'user_delete', outcome: 'success', user: 'ann', src_ip: null });
    expect(parse("userdel[9]: removed group 'ann' owned by 'ann'").action).toBe('group_delete');
  });

  test('non-auth apps in an auth log keep the auth service', () => {
    const ev = parse('systemd: Started Session 5 of user ubuntu.');
    expect(ev.parser).toBe('syslog3164');
    expect(ev.logsource.service).toBe('auth');
  });
});

describeShared('elastic auth.log (7121 lines, 3 weeks, no year)', [join(SHARED_DATA, 'elastic', 'auth.log')], () => {
  const lines = readFileSync(join(SHARED_DATA, 'elastic', 'auth.log'), 'utf8').split('\n').filter((l) => l.length > 0);
  const ctx = createParseContext('auth.log', { referenceTime: Date.UTC(2017, 4, 1) });
  const events = lines.map((l) => parseSyslog3164(l, ctx, 'auth'));

  test('every line parses, in 2017, in time order', () => {
    expect(lines.length).toBe(7121);
    expect(events.every((e) => e !== null && e.ts !== null && e.host === 'ip-10-77-20-248')).toBe(true);
    const ts = events.map((e) => e!.ts!);
    expect(new Date(ts[0]!).toISOString()).toBe('2017-03-27T13:06:56.000Z');
    expect(new Date(ts[ts.length - 1]!).getUTCFullYear()).toBe(2017);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThanOrEqual(ts[i - 1]!);
  });

  test('891 failed logins (713 failed passwords + 178 invalid users); 24.151.103.17 leads with 157', () => {
    const failedPassword = events.filter((e) => e!.action === 'ssh_login' && e!.outcome === 'failure' && e!.fields.auth_method === 'password');
    const invalidUser = events.filter((e) => e!.action === 'ssh_invalid_user');
    expect(failedPassword.length).toBe(713);
    expect(invalidUser.length).toBe(178);
    const byIp = new Map<string, number>();
    for (const e of failedPassword) byIp.set(e!.src_ip!, (byIp.get(e!.src_ip!) ?? 0) + 1);
    const top = [...byIp].sort((a, b) => b[1] - a[1]);
    expect(top[0]).toEqual(['24.151.103.17', 157]);
    expect(top[1]).toEqual(['34.204.227.175', 43]);
  });

  test('action and outcome counts', () => {
    const count = (f: (e: NormalizedEvent) => boolean) => events.filter((e) => f(e!)).length;
    expect(count((e) => e.action === 'ssh_login' && e.outcome === 'success')).toBe(226);
    expect(count((e) => e.action === 'ssh_login' && e.outcome === 'failure')).toBe(717);
    expect(count((e) => e.action === 'sudo')).toBe(186);
    expect(count((e) => e.action === 'user_add' && e.outcome === 'success')).toBe(10);
    expect(count((e) => e.action === 'user_add' && e.outcome === 'failure')).toBe(30);
    expect(count((e) => e.action === 'password_change' && e.outcome === 'success')).toBe(10);
    expect(count((e) => e.action === 'session_open' && e.app === 'systemd-logind')).toBe(226);
    expect(count((e) => e.action === 'ssh_max_attempts')).toBe(378);
    expect(count((e) => e.app === 'sshd' && e.logsource.service !== 'sshd')).toBe(0);
    expect(count((e) => e.app === 'sudo' && e.logsource.service !== 'sudo')).toBe(0);
  });
});
