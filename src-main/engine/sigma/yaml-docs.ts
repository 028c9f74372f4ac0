import { parseAllDocuments } from 'yaml';
import type { SigmaIssue } from './types';

/** A YAML document after rule-collection actions were applied, ready for the rule parser. */
export interface RawDocument {
  file: string;
  /** 0-based position of the source document in the file. */
  index: number;
  data: Record<string, unknown>;
}

export interface YamlLoadResult {
  documents: RawDocument[];
  issues: SigmaIssue[];
}

/** Alias bombs expand exponentially; real rules use none or a handful. */
const MAX_ALIASES = 100;
export const MAX_RULE_FILE_BYTES = 2 * 1024 * 1024;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge where `over` wins; maps merge recursively, everything else is replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

/**
 * Parse a (multi-document) Sigma file. Legacy rule collections are honoured: `action: global`
 * accumulates a template merged under every following rule, `action: reset` clears it and
 * `action: repeat` re-emits the previous rule with the document merged over it.
 */
export function loadYamlDocuments(text: string, file: string): YamlLoadResult {
  const issues: SigmaIssue[] = [];
  const documents: RawDocument[] = [];
  if (Buffer.byteLength(text, 'utf8') > MAX_RULE_FILE_BYTES) {
    issues.push({ file, reason: `file is larger than ${MAX_RULE_FILE_BYTES} bytes`, level: 'error' });
    return { documents, issues };
  }
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  let global: Record<string, unknown> = {};
  let previous: Record<string, unknown> | null = null;
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      issues.push({ file, reason: `YAML syntax error in document ${index + 1}: ${first.message.split('\n')[0]}`, level: 'error' });
      return;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      issues.push({ file, reason: `YAML document ${index + 1}: ${(err as Error).message}`, level: 'error' });
      return;
    }
    if (data === null || data === undefined) return; // empty document, e.g. a trailing ---
    if (!isPlainObject(data)) {
      issues.push({ file, reason: `document ${index + 1} is not a mapping`, level: 'error' });
      return;
    }
    const { action, ...rest } = data;
    if (action === undefined) {
      const merged = Object.keys(global).length > 0 ? deepMerge(global, rest) : rest;
      documents.push({ file, index, data: merged });
      previous = merged;
      return;
    }
    switch (action) {
      case 'global':
        global = deepMerge(global, rest);
        return;
      case 'reset':
        global = {};
        return;
      case 'repeat':
        if (!previous) {
          issues.push({ file, field: 'action', reason: `document ${index + 1}: action 'repeat' needs a previous rule`, level: 'error' });
          return;
        }
        previous = deepMerge(previous, rest);
        documents.push({ file, index, data: previous });
        return;
      default:
        issues.push({ file, field: 'action', reason: `document ${index + 1}: unknown action '${String(action)}' (global, reset or repeat)`, level: 'error' });
    }
  });
  return { documents, issues };
}
