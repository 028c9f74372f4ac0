import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../test/paths';
import type { CollectorStatus } from '../../src-shared/dto';
import { tempDir } from '../engine/test-support';
import { collectSummary } from './collect';

describe('vigil collect', () => {
  it('collects syslog over UDP into a case and prints a summary on Ctrl+C', async () => {
    const dir = tempDir();
    const casePath = join(dir, 'live.vigil');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'collect', '--case', casePath, '--udp', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    for (let i = 0; i < 200 && !out.includes('collecting into'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out, err).toContain(`listening: udp 127.0.0.1:${port}`);
    const sock = createSocket('udp4');
    for (let i = 0; i < 25; i++) {
      const msg = `<34>1 ${new Date().toISOString()} host-a app - - - udp message ${i}`;
      await new Promise<void>((r) => sock.send(msg, port, '127.0.0.1', () => r()));
    }
    sock.close();
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code, err).toBe(0);
    expect(out).toMatch(/stopped: 25 received, 25 stored, 0 dropped/);
    const db = new Database(casePath, { readonly: true });
    expect(db.prepare(`SELECT count(*) FROM events WHERE raw LIKE '%udp message%'`).pluck().get()).toBe(25);
    db.close();
  }, 60_000);

  it('prints a brute force as one JSON line while collecting, within 2 s', async () => {
    const dir = tempDir();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'collect', '--case', join(dir, 'watch.vigil'), '--udp', `127.0.0.1:${port}`, '--tcp', '127.0.0.1:0', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    for (let i = 0; i < 200 && !err.includes('collecting into'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(err).toContain(`listening: udp 127.0.0.1:${port}`);
    const sock = createSocket('udp4');
    for (let i = 0; i < 15; i++) {
      const msg = `<38>1 ${new Date().toISOString()} bastion sshd 4711 - - Failed password for root from 198.51.100.77 port ${50000 + i} ssh2`;
      await new Promise<void>((r) => sock.send(msg, port, '127.0.0.1', () => r()));
    }
    sock.close();
    const sent = Date.now();
    for (let i = 0; i < 100 && !out.includes('198.51.100.77'); i++) await new Promise((r) => setTimeout(r, 50));
    const latency = Date.now() - sent;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code, err).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { change: string; incident: { id: string; category: string; title: string } });
    const news = lines.filter((l) => l.change === 'new' && l.incident.title.includes('198.51.100.77'));
    expect(news, out).toHaveLength(1);
    expect(news[0]!.incident.category).toBe('auth_attack');
    expect(latency).toBeLessThan(2000);
    // Nothing printed twice as new.
    expect(new Set(lines.filter((l) => l.change === 'new').map((l) => l.incident.id)).size).toBe(lines.filter((l) => l.change === 'new').length);
    expect(err).toMatch(/stopped: 15 received, 15 stored/);
  }, 60_000);

  it('answers --help for every subcommand', async () => {
    for (const cmd of ['serve', 'parse', 'collect', 'analyze', 'label', 'rules', 'eval', 'export', 'search']) {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), cmd, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += String(d)));
      child.stderr.on('data', (d) => (err += String(d)));
      const code = await new Promise<number | null>((r) => child.once('close', r));
      expect(code, `vigil ${cmd} --help: ${err}`).toBe(0);
      expect(out, cmd).toMatch(new RegExp(`[Uu]sage:\\s+vigil ${cmd}`));
    }
  }, 60_000);

  it('says what is wrong with a bad address', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'collect', '--case', join(tempDir(), 'x.vigil'), '--udp', 'nonsense'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code).toBe(1);
    expect(err).toContain('--udp takes HOST:PORT');
  }, 30_000);

  it('says in its summary what the kernel dropped and which connections were refused', () => {
    const listener = (source: 'udp' | 'tcp', over: Partial<CollectorStatus['listeners'][number]>) => ({
      source,
      address: '127.0.0.1:5514',
      received: 10,
      bytes: 800,
      ratePerSecond: 0,
      peakPerSecond: 0,
      drops: { queueFull: 0, oversize: 0, malformed: 0, kernel: null },
      connectionsOpen: 0,
      connectionsRefused: { perSender: 0, full: 0, idle: 0, slow: 0, evicted: 0 },
      receiveBuffer: null,
      unauthorized: 0,
      lastError: null,
      ...over,
    });
    const status = {
      running: false,
      startedAt: 1,
      received: 20,
      stored: 20,
      dropped: 512,
      ratePerSecond: 0,
      peakPerSecond: 0,
      listeners: [
        listener('udp', { drops: { queueFull: 12, oversize: 0, malformed: 0, kernel: 500 }, receiveBuffer: { requested: 32 * 2 ** 20, granted: 8 * 2 ** 20 } }),
        listener('tcp', { connectionsRefused: { perSender: 240, full: 0, idle: 3, slow: 1, evicted: 2 } }),
      ],
      queue: { length: 0, maxMessages: 10, peakLength: 0 },
      topSenders: [],
      senderClocks: [],
      recentLines: [],
      tailFiles: [],
      config: {},
      error: null,
    } satisfies CollectorStatus;
    const text = collectSummary(status);
    expect(text).toContain('stopped: 20 received, 20 stored, 512 dropped');
    expect(text).toMatch(/udp .*queue full 12, oversize 0, malformed 0, kernel 500 \(receive buffer full\)/);
    expect(text).toMatch(/receive buffer 8\.0 MiB of 32\.0 MiB asked: the kernel caps it at net\.core\.rmem_max/);
    expect(text).toMatch(/connections refused: 240 \(over the per-sender limit 240, listener full 0\); closed: idle 3, too slow 1, evicted 2/);
  });
});
