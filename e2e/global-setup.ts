// Say up front which hosts the run covers, so a skipped Electron project is never mistaken for a pass.
// @ts-expect-error: a plain .mjs helper shared with scripts/start.mjs
import { electronBinary } from '../scripts/electron-binary.mjs';

export default function globalSetup(): void {
  const exe = electronBinary() as string | null;
  if (exe) console.log(`[e2e] electron project: running against ${exe}`);
  else console.log('[e2e] electron project: SKIPPED — the Electron binary is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD or no network); the browser project runs the same specs.');
}
