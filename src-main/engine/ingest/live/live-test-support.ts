/** Helpers for the live-source tests: waiting on conditions, draining the queue, probing the machine. */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collector } from './collector';
import type { LiveMessage } from './types';

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Takes messages from the collector until `n` have arrived. */
export async function takeLines(collector: Collector, n: number, timeoutMs = 5000): Promise<LiveMessage[]> {
  const got: LiveMessage[] = [];
  await waitFor(
    () => {
      got.push(...collector.takeBatch(n - got.length));
      return got.length >= n;
    },
    `${n} messages (have ${got.length})`,
    timeoutMs,
  );
  return got;
}

export function port(address: string | null): number {
  const m = /:(\d+)$/.exec(address ?? '');
  if (m === null) throw new Error(`no port in ${address}`);
  return Number(m[1]);
}

export function listenerAddress(collector: Collector, source: string): string | null {
  return collector.stats().listeners.find((l) => l.source === source)?.address ?? null;
}

let ipv6: boolean | null = null;
/** Whether ::1 can be bound here (containers often have IPv6 disabled). */
export async function hasIPv6(): Promise<boolean> {
  if (ipv6 !== null) return ipv6;
  const s = dgram.createSocket('udp6');
  ipv6 = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(0, '::1', () => resolve(true));
  });
  await new Promise<void>((r) => {
    try {
      s.close(() => r());
    } catch {
      r();
    }
  });
  return ipv6;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A self-signed certificate for 127.0.0.1/::1/localhost, made by openssl in a temp folder. */
export function selfSignedCert(): { dir: string; certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
    { stdio: 'ignore' },
  );
  return { dir, certFile, keyFile };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
