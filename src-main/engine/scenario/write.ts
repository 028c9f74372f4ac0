/** Writes a generated scenario to a folder: auth.log, access.log and truth.json side by side. */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Scenario, type ScenarioOptions, generateScenario } from './generate';
import { ACCESS_LOG_NAME } from './recorder';

export const TRUTH_FILE_NAME = 'truth.json';

export interface WrittenScenario {
  dir: string;
  authLog: string;
  accessLog: string;
  truthFile: string;
  scenario: Scenario;
}

export function writeScenario(dir: string, opts: ScenarioOptions): WrittenScenario {
  const scenario = generateScenario(opts);
  mkdirSync(dir, { recursive: true });
  const authLog = join(dir, scenario.authFile);
  const accessLog = join(dir, ACCESS_LOG_NAME);
  const truthFile = join(dir, TRUTH_FILE_NAME);
  writeFileSync(authLog, scenario.authLines.join('\n') + '\n');
  writeFileSync(accessLog, scenario.accessLines.join('\n') + '\n');
  // Syslog lines carry no year: the importer takes it from the file's time, as it would for a
  // real log written when its last line was.
  const endSeconds = scenario.end / 1000;
  utimesSync(authLog, endSeconds, endSeconds);
  utimesSync(accessLog, endSeconds, endSeconds);
  writeFileSync(
    truthFile,
    JSON.stringify(
      {
        generator: 'vigil-scenario/1',
        seed: scenario.seed,
        host: scenario.host,
        start: scenario.start,
        end: scenario.end,
        timezone: 'UTC',
        attacks: scenario.truth.map((t) => ({ ...t, startIso: new Date(t.start).toISOString(), endIso: new Date(t.end).toISOString() })),
      },
      null,
      2,
    ) + '\n',
  );
  return { dir, authLog, accessLog, truthFile, scenario };
}
