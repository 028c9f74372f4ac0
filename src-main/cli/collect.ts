/**
 * `vigil collect`: the live collector headless, into a case file. Prints each new or escalated
 * incident while it runs; Ctrl+C stops it cleanly (every stored line kept) and prints a summary.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import v8 from 'node:v8';
import type { IncidentsPage } from '../../src-shared/contract-incidents';
import type { CollectorStatus } from '../../src-shared/dto';
import { WorkerEngineLink } from '../engine/link';
import type { BuiltPaths } from '../host/paths';
import { commandArgs } from './args';
import { IncidentWatch, incidentJson, incidentLine } from './collect-watch';

const HELP = `Usage: vigil collect --case FILE [--udp HOST:PORT] [--tcp HOST:PORT]
                     [--tls HOST:PORT --tls-cert FILE --tls-key FILE] [--tail GLOB]...
                     [--otlp HOST:PORT] [--webhook HOST:PORT [--token SECRET]]
                     [--trust-days N] [--json]
  Run the live collector headless into a case (created if it does not exist). While it runs, each
  new or escalated incident is printed as one line as soon as it is found; Ctrl+C stops it, keeps
  every stored line and prints a summary. With no listener given: syslog on UDP and TCP 127.0.0.1:5514.
  --case FILE        the case file to collect into
  --udp, --tcp       syslog listeners (RFC 5424 and RFC 3164; TCP newline or octet-counted framing)
  --tls HOST:PORT    syslog over TLS, with --tls-cert and --tls-key (PEM files)
  --tail GLOB        follow files (repeatable)
  --otlp HOST:PORT   OTLP/HTTP logs receiver; --webhook HOST:PORT a JSON webhook (--token: bearer secret)
  --trust-days N     header times up to N days old are the events' times (default 7); older ones
                     take the receive time. A sender whose clock is off is detected and corrected.
  --json             incidents as JSON lines ({"at", "change": "new"|"escalated", "incident"})
  -h, --help         this help
`;

/** SQLite's page cache of a headless collector's case, in MiB. */
const COLLECT_PAGE_CACHE_MIB = 16;

