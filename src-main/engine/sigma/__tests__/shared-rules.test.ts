import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SHARED_DATA } from '../../../../test/paths';
import { describeShared } from '../../../../test/shared-data';
import { SigmaEngine } from '../engine';
import { auth, web } from './helpers';

/**
 * Rules of the shared SigmaHQ subset that do not load, each with the reason we expect. Empty: all
 * 255 load (none uses lookaround/backreferences, placeholders or obsolete aggregations).
 */
const EXPECTED_FAILURES: Record<string, RegExp> = {};

describeShared('SigmaHQ linux and web rules', [join(SHARED_DATA, 'sigma-rules', 'rules')], () => {
  it('all 255 load, or fail only for the documented reasons', async () => {
    const engine = new SigmaEngine();
    const res = await engine.loadPack(join(SHARED_DATA, 'sigma-rules', 'rules'));
    expect(res.loaded.length + res.failed.length).toBe(255);
    for (const f of res.failed) {
      const why = f.reasons.map((r) => `${r.field ?? ''} ${r.reason}`).join('; ');
      expect(EXPECTED_FAILURES[f.file], `unexpected failure ${f.file}: ${why}`).toBeDefined();
      expect(why).toMatch(EXPECTED_FAILURES[f.file]!);
    }
    expect(res.warnings).toEqual([]);
  });

  it('match the events they describe through our field mapping', async () => {
    const engine = new SigmaEngine();
    await engine.loadPack(join(SHARED_DATA, 'sigma-rules', 'rules'));
    const titles = (e: Parameters<SigmaEngine['evaluate']>[0]) => engine.evaluate(e).map((m) => m.title);
    expect(titles(web('/', { user_agent: 'sqlmap/1.7' }))).toContain('Suspicious User-Agents Related To Recon Tools');
    expect(titles(web('/index.php?file=../../../etc/passwd'))).toContain('Path Traversal Exploitation Attempts');
    expect(titles(web('/app/.git/HEAD'))).toContain('Source Code Enumeration Detection by Keyword');
    expect(titles(auth('new user: name=toor, UID=0, GID=0, home=/root, shell=/bin/bash', { app: 'useradd' }))).toContain('Privileged User Has Been Created');
    expect(titles(auth('error: Corrupted MAC on input. [preauth]', { app: 'sshd' }))).toContain('Suspicious OpenSSH Daemon Error');
    expect(titles(web('/index.html'))).toEqual([]);
    expect(titles(auth('Accepted publickey for alice from 10.0.0.2 port 2222 ssh2', { app: 'sshd' }))).toEqual([]);
  });
});
