/** Where the built pieces live relative to an entry file in out/main. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuiltPaths {
  engineWorker: string;
  rendererDir: string;
  preload: string;
  appRoot: string;
  /** The Sigma rules bundled with the app. */
  rulesDir: string;
}

export function builtPaths(entryUrl: string): BuiltPaths {
  const mainDir = dirname(fileURLToPath(entryUrl));
  const outDir = resolve(mainDir, '..');
  return {
    engineWorker: join(mainDir, 'engine.js'),
    rendererDir: join(outDir, 'renderer'),
    preload: join(outDir, 'preload', 'index.cjs'),
    appRoot: resolve(outDir, '..'),
    rulesDir: join(resolve(outDir, '..'), 'resources', 'sigma'),
  };
}

/**
 * better-sqlite3 as installed is built for Node's ABI. Electron needs its own build; `npm start`
 * makes one in .electron-native/ where Electron exists, and the engine takes it when present.
 */
export function electronNativeBinding(appRoot: string): string | undefined {
  const candidate = join(appRoot, '.electron-native', 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}

export function readVersion(appRoot: string): string {
  try {
    return (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
