import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorStatus, EventsPage, ImportJob } from '../../src-shared/dto';
import { TestEngine, tempDir, writeLines } from './test-support';

let engines: TestEngine[] = [];
afterEach(async () => {
  for (const e of engines) await e.link.close();
  engines = [];
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Auth lines stamped a little before now, in BSD syslog (no year) and RFC 5424 forms. */
function lines(n: number): string[] {
  const base = Date.now() - 3_600_000;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = new Date(base + i * 1000);
    const p = (x: number) => String(x).padStart(2, '0');
    if (i % 3 === 0) {
      out.push(`<38>1 ${d.toISOString()} web-02 sshd 4${i} - - Failed password for root from 198.51.100.${i % 7} port 4${i} ssh2`);
    } else {
      out.push(`${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} web-01 sshd[${100 + i}]: Failed password for invalid user u${i % 5} from 203.0.113.${i % 9} port ${40000 + i} ssh2`);
    }
  }
  return out;
}

async function allEvents(e: TestEngine): Promise<EventsPage['rows']> {
  return (await e.call<EventsPage>('events.search', { limit: 1000 })).rows;
}

describe('live collection', () => {
  it('stores syslog received over TCP exactly as an import of the same lines (replay guarantee)', async () => {
    const sent = lines(60);
    const live = new TestEngine();
    engines.push(live);
    await live.call('cases.create', { name: 'live' });
    const status = await live.call<CollectorStatus>('collector.start', { config: { udp: { enabled: false }, tcp: { host: '127.0.0.1', port: 0 } } });
    expect(status.running).toBe(true);
    const address = status.listeners.find((l) => l.source === 'tcp')!.address!;
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    await new Promise<void>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => {
        // Octet-counted framing for half, newline framing would be a separate connection.
        sock.end(sent.map((l) => `${Buffer.byteLength(l)} ${l}`).join(''), () => resolve());
      });
      sock.on('error', reject);
    });
    for (let i = 0; i < 100; i++) {
      const s = await live.call<CollectorStatus>('collector.getStatus');
      if (s.stored >= sent.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const stopped = await live.call<CollectorStatus>('collector.stop');
    expect(stopped).toMatchObject({ running: false, stored: 60, dropped: 0 });

    const imported = new TestEngine();
    engines.push(imported);
    await imported.call('cases.create', { name: 'import' });
    const done = imported.next<ImportJob>('ingest.finished');
    await imported.call('ingest.startImport', { paths: [writeLines(tempDir(), 'auth.log', sent)] });
    expect((await done).lines).toBe(60);

    const a = await allEvents(live);
    const b = await allEvents(imported);
    const shape = (r: EventsPage['rows'][number]) => ({ ts: r.ts, host: r.host, app: r.app, srcIp: r.srcIp, user: r.user, outcome: r.outcome, raw: r.raw, templateId: r.templateId });
    expect(a.map(shape)).toEqual(b.map(shape));
  });

  it('refuses a bad configuration with every problem named, and keeps nothing running', async () => {
    const e = new TestEngine();
    engines.push(e);
    await e.call('cases.create', { name: 'bad' });
    const reply = await e.raw('collector.start', { config: { udp: { port: 70000 }, tcp: { host: 'not-an-ip' } } });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    if (!reply.ok) expect(reply.error.message).toMatch(/udp\.port.*tcp\.host|tcp\.host.*udp\.port/);
    expect((await e.call<CollectorStatus>('collector.getStatus')).running).toBe(false);
  });
});
