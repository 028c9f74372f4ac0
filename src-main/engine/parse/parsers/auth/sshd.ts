/**
 * OpenSSH's lines, old and new: `Failed|Accepted <method> for [invalid user ]<user> from <host>
 * port <port> ssh2`, `Invalid user x from h [port p]` (`Illegal user` before 3.8), the pre-auth
 * ends of a connection (`Connection closed by authenticating user root h port p [preauth]`, the
 * same `by invalid user`, `Disconnected from ...`), `error: maximum authentication attempts
 * exceeded ...`, `Disconnecting[ authenticating user root h port p]: Too many authentication
 * failures[ for root]`, folded `message repeated N times: [ ... ]` lines, and the PAM lines sshd
 * writes for its PAM stack. On a key-only server a bot shows only as "Invalid user" plus
 * "Connection closed by invalid user": the ledger counts that connection as one failed attempt.
 */
import type { NormalizedEvent } from '../../../../../src-shared/event';
import type { ParseContext } from '../context';
import { isIpLiteral, parseUint } from '../net';
import { plainIp, setIp, setUser } from './common';
import { pam } from './pam';

const SSH_INVALID = /^(?:[Ii]nvalid|[Ii]llegal) user (.*?) from (\S+?)(?: port (\d+))?\s*$/;
const SSH_USERAUTH_INVALID = /^input_userauth_request: (?:invalid|illegal) user (.*?) \[preauth\]/;
const SSH_DISCONNECT =
  /^(?:Disconnected from|Connection closed by|Connection reset by|Disconnecting) (?:(authenticating|invalid) user (.*?) |user (.*?) )?(\S+?)(?: port (\d+))?(?=$| |: )/;
const SSH_TOO_MANY_OLD = /^Disconnecting: Too many authentication failures(?: for (?:(invalid|illegal) user )?(\S+?))?(?: \[preauth\])?$/;
const SSH_RECEIVED_DISCONNECT = /^Received disconnect from (\S+?)(?: port (\d+))?:/;
const SSH_MAX_ATTEMPTS = /^error: maximum authentication attempts exceeded for (invalid user )?(.*?) from (\S+) port (\d+)/;
const SSH_CONNECTION_FROM = /^Connection from (\S+) port (\d+) on (\S+) port (\d+)/;
const SSH_REPEATED = /^message repeated (\d+) times: \[ ?(.*)\]$/;
const SSH_REVERSE = /^reverse mapping checking getaddrinfo for (\S+) \[([0-9a-fA-F:.]+)\]/;
const SSH_BRACKET_IP = /\[([0-9a-fA-F:.]+)\]/;
const FROM_IP = / from (\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]+)(?=[\s:]|$)/;
const STARTING_SESSION = /^Starting session: .*? for (\S+) from (\S+) port (\d+)/;

/**
 * `Accepted|Failed|Postponed <method> for [invalid user ]<user> from <host> port <port> ...`,
 * cut by hand (this is the hottest auth line). The last ` from ` is the real one: a user name
 * that itself contains " from 1.2.3.4" cannot fake the source.
 */
function sshAuth(ev: NormalizedEvent, msg: string, ctx: ParseContext, count: number): boolean {
  let outcome: NormalizedEvent['outcome'];
  let at: number;
  if (msg.startsWith('Accepted ')) {
    outcome = 'success';
    at = 9;
  } else if (msg.startsWith('Failed ')) {
    outcome = 'failure';
    at = 7;
  } else if (msg.startsWith('Postponed ')) {
    outcome = 'unknown';
    at = 10;
  } else {
    return false;
  }
  const methodEnd = msg.indexOf(' ', at);
  if (methodEnd <= at || !msg.startsWith(' for ', methodEnd)) return false;
  let userAt = methodEnd + 5;
  const invalid = msg.startsWith('invalid user ', userAt) || msg.startsWith('illegal user ', userAt);
  if (invalid) userAt += 13;
  const fromAt = msg.lastIndexOf(' from ');
  if (fromAt < userAt - 1) return false;
  const hostAt = fromAt + 6;
  const hostEnd = msg.indexOf(' ', hostAt);
  if (hostEnd <= hostAt || !msg.startsWith(' port ', hostEnd)) return false;
  let portEnd = hostEnd + 6;
  while (portEnd < msg.length && msg.charCodeAt(portEnd) >= 48 && msg.charCodeAt(portEnd) <= 57) portEnd++;
  if (portEnd === hostEnd + 6) return false;
  ev.action = 'ssh_login';
  ev.outcome = outcome;
  const method = msg.slice(at, methodEnd);
  ev.fields.auth_method = method;
  if (fromAt > userAt) ev.user = msg.slice(userAt, fromAt);
  setIp(ev, msg.slice(hostAt, hostEnd));
  ev.fields.src_port = parseUint(msg.slice(hostEnd + 6, portEnd));
  // "Postponed" is the first half of a keyboard-interactive exchange, not a result.
  if (outcome === 'unknown') return true;
  // Clients send "none" first to learn the methods: it pairs with the real try, never adds one.
  const reporter = method === 'none' ? 'sshd-none' : 'sshd';
  ctx.auth.record(ev, { service: 'ssh', reporter, result: outcome, count, method, accountExists: invalid ? false : null });
  return true;
}

