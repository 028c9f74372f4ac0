/** The app's data folder, the same one Electron's `userData` uses, so both hosts share recent cases. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.VIGIL_DATA_DIR) return env.VIGIL_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'vigil');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'vigil');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'vigil');
}
