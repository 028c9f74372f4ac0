// Where the Electron binary is, without triggering electron's download-on-first-use.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The path of the Electron executable when it is installed, else null. */
export function electronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : 'electron';
    const full = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe);
    return existsSync(full) ? full : null;
  }
  if (!existsSync(pathFile)) return null;
  const full = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(full) ? full : null;
}

export function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}
