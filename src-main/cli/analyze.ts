/** `vigil analyze PATH... [--json] [--case FILE]`: the incident queue of logs, headless. */
import type { BuiltPaths } from '../host/paths';

export async function runAnalyze(_argv: string[], _ctx: { paths: BuiltPaths; version: string }): Promise<number> {
  process.stderr.write('vigil analyze: not available yet\n');
  return 2;
}
