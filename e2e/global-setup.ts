// Say up front which hosts the run covers, so a skipped Electron project is never mistaken for a
// pass; where Electron exists, build the SQLite module for its ABI first, as `npm start` does.
// @ts-expect-error: plain .mjs helpers shared with scripts/start.mjs
import { electronBinary } from '../scripts/electron-binary.mjs';
// @ts-expect-error: plain .mjs helpers shared with scripts/start.mjs
import { ensureElectronNative } from '../scripts/electron-native.mjs';

export default function globalSetup(): void {
  const exe = electronBinary() as string | null;
  if (exe) {
    console.log(`[e2e] electron project: running against ${exe}`);
    (ensureElectronNative as () => string)();
  } else {
    console.log('[e2e] electron project: SKIPPED — the Electron binary is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD or no network); the browser project runs the same specs.');
  }
}
