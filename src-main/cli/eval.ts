/** `vigil eval`: behaviour models against labelled data. */
import type { BuiltPaths } from '../host/paths';

export async function runEval(_argv: string[], _ctx: { paths: BuiltPaths; version: string }): Promise<number> {
  process.stderr.write('vigil eval: not available yet\n');
  return 2;
}
