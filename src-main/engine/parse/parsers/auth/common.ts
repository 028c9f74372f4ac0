/** What every auth line handler shares: its signature and how a source or an account is set. */
import { AUTH_FIELDS, type NormalizedEvent } from '../../../../../src-shared/event';
import type { ParseContext } from '../context';
import { isIpLiteral } from '../net';

/** Returns false when the line is not the program's auth line after all (an nginx line that is no login): the caller leaves it alone. */
export type Handler = (ev: NormalizedEvent, msg: string, ctx: ParseContext) => void | boolean;

/** An IPv4 address written as IPv6 (`::ffff:1.2.3.4`, Red Hat's sshd and vsftpd) as the IPv4 address. */
export function plainIp(s: string): string {
  if (s.length > 7 && s.charCodeAt(0) === 58 && /^::ffff:\d/i.test(s)) {
    const v4 = s.slice(7);
    if (isIpLiteral(v4)) return v4;
  }
  return s;
}

/** An address, or a host name when the log gave one instead (kept as a name: nothing is resolved). */
export function setIp(ev: NormalizedEvent, host: string): void {
  const h = plainIp(host);
  if (isIpLiteral(h)) ev.src_ip = h;
  else if (h.length > 0 && h !== '-' && h !== 'unknown' && h.length <= 255) ev.fields[AUTH_FIELDS.sourceHost] = h;
}

export function setUser(ev: NormalizedEvent, user: string | undefined | null): void {
  if (user !== undefined && user !== null && user.length > 0) ev.user = user;
}

/** A local caller (su's or sudo's invoking account) as the source of an attempt. */
export function setCaller(ev: NormalizedEvent, user: string | undefined | null): void {
  if (user !== undefined && user !== null && user.length > 0 && user !== 'LOGIN') ev.fields[AUTH_FIELDS.sourceUser] = user;
}

/** The logging host's own console as the source (a login on a tty or the graphical greeter). */
export function setConsole(ev: NormalizedEvent): void {
  ev.fields[AUTH_FIELDS.console] = true;
}
