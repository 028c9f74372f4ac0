/**
 * `vigil rules check DIR|ZIP|FILE [--json] [--quiet]`: load a Sigma rule pack into a scratch
 * engine and report every rule that loaded and every one that did not, with reasons.
 * Exit codes: 0 everything loaded, 1 some rules (or the pack itself) failed, 2 usage errors.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkRulePack, formatRuleCheckReport } from '../engine/sigma';
import type { BuiltPaths } from '../host/paths';

const USAGE = `usage: vigil rules check DIR|ZIP|FILE [--json] [--quiet]
  Load a Sigma rule pack (a folder searched recursively, a .zip, or one .yml/.yaml file)
  and report every rule that loads or fails, and why.
    --json    print the report as JSON
    --quiet   list only failures and warnings, not every loaded rule
  Exit code: 0 when every rule loads, 1 when some fail, 2 on usage errors.
`;

export async function runRules(argv: string[], _ctx: { paths: BuiltPaths; version: string }): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    (sub === undefined ? process.stderr : process.stdout).write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'check') {
    process.stderr.write(`vigil rules: unknown subcommand '${sub}'\n${USAGE}`);
    return 2;
  }
  let parsed: { values: { json?: boolean; quiet?: boolean; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (err) {
    process.stderr.write(`vigil rules check: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`vigil rules check: ${positionals.length === 0 ? 'a rule pack path is required' : 'give exactly one rule pack path'}\n${USAGE}`);
    return 2;
  }
  const target = resolve(positionals[0]!);
  if (!existsSync(target)) {
    process.stderr.write(`vigil rules check: ${target} does not exist\n`);
    return 2;
  }
  if (!/\.(zip|ya?ml)$/i.test(target) && !isDirectory(target)) {
    process.stderr.write(`vigil rules check: ${target} is not a rule pack: give a folder, a .zip, or a .yml/.yaml file\n`);
    return 2;
  }
  let report;
  try {
    report = await checkRulePack(target);
  } catch (err) {
    // The pack exists but cannot be read at all (a corrupt zip, no permission): it failed to load.
    process.stderr.write(`vigil rules check: ${(err as Error).message}\n`);
    return 1;
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatRuleCheckReport(report, { verbose: !values.quiet })}\n`);
  return report.exitCode;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
