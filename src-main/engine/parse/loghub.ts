/**
 * Loghub benchmark support: reading the `*_structured_corrected.csv` files and the grouping
 * accuracy (GA) metric of Zhu et al., "Tools and Benchmarks for Automated Log Parsing" (ICSE-SEIP
 * 2019): a message is parsed correctly when the group the parser put it in holds exactly the
 * messages that share its ground-truth template.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** RFC 4180 CSV: quoted fields, "" escapes, separators and newlines inside quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface LoghubDataset {
  name: string;
  contents: string[];
  templates: string[];
}

export const LOGHUB_DATASETS = ['OpenSSH', 'Linux', 'Apache', 'HDFS', 'Zookeeper', 'Spark'] as const;

/** Reads `<dir>/<name>/<name>_2k.log_structured_corrected.csv`: the Content and EventTemplate columns. */
export function loadLoghubDataset(loghubDir: string, name: string): LoghubDataset {
  const text = readFileSync(join(loghubDir, name, `${name}_2k.log_structured_corrected.csv`), 'utf8');
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error(`${name}: empty CSV`);
  const contentAt = header.indexOf('Content');
  const templateAt = header.indexOf('EventTemplate');
  if (contentAt < 0 || templateAt < 0) throw new Error(`${name}: missing Content or EventTemplate column`);
  const contents: string[] = [];
  const templates: string[] = [];
  for (const row of rows) {
    if (row.length === 1 && row[0] === '') continue;
    contents.push(row[contentAt] ?? '');
    templates.push(row[templateAt] ?? '');
  }
  return { name, contents, templates };
}

/**
 * Grouping accuracy: the share of messages whose predicted group equals their true group as a
 * set. A predicted group is correct as a whole when all its members share one true label and no
 * message with that label lies outside it.
 */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error('groupingAccuracy: length mismatch');
  if (predicted.length === 0) return 1;
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  const groups = new Map<string, { label: string; size: number; pure: boolean }>();
  predicted.forEach((p, i) => {
    const label = truth[i] as string;
    const g = groups.get(p);
    if (!g) groups.set(p, { label, size: 1, pure: true });
    else {
      g.size++;
      if (g.label !== label) g.pure = false;
    }
  });
  let correct = 0;
  for (const g of groups.values()) if (g.pure && truthSize.get(g.label) === g.size) correct += g.size;
  return correct / predicted.length;
}
