/**
 * Local logins and identity changes: su, sudo, login (shadow-utils and util-linux wordings),
 * systemd-logind sessions, account management and cron. For su the account tried is the target
 * (su asks for its password) and the caller is the source; for sudo the account tried is the
 * caller's own (sudo asks for the caller's password), the run-as account is `target_user`.
 */
import type { NormalizedEvent } from '../../../../../src-shared/event';
import type { ParseContext } from '../context';
import { parseUint } from '../net';
import { setCaller, setConsole, setIp, setUser } from './common';
import { pam } from './pam';

const SU_FOR_BY = /^(Successful|FAILED) su for (\S+) by (\S+)/;
const SU_TTY = /^([+-]) (\S+) ([^:\s]+):(\S+)/;
const SU_TO = /^(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)/;

const SUDO_TRIES = /^(\d+) incorrect password attempts?$/;

/** util-linux: `FAILED LOGIN 1 FROM host FOR bob, reason`, `... ON tty1 FOR ...`, `TOO MANY LOGIN TRIES (5) FROM ...`. */
const LOGIN_FAILED_UL = /^(FAILED LOGIN|TOO MANY LOGIN TRIES) \(?(\d+)\)? (FROM|ON) (\S+) FOR (\S+?),/;
/** shadow-utils: `FAILED LOGIN (1) on '/dev/tty1' [from 'host' ]FOR 'bob', reason`, `TOO MANY LOGIN TRIES (3) on ...`. */
const LOGIN_FAILED_SH = /^(FAILED LOGIN|TOO MANY LOGIN TRIES) \((\d+)\) on '([^']*)'(?: from '([^']*)')? FOR '([^']*)'/;
/** `ROOT LOGIN ON tty1[ FROM host]`, `LOGIN ON pts/0 BY bob[ FROM host]`, shadow's `ROOT LOGIN  on '/dev/tty1'[ from 'host']`. */
const LOGIN_OK = /^(ROOT LOGIN|LOGIN) +(?:ON|on) '?([^'\s]+)'?(?: BY (\S+))?(?: (?:FROM|from) '?([^'\s]+?)'?)?$/;

const LOGIND_NEW = /^New session (\S+) of user ([^.\s]+(?:\.[^.\s]+)*)\.?$/;
const LOGIND_REMOVED = /^Removed session (\S+?)\.?$/;

const NEW_USER = /^new user: name=([^,]+), UID=(\d+), GID=(\d+), home=([^,]*), shell=([^,]*)/;
const NEW_GROUP = /^(?:new group|group added to \S+): name=([^,]+), GID=(\d+)/;
const FAILED_ADDING = /^failed adding user '([^']*)'/;
const QUOTED_USER = /'([^']*)'/;
const CRON_CMD = /^\((\S+)\) CMD \((.*)\)$/;

export function sudo(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  const start = msg.search(/\S/);
  if (start < 0) return;
  if (msg.startsWith('pam_', start)) {
    pam(ev, msg.slice(start), ctx, 'sudo');
    return;
  }
  const sep = msg.indexOf(' : ', start);
  if (sep === -1) {
    pam(ev, msg.slice(start), ctx, 'sudo');
    return;
  }
  ev.action = 'sudo';
  ev.user = msg.slice(start, sep);
  setCaller(ev, ev.user);
  const rest = msg.slice(sep + 3);
  // COMMAND is last and may itself contain " ; ", so it is cut off before splitting the rest.
  const cmdAt = rest.indexOf('COMMAND=');
  const head = cmdAt === -1 ? rest : rest.slice(0, cmdAt);
  if (cmdAt !== -1) ev.fields.command = rest.slice(cmdAt + 8);
  let failure: string | null = null;
  for (const part of head.split(' ; ')) {
    const p = part.trim();
    if (p.length === 0) continue;
    const eq = p.indexOf('=');
    if (eq <= 0 || !/^[A-Z_]+$/.test(p.slice(0, eq))) {
      failure = p;
      continue;
    }
    const key = p.slice(0, eq);
    const value = p.slice(eq + 1);
    if (key === 'TTY') ev.fields.tty = value;
    else if (key === 'PWD') ev.fields.pwd = value;
    else if (key === 'USER') ev.fields.target_user = value;
    else if (key === 'GROUP') ev.fields.target_group = value;
  }
  if (failure === null) {
    ctx.auth.record(ev, { service: 'sudo', reporter: 'sudo', result: 'success', method: 'sudo' });
    return;
  }
  ev.fields.reason = failure;
  const tries = SUDO_TRIES.exec(failure);
  if (tries !== null) {
    ctx.auth.record(ev, { service: 'sudo', reporter: 'sudo', result: 'failure', count: parseUint(tries[1]!), method: 'password' });
  } else if (/NOT in sudoers|NOT allowed|not allowed to|NOT authorized/i.test(failure)) {
    // The password may have been right: the policy refused the caller. Still a failed try at root.
    ctx.auth.record(ev, { service: 'sudo', reporter: 'sudo', result: 'failure', method: 'sudoers' });
  } else {
    ev.outcome = 'failure';
  }
}

