// `npm start`: the desktop app where Electron is installed; otherwise say so and open the
// browser workbench (the same renderer and engine, served by `vigil serve` on 127.0.0.1).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

if (!existsSync(join(root, 'out', 'main', 'index.js')) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
  console.log('Building Vigil…');
  if (spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
}

let electron = electronBinary();
if (!electron && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  // Electron fetches its binary on first use; try once, quickly, and carry on without it.
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], { cwd: root, stdio: 'ignore', timeout: 180_000 });
  if (r.status === 0) electron = electronBinary();
}

if (electron) {
  try {
    const { ensureElectronNative } = await import('./electron-native.mjs');
    ensureElectronNative();
  } catch (err) {
    console.error(`Could not build the SQLite module for Electron (${err.message}); falling back to the browser workbench.`);
    electron = null;
  }
}

if (electron) {
  const child = spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('The Electron binary is not installed on this machine (it could not be downloaded), so Vigil opens as a browser workbench instead.');
  const child = spawn(process.execPath, [join(root, 'bin', 'vigil.mjs'), 'serve', '--open', ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
