/**
 * Where the code of one of the engine's own worker threads is, in this build: `<name>.js` beside
 * the bundle, or the TypeScript source run through tsx under tests and benchmarks. Null where
 * neither is found; callers then do the work on their own thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerScript {
  /** A file to run, or code to `eval`. */
  code: string;
  eval: boolean;
}

const found = new Map<string, WorkerScript | null>();

/**
 * @param callerUrl the caller's `import.meta.url`: the bundle's chunk, or the source file
 * @param name the worker's entry name in the bundle (electron.vite.config.ts)
 * @param source the worker's TypeScript source, relative to the caller's source file
 */
export function workerScript(callerUrl: string, name: string, source: string): WorkerScript | null {
  const key = `${callerUrl}|${name}`;
  if (found.has(key)) return found.get(key)!;
  const here = dirname(fileURLToPath(callerUrl));
  let script: WorkerScript | null = null;
  // The bundle keeps entries in out/main and shared code in out/main/chunks.
  for (const p of [join(here, `${name}.js`), join(here, '..', `${name}.js`)]) {
    if (existsSync(p)) {
      script = { code: p, eval: false };
      break;
    }
  }
  const ts = join(here, source);
  if (!script && existsSync(ts)) {
    // From sources: register tsx's loader in the new thread, then load the file.
    try {
      const pkg = createRequire(callerUrl).resolve('tsx/package.json');
      const exported = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports[
        './esm/api'
      ];
      const api = pathToFileURL(join(dirname(pkg), exported!.import.default)).href;
      const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(ts).href)}); })
  .catch((err) => require('node:worker_threads').parentPort.postMessage({ kind: 'error', message: String((err && err.stack) || err) }));`;
      script = { code, eval: true };
    } catch {
      // Sources without tsx: no worker.
    }
  }
  found.set(key, script);
  return script;
}
