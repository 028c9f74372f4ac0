/** `vigil rules check DIR|ZIP|FILE [--json]`. */
import type { BuiltPaths } from '../host/paths';

export async function runRules(_argv: string[], _ctx: { paths: BuiltPaths; version: string }): Promise<number> {
  process.stderr.write('vigil rules: not available yet\n');
  return 2;
}
