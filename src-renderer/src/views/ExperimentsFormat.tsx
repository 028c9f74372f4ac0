/** Labels and number formats shared by the Experiments view's parts. */

export function fmtMetric(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : x.toFixed(3);
}

export function fmtDelta(x: number | null): string {
  if (x === null) return '—';
  if (Math.abs(x) < 5e-4) return '0';
  return `${x > 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
}

export function fmtParam(v: string | number | boolean | null | undefined): string {
  return v === null || v === undefined ? '—' : String(v);
}

const METRICS: Record<string, string> = { precision: 'Precision', recall: 'Recall', f1: 'F1', rocAuc: 'ROC-AUC', prAuc: 'PR-AUC' };
const SECTIONS: Record<string, string> = { session: 'Sessions', ip_window: 'IP windows', pattern: 'Named patterns' };
const PARAMS: Record<string, string> = {
  trees: 'Trees',
  sampleSize: 'Sample size',
  seed: 'Seed',
  threshold: 'Threshold',
  transform: 'Transform',
  excludeFlagged: 'Train without flagged IPs',
  slackMs: 'Match slack (ms)',
};

export function metricLabel(m: string): string {
  const [first, ...rest] = m.split(' ');
  if (rest.length > 0 && first) return `${patternLabel(first)} ${metricLabel(rest.join(' ')).toLowerCase()}`;
  return METRICS[m] ?? m;
}

export function sectionLabel(s: string): string {
  return SECTIONS[s] ?? s;
}

export function paramLabel(p: string): string {
  return PARAMS[p] ?? p;
}

export function patternLabel(p: string): string {
  const words = p.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
