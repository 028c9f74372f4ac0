/** Small helpers shared by the benchmarks: medians, peak RSS sampling, generated inputs. */
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/paths';

export const BENCH_DIR = join(ROOT, '.bench');
mkdirSync(BENCH_DIR, { recursive: true });

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

/** Sample this process's RSS every few ms; return a stop function giving the peak in MB. */
export function trackPeakRss(intervalMs = 20): () => number {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), intervalMs);
  return () => {
    clearInterval(t);
    return Math.round(Math.max(peak, process.memoryUsage.rss()) / (1024 * 1024));
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A generated sshd auth log with `n` lines (cached between runs): 200 users logging in from a pool
 * of 3,000 addresses, a tenth of lines failures, and a few addresses guessing passwords; one line
 * every 40 ms of event time, so a million lines span about 11 hours in order.
 */
export async function generatedAuthLog(n: number): Promise<string> {
  const path = join(BENCH_DIR, `auth-v2-${n}.log`);
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  const base = Date.UTC(2026, 10, 20, 0, 0, 0);
  let x = 12345;
  const rand = (k: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % k;
  };
  const ipOf = (k: number) => `${10 + (k % 180)}.${(k * 7) % 256}.${(k * 13) % 256}.${1 + (k % 250)}`;
  for (let i = 0; i < n; i++) {
    const d = new Date(base + i * 40);
    const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const pid = 1000 + rand(30000);
    const port = 1024 + rand(60000);
    const r = rand(100);
    let line: string;
    if (r < 3) {
      const attacker = ipOf(5000 + rand(8));
      line = `${stamp} web-01 sshd[${pid}]: Failed password for invalid user guess${rand(500)} from ${attacker} port ${port} ssh2`;
    } else if (r < 12) {
      line = `${stamp} web-01 sshd[${pid}]: Failed password for user${rand(200)} from ${ipOf(rand(3000))} port ${port} ssh2`;
    } else if (r < 60) {
      line = `${stamp} web-01 sshd[${pid}]: Accepted publickey for user${rand(200)} from ${ipOf(rand(3000))} port ${port} ssh2: RSA SHA256:k${rand(997)}`;
    } else if (r < 80) {
      line = `${stamp} web-01 sshd[${pid}]: pam_unix(sshd:session): session opened for user user${rand(200)} by (uid=0)`;
    } else {
      line = `${stamp} web-01 CRON[${pid}]: pam_unix(cron:session): session closed for user root`;
    }
    if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return path;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
