#!/usr/bin/env node
// The `vigil` command: runs the built CLI, building it first if this checkout was never built.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('vigil: first run, building the app (npm run build)…\n');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write('vigil: the build failed; run `npm run build` to see why.\n');
    process.exit(1);
  }
}
await import(pathToFileURL(cli).href);
