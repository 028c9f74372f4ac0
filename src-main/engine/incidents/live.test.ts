import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentsPage } from '../../../src-shared/contract-incidents';
import Database from 'better-sqlite3';
import type { CaseInfo, CollectorStatus } from '../../../src-shared/dto';
import { TestEngine } from '../test-support';

let engines: TestEngine[] = [];
afterEach(async () => {
  for (const e of engines) await e.link.close();
  engines = [];
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A BSD syslog line as util-linux `logger --rfc3164` frames it, stamped `at`. */
function bsd(at: number, msg: string): string {
  const d = new Date(at);
  const p = (x: number) => String(x).padStart(2, '0');
  return `<38>${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} bastion sshd[4242]: ${msg}`;
}

async function sendUdp(port: number, lines: string[]): Promise<void> {
  const sock = createSocket('udp4');
  for (const l of lines) await new Promise<void>((r, j) => sock.send(l, port, '127.0.0.1', (err) => (err ? j(err) : r())));
  sock.close();
}

async function udpCollector(e: TestEngine): Promise<number> {
  const status = await e.call<CollectorStatus>('collector.start', { config: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } } });
  const address = status.listeners.find((l) => l.source === 'udp')!.address!;
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

async function waitForIncident(e: TestEngine, match: (page: IncidentsPage) => boolean, timeoutMs: number): Promise<IncidentsPage | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const page = await e.call<IncidentsPage>('incidents.list', {});
    if (match(page)) return page;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

describe('incidents while collecting', () => {
  it('a brute force over UDP is in the queue within 2 s of its last line, with no alert rule, and grows in place', async () => {
    const e = new TestEngine();
    engines.push(e);
    const info = await e.call<CaseInfo>('cases.create', { name: 'live incidents' });
    const port = await udpCollector(e);
    const now = Date.now();
    const tries = Array.from({ length: 12 }, (_, i) => bsd(now - (12 - i) * 1000, `Failed password for root from 198.51.100.23 port ${50000 + i} ssh2`));
    await sendUdp(port, tries);
    const sentAt = Date.now();
    const page = await waitForIncident(e, (p) => p.rows.some((r) => JSON.stringify(r).includes('198.51.100.23')), 5000);
    const latency = Date.now() - sentAt;
    if (process.env.VIGIL_PRINT_LATENCY) console.log(`incident in the queue ${latency} ms after the last line`);
    expect(page, 'no incident while collecting').not.toBeNull();
    expect(latency).toBeLessThan(2000);
    const first = page!.rows.find((r) => JSON.stringify(r).includes('198.51.100.23'))!;
    expect(first.category).toBe('auth_attack');
    expect(e.events.some((ev) => ev.name === 'incidents.changed')).toBe(true);
    // The collector is still running: nothing waited for it to stop.
    expect((await e.call<CollectorStatus>('collector.getStatus')).running).toBe(true);

    // More tries from the same address: the same incident, grown, not a second one.
    await sendUdp(port, Array.from({ length: 20 }, (_, i) => bsd(Date.now(), `Failed password for root from 198.51.100.23 port ${51000 + i} ssh2`)));
    const grown = await waitForIncident(e, (p) => (p.rows.find((r) => r.id === first.id)?.eventCount ?? 0) > first.eventCount, 5000);
    expect(grown, 'the incident did not grow while collecting').not.toBeNull();
    expect(grown!.rows.filter((r) => JSON.stringify(r).includes('198.51.100.23'))).toHaveLength(1);
    await e.call('collector.stop');
    // 32 tries of one address at one account: the brute-force correlation is one alert that grew
    // to all of them, not one per ten.
    const db = new Database(info.path, { readonly: true });
    try {
      const rows = db
        .prepare(`SELECT json_extract(details, '$.value') AS value FROM alerts WHERE detector = 'sigma' AND title = 'Brute Force Against One Account'`)
        .all() as { value: number }[];
      expect(rows).toEqual([{ value: 32 }]);
    } finally {
      db.close();
    }
  }, 30_000);
});