export function sshd(ev: NormalizedEvent, msg: string, ctx: ParseContext, count = 1): void {
  const c = msg.charCodeAt(0);
  let m: RegExpExecArray | null;
  if ((c === 65 /* A */ || c === 70 /* F */ || c === 80) /* P */ && sshAuth(ev, msg, ctx, count)) return;
  if (c === 73 /* I */ || c === 105 /* i */) {
    if ((m = SSH_INVALID.exec(msg)) !== null) {
      ev.action = 'ssh_invalid_user';
      setUser(ev, m[1]);
      setIp(ev, m[2]!);
      if (m[3] !== undefined) ev.fields.src_port = parseUint(m[3]!);
      ctx.auth.note(ev, { target: m[1]!, unknownAccount: true });
      ctx.auth.record(ev, { service: 'ssh', reporter: 'invalid', result: 'failure', count, accountExists: false });
      return;
    }
    if ((m = SSH_USERAUTH_INVALID.exec(msg)) !== null) {
      setUser(ev, m[1]);
      ctx.auth.note(ev, { target: m[1]!, unknownAccount: true });
      return;
    }
  }
  if (c === 68 /* D */ || c === 67 /* C */) {
    if ((m = SSH_DISCONNECT.exec(msg)) !== null) {
      const tooMany = msg.startsWith('Disconnecting');
      ev.action = tooMany ? 'ssh_max_attempts' : 'ssh_disconnect';
      setUser(ev, m[2] ?? m[3]);
      setIp(ev, m[4]!);
      if (m[5] !== undefined) ev.fields.src_port = parseUint(m[5]!);
      // A connection that ended before any login, with the account it was for: a failed attempt.
      if (m[1] !== undefined) {
        const invalid = m[1] === 'invalid';
        ctx.auth.record(ev, {
          service: 'ssh',
          reporter: tooMany ? 'max-disconnect' : 'close',
          result: 'failure',
          count,
          accountExists: invalid ? false : null,
        });
      } else if (tooMany) ev.outcome = 'failure';
      return;
    }
    if ((m = SSH_TOO_MANY_OLD.exec(msg)) !== null) {
      ev.action = 'ssh_max_attempts';
      setUser(ev, m[2]);
      ctx.auth.record(ev, {
        service: 'ssh',
        reporter: 'max-disconnect',
        result: 'failure',
        count,
        accountExists: m[1] !== undefined ? false : null,
      });
      return;
    }
    if ((m = SSH_CONNECTION_FROM.exec(msg)) !== null) {
      ev.action = 'ssh_connect';
      setIp(ev, m[1]!);
      ev.fields.src_port = parseUint(m[2]!);
      if (isIpLiteral(m[3]!)) ev.dst_ip = m[3]!;
      ev.fields.dst_port = parseUint(m[4]!);
      if (ev.src_ip !== null) ctx.auth.note(ev, { ip: ev.src_ip });
      return;
    }
  }
  if (c === 82 /* R */ && (m = SSH_RECEIVED_DISCONNECT.exec(msg)) !== null) {
    ev.action = 'ssh_disconnect';
    setIp(ev, m[1]!);
    if (m[2] !== undefined) ev.fields.src_port = parseUint(m[2]!);
    return;
  }
  if (c === 114 /* r */ && msg.startsWith('reverse mapping')) {
    if ((m = SSH_REVERSE.exec(msg)) !== null) {
      const ip = plainIp(m[2]!);
      setIp(ev, ip);
      if (ev.src_ip !== null) ctx.auth.note(ev, { ip: ev.src_ip, name: m[1]! });
    } else if ((m = SSH_BRACKET_IP.exec(msg)) !== null) setIp(ev, m[1]!);
    return;
  }
  if (c === 101 /* e */ && (m = SSH_MAX_ATTEMPTS.exec(msg)) !== null) {
    ev.action = 'ssh_max_attempts';
    setUser(ev, m[2]);
    setIp(ev, m[3]!);
    ev.fields.src_port = parseUint(m[4]!);
    ctx.auth.record(ev, { service: 'ssh', reporter: 'max', result: 'failure', count, accountExists: m[1] !== undefined ? false : null });
    return;
  }
  if (c === 109 /* m */ && (m = SSH_REPEATED.exec(msg)) !== null) {
    // syslog folded identical lines: classify the inner one, which stands for that many attempts.
    const n = parseUint(m[1]!);
    ev.fields.repeated = n;
    sshd(ev, m[2]!, ctx, Math.max(1, Math.min(1000, n)));
    return;
  }
  if (c === 83 /* S */ && (m = STARTING_SESSION.exec(msg)) !== null) {
    setUser(ev, m[1]);
    setIp(ev, m[2]!);
    ev.fields.src_port = parseUint(m[3]!);
    return;
  }
  if (pam(ev, msg, ctx, 'sshd')) return;
  if ((m = FROM_IP.exec(msg)) !== null) {
    setIp(ev, m[1]!);
    if (ev.src_ip !== null) ctx.auth.note(ev, { ip: ev.src_ip });
  }
}
