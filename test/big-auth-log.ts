/**
 * A big sshd auth log for the responsiveness specs and benches (issue 26): ~5,000 users and
 * addresses (the graph's largest view fills up), more "Failed password" lines than the Events
 * count cap, and one address that guesses passwords all day long (an incident of well over 10,000
 * lines) and gets in near the end. Lines are a little out of order, as sshd writes them.
 */
import { createWriteStream, existsSync } from 'node:fs';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const BIG_ACTOR = '203.0.113.66';
/** When the log starts: Nov 20 (the year is inferred, as for any syslog). */
const BASE = Date.UTC(2025, 10, 20, 0, 0, 0);
const STEP_MS = 150;

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

function stamp(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Write the log (`lines` lines) to `path` unless it is there already; returns its path. */
export async function writeBigAuthLog(path: string, lines = 220_000): Promise<string> {
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  let x = 2463534242;
  const rand = (k: number) => {
    // xorshift32: quick, and the same log on every machine.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % k;
  };
  const USERS = 2600;
  const IPS = 4000;
  const ipOf = (k: number) => `${11 + (k % 170)}.${(k * 7) % 256}.${(k * 13) % 256}.${1 + (k % 250)}`;
  for (let i = 0; i < lines; i++) {
    // A second or two of jitter: Apache and sshd both write a line when the work ends.
    const t = BASE + i * STEP_MS - rand(1500);
    const pid = 1000 + rand(30000);
    const port = 1024 + rand(60000);
    const r = rand(100);
    let line: string;
    if (i % 12 === 5 && i < lines - 400) {
      line = `${stamp(t)} gw-01 sshd[${pid}]: Failed password for ${['root', 'admin', 'oracle', 'test'][rand(4)]} from ${BIG_ACTOR} port ${port} ssh2`;
    } else if (i === lines - 300) {
      line = `${stamp(t)} gw-01 sshd[${pid}]: Accepted password for admin from ${BIG_ACTOR} port ${port} ssh2`;
    } else if (r < 52) {
      // Everyday mistakes, from the user's own address most of the time.
      const u = rand(USERS);
      line = `${stamp(t)} gw-01 sshd[${pid}]: Failed password for user${u} from ${ipOf(rand(8) === 0 ? rand(IPS) : (u * 7919) % IPS)} port ${port} ssh2`;
    } else if (r < 90) {
      const u = rand(USERS);
      line = `${stamp(t)} gw-01 sshd[${pid}]: Accepted publickey for user${u} from ${ipOf(rand(6) === 0 ? rand(IPS) : (u * 7919) % IPS)} port ${port} ssh2: RSA SHA256:k${rand(997)}`;
    } else {
      line = `${stamp(t)} gw-01 sshd[${pid}]: pam_unix(sshd:session): session opened for user user${rand(USERS)} by (uid=0)`;
    }
    if (!out.write(line + '\n')) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res) => out.end(() => res()));
  return path;
}
