/**
 * Typed Sigma objects (parsed once, compiled later) and the issue shape every loader step reports.
 */

/** One problem found while loading a rule file; `field` is a dotted path into the rule. */
export interface SigmaIssue {
  file: string;
  /** "title (id)" when known. */
  rule?: string;
  ruleId?: string;
  field?: string;
  reason: string;
  level: 'error' | 'warning';
}

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const SIGMA_LEVELS: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];
export const SIGMA_STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;

export interface SigmaLogSource {
  product?: string;
  service?: string;
  category?: string;
  definition?: string;
}

/** Scalar as YAML gives it to us. */
export type YamlScalar = string | number | boolean | null;

/** One `Field|mod1|mod2: value(s)` entry of a search identifier map. `field` is null for keywords. */
export interface FieldEntry {
  field: string | null;
  modifiers: string[];
  values: YamlScalar[];
  /** Path for error messages, e.g. detection.selection.CommandLine|contains */
  path: string;
}

/** A search identifier: a map (AND of entries), a list of maps (OR), or keywords (OR, or AND with |all). */
export type SearchNode =
  | { kind: 'map'; entries: FieldEntry[]; path: string }
  | { kind: 'anyOf'; items: SearchNode[]; path: string }
  | { kind: 'keywords'; entry: FieldEntry; path: string };

export type ConditionNode =
  | { kind: 'and'; items: ConditionNode[] }
  | { kind: 'or'; items: ConditionNode[] }
  | { kind: 'not'; item: ConditionNode }
  | { kind: 'ref'; name: string }
  | { kind: 'of'; quantifier: 'one' | 'all'; pattern: string | null /* null = them */ };

export interface SigmaDetection {
  identifiers: Map<string, SearchNode>;
  /** Several conditions are OR-ed (spec: condition as list). */
  conditions: ConditionNode[];
  conditionText: string[];
}

interface SigmaMeta {
  file: string;
  title: string;
  id?: string;
  name?: string;
  status?: string;
  description?: string;
  author?: string;
  date?: string;
  modified?: string;
  level?: SigmaLevel;
  tags: string[];
  references: string[];
  falsepositives: string[];
  taxonomy?: string;
}

export interface SigmaRule extends SigmaMeta {
  kind: 'rule';
  logsource: SigmaLogSource;
  detection: SigmaDetection;
  fields: string[];
}

export type CorrelationType =
  | 'event_count'
  | 'value_count'
  | 'temporal'
  | 'temporal_ordered'
  | 'value_sum'
  | 'value_avg'
  | 'value_percentile';

export const CORRELATION_TYPES: readonly CorrelationType[] = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
];

export type CountOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface CorrelationCondition {
  ops: { op: CountOp; value: number }[];
  field?: string[];
}

export interface SigmaCorrelation extends SigmaMeta {
  kind: 'correlation';
  type: CorrelationType;
  /** Referenced rule ids or names, in order. */
  rules: string[];
  groupBy: string[];
  timespanMs: number;
  timespanText: string;
  condition: CorrelationCondition | null;
  /** alias -> (rule name or id -> field) */
  aliases: Map<string, Map<string, string>>;
  generate: boolean;
}

export interface SigmaFilter extends SigmaMeta {
  kind: 'filter';
  logsource: SigmaLogSource;
  /** Rule ids or names the filter applies to. */
  rules: string[];
  detection: SigmaDetection;
}

export type SigmaDocument = SigmaRule | SigmaCorrelation | SigmaFilter;

export function ruleLabel(title: string | undefined, id: string | undefined): string | undefined {
  if (title && id) return `${title} (${id})`;
  return title ?? id;
}
