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

/** A generated auth-style log with `n` lines (cached between runs). */
export async function generatedAuthLog(n: number): Promise<string> {
  const path = join(BENCH_DIR, `auth-${n}.log`);
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  const users = ['root', 'admin', 'alice', 'bob', 'deploy', 'oracle', 'test', 'ubuntu'];
  for (let i = 0; i < n; i++) {
    const s = i % 60;
    const m = Math.floor(i / 60) % 60;
    const h = Math.floor(i / 3600) % 24;
    const ip = `${10 + (i % 200)}.${(i >> 3) % 256}.${(i >> 5) % 256}.${i % 251}`;
    const line =
      i % 7 === 0
        ? `Nov 22 ${pad(h)}:${pad(m)}:${pad(s)} web-01 sshd[${1000 + (i % 30000)}]: Accepted publickey for ${users[i % users.length]} from ${ip} port ${1024 + (i % 60000)} ssh2: RSA SHA256:abc${i % 997}`
        : `Nov 22 ${pad(h)}:${pad(m)}:${pad(s)} web-01 sshd[${1000 + (i % 30000)}]: Failed password for invalid user ${users[i % users.length]}${i % 13} from ${ip} port ${1024 + (i % 60000)} ssh2`;
    if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return path;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
