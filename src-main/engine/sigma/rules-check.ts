/**
 * `vigil rules check DIR|ZIP [--json]`: load a pack into a scratch engine and report every rule
 * that loaded and every one that did not, with reasons.
 */
import { basename } from 'node:path';
import { SigmaEngine, type FailedRule, type SigmaEngineOptions } from './engine';
import type { SigmaIssue } from './types';

export interface RuleCheckReport {
  source: string;
  loaded: { ruleId: string; kind: 'rule' | 'correlation' | 'filter'; title: string; file: string }[];
  failed: FailedRule[];
  warnings: SigmaIssue[];
  summary: { loaded: number; failed: number; warnings: number };
  /** 0 when everything loaded, 1 otherwise: what the CLI should exit with. */
  exitCode: 0 | 1;
}

/** SigmaHQ file name convention (spec: File Structure): 10-70 chars, a-z 0-9 _, .yml. */
function filenameWarning(file: string): SigmaIssue | null {
  const name = basename(file);
  if (/^[a-z0-9_]+\.yml$/.test(name) && name.length >= 10 && name.length <= 70) return null;
  return { file, reason: `file name '${name}' does not follow the Sigma convention (10-70 characters, lower-case letters, digits and _, .yml)`, level: 'warning' };
}

export async function checkRulePack(path: string, options: SigmaEngineOptions = {}): Promise<RuleCheckReport> {
  const engine = new SigmaEngine(options);
  const result = await engine.loadPack(path);
  const files = new Set([...result.loaded.map((r) => r.file), ...result.failed.map((f) => f.file)]);
  const warnings = [...result.warnings];
  for (const f of files) {
    const w = filenameWarning(f);
    if (w) warnings.push(w);
  }
  const loaded = result.loaded.map((r) => ({ ruleId: r.ruleId, kind: r.kind, title: r.title, file: r.file }));
  return {
    source: path,
    loaded,
    failed: result.failed,
    warnings,
    summary: { loaded: loaded.length, failed: result.failed.length, warnings: warnings.length },
    exitCode: result.failed.length > 0 ? 1 : 0,
  };
}

function issueLine(i: SigmaIssue): string {
  return `${i.field ? `${i.field}: ` : ''}${i.reason}`;
}

/** Human-readable report; failures first because they are what the analyst must fix. */
export function formatRuleCheckReport(report: RuleCheckReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`Sigma rule pack: ${report.source}`);
  lines.push(`  loaded ${report.summary.loaded}, failed ${report.summary.failed}, warnings ${report.summary.warnings}`);
  if (report.failed.length > 0) {
    lines.push('', 'Failed:');
    for (const f of report.failed) {
      const who = f.title ? `${f.title}${f.ruleId ? ` (${f.ruleId})` : ''}` : '(file)';
      lines.push(`  ✗ ${f.file}: ${who}`);
      for (const r of f.reasons) lines.push(`      ${issueLine(r)}`);
    }
  }
  if (report.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of report.warnings) lines.push(`  ! ${w.file}${w.rule ? `: ${w.rule}` : ''}: ${issueLine(w)}`);
  }
  if (options.verbose && report.loaded.length > 0) {
    lines.push('', 'Loaded:');
    for (const r of report.loaded) lines.push(`  ✓ ${r.file}: ${r.title} (${r.kind}, ${r.ruleId})`);
  }
  return lines.join('\n');
}