export function su(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  let m: RegExpExecArray | null;
  let ok: boolean;
  let target: string;
  let caller: string;
  if ((m = SU_FOR_BY.exec(msg)) !== null) {
    ok = m[1] === 'Successful';
    target = m[2]!;
    caller = m[3]!;
  } else if ((m = SU_TTY.exec(msg)) !== null) {
    ok = m[1] === '+';
    ev.fields.tty = m[2]!;
    caller = m[3]!;
    target = m[4]!;
  } else if ((m = SU_TO.exec(msg)) !== null) {
    ok = m[1] === undefined;
    target = m[2]!;
    caller = m[3]!;
    ev.fields.tty = m[4]!;
  } else {
    pam(ev, msg, ctx, 'su');
    return;
  }
  ev.action = 'su';
  ev.user = target;
  ev.fields.target_user = target;
  setCaller(ev, caller);
  ctx.auth.record(ev, { service: 'su', reporter: 'su', result: ok ? 'success' : 'failure', method: 'password' });
}

export function login(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  let m: RegExpExecArray | null;
  if (msg.charCodeAt(0) === 70 /* F */ || msg.charCodeAt(0) === 84 /* T */) {
    let summary = false;
    let tty = '';
    let from: string | undefined;
    let user: string;
    if ((m = LOGIN_FAILED_SH.exec(msg)) !== null) {
      summary = m[1] === 'TOO MANY LOGIN TRIES';
      tty = m[3]!;
      from = m[4];
      user = m[5]!;
    } else if ((m = LOGIN_FAILED_UL.exec(msg)) !== null) {
      summary = m[1] === 'TOO MANY LOGIN TRIES';
      if (m[3] === 'FROM') from = m[4]!;
      else tty = m[4]!;
      user = m[5]!;
    } else {
      pam(ev, msg, ctx, 'login');
      return;
    }
    ev.action = 'login';
    if (tty.length > 0) ev.fields.tty = tty;
    setUser(ev, user === 'UNKNOWN' ? null : user);
    if (from !== undefined && from.length > 0) setIp(ev, from);
    else setConsole(ev);
    ctx.auth.record(ev, { service: 'login', reporter: summary ? 'login-max' : 'login', result: 'failure', method: 'password' });
    return;
  }
  if ((m = LOGIN_OK.exec(msg)) !== null) {
    ev.action = 'login';
    ev.fields.tty = m[2]!;
    setUser(ev, m[1] === 'ROOT LOGIN' ? 'root' : m[3]);
    if (m[4] !== undefined) setIp(ev, m[4]);
    else setConsole(ev);
    ctx.auth.record(ev, { service: 'login', reporter: 'login', result: 'success', method: 'password' });
    return;
  }
  pam(ev, msg, ctx, 'login');
}

export function logind(ev: NormalizedEvent, msg: string): void {
  let m: RegExpExecArray | null;
  if ((m = LOGIND_NEW.exec(msg)) !== null) {
    ev.action = 'session_open';
    ev.outcome = 'success';
    ev.fields.session_id = m[1]!;
    ev.user = m[2]!;
  } else if ((m = LOGIND_REMOVED.exec(msg)) !== null) {
    ev.action = 'session_close';
    ev.outcome = 'success';
    ev.fields.session_id = m[1]!;
  }
}

export function accounts(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  let m: RegExpExecArray | null;
  if ((m = NEW_USER.exec(msg)) !== null) {
    ev.action = 'user_add';
    ev.outcome = 'success';
    ev.user = m[1]!;
    ev.fields.uid = parseUint(m[2]!);
    ev.fields.gid = parseUint(m[3]!);
    ev.fields.home = m[4]!;
    ev.fields.shell = m[5]!;
  } else if ((m = NEW_GROUP.exec(msg)) !== null) {
    ev.action = 'group_add';
    ev.outcome = 'success';
    ev.fields.group = m[1]!;
    ev.fields.gid = parseUint(m[2]!);
  } else if ((m = FAILED_ADDING.exec(msg)) !== null) {
    ev.action = 'user_add';
    ev.outcome = 'failure';
    setUser(ev, m[1]);
  } else if (msg.startsWith('pam_')) {
    pam(ev, msg, ctx, null);
  } else {
    const quoted = QUOTED_USER.exec(msg);
    const lower = msg.toLowerCase();
    if (lower.includes('password')) ev.action = 'password_change';
    else if (lower.startsWith('delete user')) ev.action = 'user_delete';
    else if (lower.startsWith('removed group') || (lower.startsWith('group ') && lower.includes('removed'))) ev.action = 'group_delete';
    else if (quoted !== null) ev.action = 'user_modify';
    if (ev.action !== null) ev.outcome = lower.includes('fail') ? 'failure' : 'success';
    if (quoted !== null) setUser(ev, quoted[1]);
  }
}

export function cron(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  const m = msg.charCodeAt(0) === 40 ? CRON_CMD.exec(msg) : null;
  if (m !== null) {
    ev.action = 'cron_exec';
    ev.user = m[1]!;
    ev.fields.command = m[2]!;
  } else {
    pam(ev, msg, ctx, 'cron');
  }
}