export function hostPort(value: string, flag: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag} takes HOST:PORT (e.g. 127.0.0.1:5514 or [::1]:5514), got '${value}'`);
  return { host: m[1]!, port };
}

export async function runCollect(
  argv: string[],
  ctx: { paths: BuiltPaths; version: string },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const args = commandArgs({ name: 'vigil collect', help: HELP, out, err }, argv, {
    case: { type: 'string' },
    udp: { type: 'string' },
    tcp: { type: 'string' },
    tls: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    tail: { type: 'string', multiple: true },
    otlp: { type: 'string' },
    webhook: { type: 'string' },
    token: { type: 'string' },
    'trust-days': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (typeof args === 'number') return args;
  const { values, positionals, usage } = args;
  if (!values.case) return usage('--case FILE is required');
  if (positionals.length > 0) return usage(`unexpected argument '${positionals[0]}'`);
  const trustDays = values['trust-days'] === undefined ? undefined : Number(values['trust-days']);
  if (trustDays !== undefined && !(trustDays > 0)) return usage(`--trust-days takes a number of days, got '${values['trust-days']}'`);
  const anyListener = values.udp || values.tcp || values.tls || values.tail || values.otlp || values.webhook;
  const config: Record<string, unknown> = anyListener
    ? {
        udp: values.udp ? { enabled: true, ...hostPort(values.udp, '--udp') } : { enabled: false },
        tcp: values.tcp ? { enabled: true, ...hostPort(values.tcp, '--tcp') } : { enabled: false },
        tls: values.tls ? { enabled: true, ...hostPort(values.tls, '--tls'), certFile: values['tls-cert'], keyFile: values['tls-key'] } : { enabled: false },
        tail: values.tail ? { enabled: true, paths: values.tail.map((p) => resolve(p)) } : { enabled: false },
        otlp: values.otlp ? { enabled: true, ...hostPort(values.otlp, '--otlp') } : { enabled: false },
        webhook: values.webhook
          ? { enabled: true, ...hostPort(values.webhook, '--webhook'), ...(values.token ? { auth: { kind: 'bearer', token: values.token } } : {}) }
          : { enabled: false },
      }
    : {};
  if (trustDays !== undefined) config.time = { trustWindowDays: trustDays };

  // A headless collector runs for days on a laptop: have V8 keep its heaps small (it grows them
  // 3-4x past what is live under a steady allocation rate, which a flood is) rather than fast.
  // Set before the engine's threads start, whose heaps are sized when they are made.
  v8.setFlagsFromString('--optimize-for-size');
  const casePath = resolve(values.case);
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-collect-'));
  // Likewise a smaller SQLite page cache than the workbench's: the collector appends, and under a
  // flood a 64 MiB cache filled up and was a sixth of the process (16 MiB drains the queue as fast).
  const link = new WorkerEngineLink(ctx.paths.engineWorker, { dataDir, version: ctx.version, rulesDir: ctx.paths.rulesDir, pageCacheMiB: COLLECT_PAGE_CACHE_MIB });
  const opened = existsSync(casePath)
    ? await link.request('cases.open', { path: casePath })
    : await link.request('cases.create', { name: casePath.replace(/^.*[\\/]/, '').replace(/\.vigil$/, ''), path: casePath });
  if (!opened.ok) {
    await link.close();
    throw new Error(opened.error.message);
  }
  const started = await link.request('collector.start', { config });
  if (!started.ok) {
    await link.close();
    throw new Error(started.error.message);
  }
  const status = started.value as CollectorStatus;
  // Progress goes to stderr when stdout carries JSON lines.
  const say = values.json ? err : out;
  for (const l of status.listeners) say.write(`listening: ${l.source} ${l.address ?? ''}\n`);
  say.write(`collecting into ${casePath}; press Ctrl+C to stop\n`);

  // Each live rebuild of the incidents: print what is new or escalated, one list call at a time.
  const watch = new IncidentWatch();
  let listing: Promise<void> | null = null;
  let again = false;
  const print = async (): Promise<void> => {
    do {
      again = false;
      const page = await link.request('incidents.list', { limit: 10_000 });
      if (!page.ok) return;
      for (const { change, row } of watch.changes((page.value as IncidentsPage).rows)) out.write(values.json ? incidentJson(change, row) : incidentLine(change, row));
    } while (again);
  };
  const changed = () => {
    if (listing) {
      again = true;
      return;
    }
    listing = print()
      .catch(() => undefined)
      .finally(() => (listing = null));
  };
  // Incidents the case already holds are not news.
  const before = await link.request('incidents.list', { limit: 10_000 });
  if (before.ok) watch.changes((before.value as IncidentsPage).rows);
  const off = link.onEvent((name) => {
    if (name === 'incidents.changed') changed();
  });

  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  const stopped = await link.request('collector.stop', {});
  // Stopping finishes the live pass: its last incidents are printed too.
  await listing;
  await print().catch(() => undefined);
  off();
  await link.request('cases.close', {});
  await link.close();
  if (!stopped.ok) throw new Error(stopped.error.message);
  say.write(`\n${collectSummary(stopped.value as CollectorStatus)}`);
  return 0;
}

const MiB = 1024 * 1024;

/**
 * What the collector did, for the terminal: totals, then per listener what arrived, what was lost
 * and where (the queue, size, framing, the kernel's UDP buffer), and the connections the stream
 * listeners refused or cut to stay open to every sender.
 */
export function collectSummary(s: CollectorStatus): string {
  const out = [`stopped: ${s.received} received, ${s.stored} stored, ${s.dropped} dropped`];
  for (const l of s.listeners) {
    const d = l.drops;
    const drops = [`queue full ${d.queueFull}`, `oversize ${d.oversize}`, `malformed ${d.malformed}`];
    if (d.kernel !== null) drops.push(`kernel ${d.kernel} (receive buffer full)`);
    out.push(`  ${l.source.padEnd(8)} ${String(l.received).padStart(10)} received  drops: ${drops.join(', ')}`);
    if (l.receiveBuffer && l.receiveBuffer.granted < l.receiveBuffer.requested) {
      out.push(
        `           receive buffer ${(l.receiveBuffer.granted / MiB).toFixed(1)} MiB of ${(l.receiveBuffer.requested / MiB).toFixed(1)} MiB asked: the kernel caps it at net.core.rmem_max (raise it with sysctl to lose less in bursts)`,
      );
    }
    if (l.source === 'tcp' || l.source === 'tls') {
      const r = l.connectionsRefused;
      out.push(
        `           connections refused: ${r.perSender + r.full} (over the per-sender limit ${r.perSender}, listener full ${r.full}); closed: idle ${r.idle}, too slow ${r.slow}, evicted ${r.evicted}`,
      );
    }
  }
  for (const c of s.senderClocks) {
    if (c.skewMs) out.push(`clock of ${c.sender}: ${Math.round(c.skewMs / 1000)} s ${c.skewMs > 0 ? 'ahead' : 'behind'}; ${c.corrected} lines corrected by it`);
  }
  const received = s.senderClocks.reduce((n, c) => n + c.received, 0);
  if (received > 0) out.push(`${received} lines took their receive time (no header time, or one outside the trust window)`);
  if (s.topSenders.length) out.push(`top senders: ${s.topSenders.slice(0, 5).map((t) => `${t.sender} (${t.count})`).join(', ')}`);
  return `${out.join('\n')}\n`;
}
