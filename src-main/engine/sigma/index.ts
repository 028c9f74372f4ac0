/** Public surface of the Sigma engine (DESIGN.md, pipeline step 8). */
export { SigmaEngine } from './engine';
export type { SigmaEngineOptions, SigmaMatch, LoadedRuleInfo, FailedRule, PackLoadResult } from './engine';
export { checkRulePack, formatRuleCheckReport } from './rules-check';
export type { RuleCheckReport } from './rules-check';
export { attackFromTags } from './attack';
export type { AttackRefs } from './attack';
export { mappedFieldNames } from './field-mapping';
export type { PlaceholderMap } from './modifiers';
export type { SigmaIssue, SigmaLevel, SigmaRule, SigmaCorrelation, SigmaFilter, SigmaDocument } from './types';
