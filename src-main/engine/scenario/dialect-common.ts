/** What every login dialect shares: a planned connection, the writer's hooks, names and uids. */
import type { ScenarioRecorder } from './recorder';

/** One planned connection: a pid and source port of its own. */
export interface Connection {
  pid: number;
  port: number;
  ip: string;
  user: string;
  invalid: boolean;
}

export interface DialectWriter {
  /** The file its lines go to (Debian's auth.log, Red Hat's secure or messages, mail.log ...). */
  file: string;
  /** A connection opens, before its first try. */
  open(rec: ScenarioRecorder, t: number, c: Connection): void;
  /** Try number `n` (1-based) of the connection failed. */
  fail(rec: ScenarioRecorder, t: number, c: Connection, n: number): void;
  /** Try number `n` worked (a writer may give the connection another pid or port for it). */
  success(rec: ScenarioRecorder, t: number, c: Connection, n: number): void;
  /** The connection ends without a login after `tries` tries; `maxed` when the server cut it off. */
  close(rec: ScenarioRecorder, t: number, c: Connection, tries: number, maxed: boolean): void;
  /** A logged-in user leaves. */
  logout(rec: ScenarioRecorder, t: number, c: Connection): void;
  /** How the log names a source: its address, or the host name it shows instead. */
  shows(ip: string): string;
}

export function uidOf(user: string): number {
  let h = 0;
  for (let i = 0; i < user.length; i++) h = (h * 31 + user.charCodeAt(i)) % 500;
  return user === 'root' ? 0 : 1000 + h;
}

/**
 * The reverse name some addresses have (about a third of public ones; none of the private):
 * what sshd with UseDNS writes in pam's rhost=. A function of the address, so every dialect and
 * every run agrees, and the scenario's random draws are not touched.
 */
export function reverseName(ip: string): string | null {
  if (ip.startsWith('10.') || ip.startsWith('192.168.') || ip.includes(':')) return null;
  let h = 0;
  for (let i = 0; i < ip.length; i++) h = (h * 33 + ip.charCodeAt(i)) >>> 0;
  if (h % 3 !== 0) return null;
  const isp = ['dsl.example.net', 'cable.example.org', 'static.example.com'][(h % 7) % 3]!;
  return `host-${ip.replace(/\./g, '-')}.${isp}`;
}

export const PAM_KEYS = 'logname= uid=0 euid=0';
