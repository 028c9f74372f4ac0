// Build better-sqlite3 for Electron's ABI into .electron-native/, leaving node_modules (Node's ABI)
// untouched so the CLI and the Node host keep working. Only useful where Electron is installed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { electronVersion } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const outDir = join(root, '.electron-native');
const target = join(outDir, 'better_sqlite3.node');
const stamp = join(outDir, `electron-${electronVersion()}`);

export function ensureElectronNative({ log = console.log } = {}) {
  if (existsSync(target) && existsSync(stamp)) return target;
  const version = electronVersion();
  const src = dirname(require.resolve('better-sqlite3/package.json'));
  const work = join(outDir, 'build');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(src, work, { recursive: true, filter: (p) => !p.includes(`${join('build', 'Release')}`) });
  log(`Building the SQLite module for Electron ${version} (once)…`);
  const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
  try {
    execFileSync(bin('prebuild-install'), ['--runtime', 'electron', '--target', version, '--verbose'], { cwd: work, stdio: 'inherit' });
  } catch {
    execFileSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--yes', 'node-gyp', 'rebuild', '--release', '--runtime=electron', `--target=${version}`, '--dist-url=https://electronjs.org/headers'], {
      cwd: work,
      stdio: 'inherit',
    });
  }
  copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), target);
  copyFileSync(target, stamp);
  rmSync(work, { recursive: true, force: true });
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureElectronNative();
