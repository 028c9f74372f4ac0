import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryRow, SinkRow } from '../../../src-shared/contract-alerting';
import type { IncidentsPage } from '../../../src-shared/contract-incidents';
import type { CollectorStatus } from '../../../src-shared/dto';
import { TestEngine } from '../test-support';
import { HttpReceiver } from './test-receivers';

let engines: TestEngine[] = [];
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const e of engines) await e.link.close();
  for (const r of receivers.splice(0)) await r.close();
  engines = [];
});

/** A password-spraying wave from one address, stamped around now, as sshd sends it over syslog. */
function spray(n: number): string[] {
  const base = Date.now() - n * 1000;
  return Array.from({ length: n }, (_, i) => {
    const ts = new Date(base + i * 1000).toISOString();
    return `<38>1 ${ts} bastion-01 sshd ${2000 + i} - - Failed password for invalid user user${i % 40} from 203.0.113.77 port ${40000 + i} ssh2`;
  });
}

async function sendUdp(port: number, lines: string[]): Promise<void> {
  const sock = createSocket('udp4');
  for (const l of lines) await new Promise<void>((r, j) => sock.send(l, port, '127.0.0.1', (err) => (err ? j(err) : r())));
  sock.close();
}

describe('live alerts end to end', () => {
  it('syslog into the collector becomes an incident that reaches a local webhook while collecting', async () => {
    const http = new HttpReceiver();
    receivers.push(http);
    const base = await http.start();
    const e = new TestEngine();
    engines.push(e);
    await e.call('cases.create', { name: 'live alerts' });
    const sink = await e.call<SinkRow>('alerting.saveSink', {
      name: 'team hook',
      kind: 'webhook',
      secrets: { url: `${base}/vigil`, hmacKey: 'k' },
    });
    await e.call('alerting.saveRule', { name: 'attacks', categories: ['auth_attack'], minSeverity: 'medium', sinkIds: [sink.id] });

    const status = await e.call<CollectorStatus>('collector.start', {
      config: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
    });
    const address = status.listeners.find((l) => l.source === 'udp')!.address!;
    await sendUdp(Number(address.slice(address.lastIndexOf(':') + 1)), spray(300));

    const [req] = await http.waitFor(1, '/vigil', 40_000);
    // Delivered before the collector was stopped.
    expect((await e.call<CollectorStatus>('collector.getStatus')).running).toBe(true);
    const alert = JSON.parse(req!.body).alert;
    expect(alert).toMatchObject({ reason: 'new', category: 'auth_attack', caseName: 'live alerts' });
    expect(JSON.stringify(alert.entities)).toContain('203.0.113.77');
    const queue = await e.call<IncidentsPage>('incidents.list', {});
    expect(queue.rows.map((r) => r.id)).toContain(alert.incidentId);
    const history = await e.call<HistoryRow[]>('alerting.incidentHistory', { incidentId: alert.incidentId });
    expect(history.map((h) => h.event)).toContain('queued');
    await e.call('collector.stop');
  }, 60_000);
});
