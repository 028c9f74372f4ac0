/** The behavioural half of the detector (DESIGN.md step 7) and its experiment tracking (step 12). */
export { type AnalyzeOptions, type AnalyzeResult, analyzeEvents, detectAttackPatterns, inEventTimeOrder } from './analyze';
export { BEHAVIOUR_MODEL_VERSION, BehaviourModel, type BehaviourModelJson, type FeatureTransform } from './behaviourModel';
export { type BehaviourConfig, type BehaviourConfigInput, type BusinessHours, DEFAULT_BEHAVIOUR_CONFIG, type PatternThresholds, isOffHours, resolveConfig } from './config';
export { featureMatrixCsv } from './csvExport';
export { ATTACK_PATTERNS, type AttackPattern, type PatternDetection } from './detection';
export { type BehaviourEngineState, type BehaviourGroup, type BehaviourOutput, BehaviourEngine } from './engine';
export { type ExperimentRun, type ExperimentRunInput, compareRuns, createExperimentRun } from './experiment';
export { FEATURE_DOCS, FEATURE_NAMES, FEATURE_SET_VERSION, type FeatureName, type GroupKind, namedFeatures } from './features';
export { DEFAULT_IFOREST_PARAMS, IsolationForest, type IsolationForestJson, type IsolationForestParams, averagePathLength } from './iforest';
export { type FeatureMatrix, matrixFromRows } from './matrix';
export { averagePrecision, bestF1Threshold, metricsAtThreshold, rocAuc } from './metrics';
export { type GroundTruthAttack, type PatternScore, evaluatePatterns, labelGroups, matchesTruth } from './patternEval';
export { DEFAULT_RISK_CUTOFFS, type RiskCutoffs, type RiskLevel, calibrateCutoffs, riskLevel } from './riskLevel';
