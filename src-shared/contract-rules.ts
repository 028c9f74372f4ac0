/** The Sigma rules domain of the contract: packs, rules, hits and matches, with their data shapes. */
import { z } from 'zod';
import { empty, filePath, reply } from './contract-util';

export const RULE_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type RuleLevel = (typeof RULE_LEVELS)[number];
export const RULE_KINDS = ['rule', 'correlation', 'filter'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** Why a rule (or a file of a pack) did not load, or what is odd about it. */
export interface RuleIssue {
  file: string;
  /** "title (id)" when known. */
  rule?: string;
  ruleId?: string;
  field?: string;
  reason: string;
  level: 'error' | 'warning';
}

/** A rule, or a whole file, that failed to load. */
export interface RuleLoadError {
  pack: string;
  file: string;
  title: string | null;
  ruleId: string | null;
  reasons: RuleIssue[];
}

export interface RulePackRow {
  /** Row id of an imported pack; null for the rules that ship with Vigil. */
  id: number | null;
  name: string;
  bundled: boolean;
  /** Where the pack was imported from (a folder or .zip path), or the bundled rules folder. */
  origin: string;
  addedAt: number | null;
  /** Rule files stored for the pack. */
  files: number;
  rules: number;
  correlations: number;
  filters: number;
  disabled: number;
  /** Alerts its rules produced in this case. */
  hits: number;
  errors: RuleLoadError[];
  warnings: RuleIssue[];
}

export interface RuleAttack {
  /** e.g. T1110, T1110.001 */
  techniques: string[];
  tactics: { id: string; name: string }[];
  groups: string[];
  software: string[];
}

export interface RuleRow {
  id: string;
  kind: RuleKind;
  title: string;
  author: string | null;
  level: RuleLevel | null;
  status: string | null;
  tags: string[];
  attack: RuleAttack;
  logsource: { product: string | null; service: string | null; category: string | null } | null;
  pack: string;
  file: string;
  enabled: boolean;
  /** Alerts the rule produced in this case. */
  hits: number;
  /** False when the rule only feeds a correlation (`generate: false`): it never alerts by itself. */
  standalone: boolean;
}

/** One evidence line of a match. */
export interface RuleMatchEvent {
  id: number;
  ts: number | null;
  source: string;
  lineNo: number;
  raw: string;
}

export interface RuleMatchRow {
  alertId: number;
  ruleId: string;
  /** Title and author travel with every match: the DRL licence of SigmaHQ rules asks for both. */
  title: string;
  author: string | null;
  severity: string;
  firstTs: number | null;
  lastTs: number | null;
  entities: { type: string; value: string }[];
  /** For correlation matches: the type, the group it fired for, and the value that crossed the condition. */
  correlation: { type: string; group: Record<string, string>; value: number | null } | null;
  /** How many events are evidence of the match; `events` holds at most the first few. */
  evidenceCount: number;
  events: RuleMatchEvent[];
}

export interface RuleMatchesPage {
  rule: { id: string; title: string; author: string | null; loaded: boolean };
  rows: RuleMatchRow[];
  offset: number;
  total: number;
}

export interface RulesPage {
  rows: RuleRow[];
  offset: number;
  total: number;
}

export interface ImportPackResult {
  pack: RulePackRow;
  loaded: number;
  failed: number;
  /** True when a pack of the same name was already in the case and this one took its place. */
  replaced: boolean;
  /** Detection re-runs over the whole case in the background so the new rules' hits appear. */
  rerunScheduled: boolean;
}

export interface RulesChange {
  reason: 'imported' | 'removed' | 'enabled';
}

const ruleId = z.string().trim().min(1, 'a rule id is required').max(500);

export const rulesMethods = {
  /** The bundled rules and every pack imported into the case, with counts and load errors. */
  'rules.listPacks': { input: empty, output: reply<RulePackRow[]>() },
  'rules.listRules': {
    input: z
      .object({
        pack: z.string().max(500).optional(),
        /** Matches title, id, author, tags, file and ATT&CK ids, case-insensitively. */
        query: z.string().max(1000).default(''),
        level: z.enum(RULE_LEVELS).optional(),
        enabled: z.boolean().optional(),
        kind: z.enum(RULE_KINDS).optional(),
        sort: z.enum(['hits', 'title', 'level']).default('hits'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(10_000).default(1000),
      })
      .strict(),
    output: reply<RulesPage>(),
  },
  /** Persisted in the case; the rule stops (or starts) producing alerts from the next detection run. */
  'rules.setEnabled': { input: z.object({ ruleId, enabled: z.boolean() }).strict(), output: reply<RuleRow>() },
  /** Store a folder, .zip or single .yml of Sigma rules in the case, then re-run detection. */
  'rules.importPack': {
    input: z
      .object({
        path: filePath,
        /** Defaults to the folder or file name; a pack of the same name is replaced. */
        name: z.string().trim().min(1).max(120).optional(),
      })
      .strict(),
    output: reply<ImportPackResult>(),
  },
  'rules.removePack': { input: z.object({ packId: z.number().int().positive() }).strict(), output: reply<RulePackRow[]>() },
  /** Alerts of one rule with their evidence lines, oldest first. */
  'rules.listMatches': {
    input: z
      .object({
        ruleId,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(50),
        /** Evidence lines returned per match (a correlation can have hundreds). */
        eventsPerMatch: z.number().int().min(0).max(200).default(10),
      })
      .strict(),
    output: reply<RuleMatchesPage>(),
  },
} as const;

export const rulesEvents = {
  /** Packs were imported or removed, or a rule was switched on or off. */
  'rules.changed': reply<RulesChange>(),
} as const;
