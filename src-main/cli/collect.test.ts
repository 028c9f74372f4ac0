import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../test/paths';
import { tempDir } from '../engine/test-support';

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

  it('says what is wrong with a bad address', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'collect', '--case', join(tempDir(), 'x.vigil'), '--udp', 'nonsense'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code).toBe(1);
    expect(err).toContain('--udp takes HOST:PORT');
  }, 30_000);
});
