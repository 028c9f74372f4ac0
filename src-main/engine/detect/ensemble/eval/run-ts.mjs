/* global process */
// Runs one of this folder's TypeScript scripts under plain Node: bundles it with rolldown
// (already a dev dependency through vite) into a temp file, then imports it.
// Usage: node src-main/engine/detect/ensemble/eval/run-ts.mjs <script.ts> [args...]
import { build } from 'rolldown';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = resolve(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), 'vigil-ensemble-'));
const file = join(dir, 'script.mjs');
await build({ input: entry, platform: 'node', logLevel: 'silent', output: { file, format: 'esm' } });
await import(pathToFileURL(file).href);
