export { type Scenario, type ScenarioOptions, DEFAULT_SCENARIO_START, generateScenario } from './generate';
export { type WrittenScenario, TRUTH_FILE_NAME, writeScenario } from './write';
export { ACCESS_LOG_NAME, AUTH_LOG_NAME } from './recorder';
