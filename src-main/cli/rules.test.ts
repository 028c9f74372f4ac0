/** `vigil rules check`, run as the analyst runs it: the real command in a child process. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, SHARED_DATA } from '../../test/paths';
import { describeShared } from '../../test/shared-data';
import { tempDir } from '../engine/test-support';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function vigil(...args: string[]): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

const RULES = join(SHARED_DATA, 'sigma-rules', 'rules');
const WITH_ERRORS = join(SHARED_DATA, 'sigma-rule-files', 'ruleset_with_errors');
// The first run may build the app.
const SLOW = 240_000;

describeShared('vigil rules check', [RULES, WITH_ERRORS], () => {
  it(
    'loads every rule of the shared SigmaHQ subset and exits 0',
    async () => {
      const run = await vigil('rules', 'check', RULES);
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('loaded 255, failed 0');
      // Loaded rules are listed, not just counted.
      expect(run.stdout).toContain('Loaded:');
      expect(run.stdout.match(/✓/g)?.length).toBe(255);
    },
    SLOW,
  );

  it(
    'names the failing rule and the reason, and exits 1',
    async () => {
      const run = await vigil('rules', 'check', WITH_ERRORS);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('failed 1');
      expect(run.stdout).toContain('test_rule_with_error.yml');
      expect(run.stdout).toMatch(/foobar/);
    },
    SLOW,
  );

  it(
    'prints a JSON report that parses, with the same exit codes',
    async () => {
      const bad = await vigil('rules', 'check', WITH_ERRORS, '--json');
      expect(bad.code).toBe(1);
      const report = JSON.parse(bad.stdout) as { summary: { loaded: number; failed: number }; failed: { file: string; reasons: { reason: string }[] }[] };
      expect(report.summary).toMatchObject({ loaded: 0, failed: 1 });
      expect(report.failed[0]!.file).toBe('test_rule_with_error.yml');
      expect(report.failed[0]!.reasons[0]!.reason).toMatch(/foobar/);

      const good = await vigil('rules', 'check', '--json', RULES);
      expect(good.code).toBe(0);
      expect((JSON.parse(good.stdout) as { summary: { loaded: number } }).summary.loaded).toBe(255);
    },
    SLOW,
  );

  it(
    'says clearly when the path does not exist, and exits 2 on usage errors',
    async () => {
      const missing = await vigil('rules', 'check', join(tempDir(), 'no-such-pack'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/no-such-pack does not exist/);

      const noPath = await vigil('rules', 'check');
      expect(noPath.code).toBe(2);
      expect(noPath.stderr).toContain('usage: vigil rules check');

      const unknown = await vigil('rules', 'lint', RULES);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("unknown subcommand 'lint'");

      const badFlag = await vigil('rules', 'check', RULES, '--frobnicate');
      expect(badFlag.code).toBe(2);

      const dir = tempDir();
      const notRules = join(dir, 'notes.txt');
      writeFileSync(notRules, 'hello');
      const wrongKind = await vigil('rules', 'check', notRules);
      expect(wrongKind.code).toBe(2);
      expect(wrongKind.stderr).toMatch(/not a rule pack/);
    },
    SLOW,
  );

  it(
    'reports a single rule file and a zip that is not a zip',
    async () => {
      const dir = tempDir();
      const one = join(dir, 'one_valid_rule.yml');
      writeFileSync(one, 'title: One\nid: 9b8c7d6e-0000-4000-8000-000000000001\nlogsource:\n  product: linux\ndetection:\n  sel:\n    - needle\n  condition: sel\n');
      const ok = await vigil('rules', 'check', one);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('loaded 1, failed 0');

      const zip = join(dir, 'broken.zip');
      writeFileSync(zip, 'not a zip at all');
      const broken = await vigil('rules', 'check', zip);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/cannot read zip/);
    },
    SLOW,
  );
});
