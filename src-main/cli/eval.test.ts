/** `vigil eval` as an analyst runs it: the real binary, a child process, its output and exit code. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExperimentRecord } from '../../src-shared/contract-experiments';
import { ROOT } from '../../test/paths';
import { tempDir } from '../engine/test-support';

const PATTERNS = ['brute_force', 'password_spraying', 'credential_stuffing', 'possible_compromise', 'scanning', 'error_burst'];

function vigil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'eval', ...args], { encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vigil eval', () => {
  it('evaluates a generated scenario end to end and prints JSON', () => {
    const r = vigil('--scenario', '1', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { source: { kind: string; seed: number; events: number }; run: ExperimentRecord; minF1: null };
    expect(out.source).toMatchObject({ kind: 'scenario', seed: 1 });
    expect(out.source.events).toBeGreaterThan(10_000);
    for (const p of PATTERNS) {
      expect(out.run.patterns[p]!.precision, p).toBeGreaterThanOrEqual(0.9);
      expect(out.run.patterns[p]!.recall, p).toBeGreaterThanOrEqual(0.9);
    }
    expect(out.run.kinds.session!.rocAuc).toBeGreaterThan(0.85);
    expect(out.run.kinds.ip_window!.rocAuc).toBeGreaterThan(0.95);
    expect(out.run.params).toMatchObject({ trees: 100, sampleSize: 256 });
  }, 240_000);

  it('prints tables, keeps the case with --out, re-evaluates it with --case, and enforces --min-f1', () => {
    const dir = tempDir('vigil-eval-cli-');
    const first = vigil('--scenario', '2', '--days', '2', '--trees', '50', '--sample', '128', '--out', dir, '--min-f1', '0.9');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Named patterns/);
    expect(first.stdout).toMatch(/brute_force\s+\d+\s+\d+/);
    expect(first.stdout).toMatch(/session\s+\d+/);
    expect(first.stdout).toMatch(/trees=50 sampleSize=128/);
    expect(first.stdout).toMatch(/met/);
    const casePath = join(dir, 'scenario-2.vigil');
    const truth = join(dir, 'scenario-2', 'truth.json');
    expect(existsSync(casePath)).toBe(true);

    const again = vigil('--case', casePath, '--truth', truth, '--json', '--name', 'again');
    expect(again.status).toBe(0);
    const run = (JSON.parse(again.stdout) as { run: ExperimentRecord }).run;
    // The first run is stored in the case too: this is the second.
    expect(run.id).toBe(2);
    expect(run.name).toBe('again');

    const missing = vigil('--case', casePath, '--truth', join(dir, 'scenario-2', 'missing.json'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/missing\.json/);

    // A truth for another period: no alert matches, every pattern's F1 is 0, the bar is not met.
    const shifted = JSON.parse(readFileSync(truth, 'utf8')) as { attacks: { start: number; end: number }[] };
    for (const a of shifted.attacks) {
      a.start += 400 * 86_400_000;
      a.end += 400 * 86_400_000;
    }
    const other = join(dir, 'other-period.json');
    writeFileSync(other, JSON.stringify(shifted));
    const unmet = vigil('--case', casePath, '--truth', other, '--min-f1', '0.9');
    expect(unmet.status).toBe(1);
    expect(unmet.stdout).toMatch(/NOT MET/);
    expect(unmet.stdout).toMatch(/warning: No ground-truth attack falls inside the time range/);
  }, 240_000);

  it('explains its usage', () => {
    const help = vigil('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--scenario SEED/);
    expect(help.stdout).toMatch(/--min-f1/);
    const bad = vigil('--case', 'x.vigil');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--truth/);
    expect(vigil('--scenario', 'abc').status).toBe(2);
    expect(vigil('--scenario', '1', '--trees', '0').status).toBe(2);
  });
});
