/**
 * A real engine in a child process for the crash tests, which kill it with SIGKILL. It prints one
 * JSON object per line on stdout: what the engine pushed and what it answered.
 *
 *   node --import tsx test/faults/engine-child.ts import  DATA_DIR CASE LOG
 *   node --import tsx test/faults/engine-child.ts open    DATA_DIR CASE
 *   node --import tsx test/faults/engine-child.ts collect DATA_DIR CASE
 *   node --import tsx test/faults/engine-child.ts detect-damaged DATA_DIR CASE LOG
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessEngineLink } from '../../src-main/engine/link';
import { ROOT } from '../paths';

const [mode, dataDir, casePath, logPath] = process.argv.slice(2);
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

const link = new InProcessEngineLink({ dataDir: dataDir!, version: 'fault-child', rulesDir: join(ROOT, 'resources', 'sigma') });
link.onEvent((name, payload) => {
  if (name === 'ingest.progressed' || name === 'ingest.finished' || name === 'detect.finished') say({ event: name, payload });
});

async function call<T>(method: string, input: unknown = {}): Promise<T> {
  const reply = await link.request(method, input);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
  return reply.value as T;
}

async function main(): Promise<void> {
  if (existsSync(casePath!)) await call('cases.open', { path: casePath });
  else await call('cases.create', { name: 'fault', path: casePath });
  say({ ready: true, pid: process.pid });
  if (mode === 'import') {
    await call('ingest.startImport', { paths: [logPath], force: true });
  } else if (mode === 'collect') {
    const status = await call<{ listeners: { source: string; address: string | null }[] }>('collector.start', {
      config: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
    });
    say({ collecting: status.listeners.find((l) => l.source === 'udp')?.address });
    setInterval(() => {
      void call<{ received: number; stored: number; dropped: number }>('collector.getStatus').then((s) => say({ status: { received: s.received, stored: s.stored, dropped: s.dropped } }));
    }, 100);
  } else if (mode === 'detect-damaged') {
    // A full detection pass over a case damaged on disk, then an import: the pass may fail, the
    // engine and the import queued after it must not.
    say({ rerun: await link.request('detect.rerun', {}) });
    await new Promise((r) => setTimeout(r, 1000));
    say({ importing: await link.request('ingest.startImport', { paths: [logPath], force: true }) });
  }
  // `open` just waits: opening resumes an interrupted import on its own.
}

main().catch((err: unknown) => {
  say({ error: (err as Error).message });
  process.exit(3);
});
