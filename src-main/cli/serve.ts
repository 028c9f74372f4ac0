/** `vigil serve`: the Node host. Runs until Ctrl+C, then closes the case cleanly. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WorkerEngineLink } from '../engine/link';
import { defaultDataDir } from '../host/data-dir';
import type { BuiltPaths } from '../host/paths';
import { startServer } from '../host/server/server';
import { commandArgs } from './args';

const HELP = `Usage: vigil serve [--port N] [--host ADDR] [--case FILE] [--data-dir DIR] [--max-upload SIZE] [--open]
  Run the browser workbench and the HTTP API (the same engine as the desktop app). It prints the
  workbench's address, with a random access token, and an API key; Ctrl+C stops it.
  --port N           port to listen on (default 0: a free one)
  --host ADDR        address to bind (default 127.0.0.1; anything else is reachable from the network)
  --case FILE        open (or create) this case file at start
  --data-dir DIR     where recent cases, uploads and exports are kept (default: VIGIL_DATA_DIR or the user's data folder)
  --max-upload SIZE  largest upload accepted from the browser, e.g. 4G or 500M
  --open             open the workbench in the default browser
  -h, --help         this help
`;

export async function runServe(
  argv: string[],
  ctx: { paths: BuiltPaths; version: string },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const args = commandArgs({ name: 'vigil serve', help: HELP, out, err }, argv, {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    case: { type: 'string' },
    'data-dir': { type: 'string' },
    open: { type: 'boolean', default: false },
    'max-upload': { type: 'string' },
  });
  if (typeof args === 'number') return args;
  const { values, positionals, usage } = args;
  if (positionals.length > 0) return usage(`unexpected argument '${positionals[0]}'`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  if (!existsSync(join(ctx.paths.rendererDir, 'index.html'))) {
    throw new Error(`the workbench is not built (${ctx.paths.rendererDir} is missing): run 'npm run build'`);
  }
  const maxUploadBytes = values['max-upload'] === undefined ? undefined : parseSize(values['max-upload'], '--max-upload');
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const link = new WorkerEngineLink(ctx.paths.engineWorker, { dataDir, version: ctx.version, rulesDir: ctx.paths.rulesDir });
  if (values.case) {
    const path = resolve(values.case);
    const reply = existsSync(path)
      ? await link.request('cases.open', { path })
      : await link.request('cases.create', { name: path.replace(/^.*[\\/]/, '').replace(/\.vigil$/, ''), path });
    if (!reply.ok) {
      await link.close();
      throw new Error(reply.error.message);
    }
  }
  const server = await startServer({ link, rendererDir: ctx.paths.rendererDir, inboxDir: join(dataDir, 'inbox'), exportsDir: join(dataDir, 'exports'), host: values.host, port, maxUploadBytes });
  if (values.host !== '127.0.0.1' && values.host !== '::1' && values.host !== 'localhost') {
    process.stderr.write(`warning: listening on ${values.host}, not loopback: anyone who can reach it and has the token can open cases.\n`);
  }
  process.stdout.write(`Vigil ${ctx.version} workbench: ${server.url}\nData: ${dataDir}\nPress Ctrl+C to stop.\n`);
  process.stdout.write(`API key: ${server.apiKey} (X-API-KEY for /health, /detect-sessions, /detect-incidents; /openapi.json)\n`);
  if (values.open) openInBrowser(server.url);

  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Stopping…\n');
  await server.close();
  await link.close();
  return 0;
}

/** Best effort: where no browser opener exists, the printed URL is the way in. */
export function openInBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => process.stdout.write(`(could not start a browser; open the URL above yourself)\n`));
    child.unref();
  } catch {
    process.stdout.write(`(could not start a browser; open the URL above yourself)\n`);
  }
}

/** `4G`, `500M`, `64k` or a number of bytes. */
export function parseSize(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  const units: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  const bytes = m ? Math.floor(Number(m[1]) * units[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1) throw new Error(`${flag} takes a size such as 4G, 500M or 1048576, got '${value}'`);
  return bytes;
}
