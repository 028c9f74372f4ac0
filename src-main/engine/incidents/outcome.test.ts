/** An incident's page leads with its outcome; its entities rank by what happened to them; risk is one figure. */
import { utimesSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphNode } from '../../../src-shared/contract-graph';
import type { IncidentDetail, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { DetectionRun, ImportJob } from '../../../src-shared/dto';
import { tempDir, TestEngine, writeLines } from '../test-support';

const ATTACKER = '203.0.113.9';
let engine: TestEngine;

/** Normal logins all day, then a guessing run from one address that ends in two accounts. */
function authLog(): string[] {
  const lines: string[] = [];
  const at = (min: number) => {
    const d = new Date(Date.UTC(2024, 2, 4, 8, 0) + min * 60_000);
    const hh = String(d.getUTCHours()).padStart(2, '0');
    const mm = String(d.getUTCMinutes()).padStart(2, '0');
    return `Mar  4 ${hh}:${mm}:${String(min % 60).padStart(2, '0')}`;
  };
  for (let i = 0; i < 60; i++) lines.push(`${at(i * 5)} bastion sshd[${100 + i}]: Accepted publickey for deploy from 10.0.0.${1 + (i % 5)} port 5${i} ssh2`);
  let pid = 500;
  for (let i = 0; i < 30; i++) {
    const min = 120 + Math.floor(i / 3);
    if (i % 5 === 0) {
      lines.push(`${at(min)} bastion sshd[${pid}]: Invalid user oracle from ${ATTACKER} port 4${i}`);
      lines.push(`${at(min)} bastion sshd[${pid++}]: Failed password for invalid user oracle from ${ATTACKER} port 4${i} ssh2`);
    } else {
      lines.push(`${at(min)} bastion sshd[${pid++}]: Failed password for ${i % 2 ? 'root' : 'deploy'} from ${ATTACKER} port 4${i} ssh2`);
    }
  }
  lines.push(`${at(131)} bastion sshd[${pid++}]: Accepted password for root from ${ATTACKER} port 4999 ssh2`);
  lines.push(`${at(133)} bastion sshd[${pid++}]: Accepted password for deploy from ${ATTACKER} port 5000 ssh2`);
  return lines.sort();
}

beforeAll(async () => {
  engine = new TestEngine();
  await engine.call('cases.create', { name: 'outcome', path: `${tempDir()}/outcome.vigil` });
  const file = writeLines(tempDir(), 'auth.log', authLog());
  const written = new Date(Date.UTC(2024, 2, 5));
  utimesSync(file, written, written);
  const detected = engine.next<DetectionRun>('detect.finished', () => true, 60_000);
  const imported = engine.next<ImportJob>('ingest.finished');
  await engine.call('ingest.startImport', { paths: [file] });
  expect(await imported).toMatchObject({ status: 'done' });
  await detected;
}, 90_000);

afterAll(async () => {
  await engine?.link.close();
});

describe('an incident that got in', () => {
  it('says who got in, from where and when, with those lines first in the evidence', async () => {
    const queue = await engine.call<IncidentsPage>('incidents.list', { query: `ip:${ATTACKER}` });
    expect(queue.rows.length).toBeGreaterThan(0);
    const d = await engine.call<IncidentDetail>('incidents.get', { id: queue.rows[0]!.id });
    expect(d.outcome.access.map((a) => [a.user, a.from])).toEqual([
      ['root', [ATTACKER]],
      ['deploy', [ATTACKER]],
    ]);
    expect(d.outcome.headline).toMatch(new RegExp(`^${ATTACKER.replace(/\./g, '\\.')} got into 2 accounts: root, deploy — first root at 2024-03-04 10:11 UTC`));
    expect(d.evidence.slice(0, 2).map((l) => [l.pinned, l.raw.match(/Accepted password for (\w+)/)?.[1]])).toEqual([
      [true, 'root'],
      [true, 'deploy'],
    ]);
    expect(d.evidence.slice(2).some((l) => l.pinned)).toBe(false);

    // The actor, then the accounts it got into; an account that does not exist comes after them.
    expect(d.entities[0]).toMatchObject({ type: 'ip', value: ATTACKER, role: 'actor' });
    expect(d.entities.slice(1, 3).map((e) => [e.value, e.standing])).toEqual(
      expect.arrayContaining([
        ['root', 'got_in'],
        ['deploy', 'got_in'],
      ]),
    );
    expect(d.entities.map((e) => [e.type, e.value, e.standing ?? null])).toEqual([
      ['ip', ATTACKER, null],
      ['user', 'root', 'got_in'],
      ['user', 'deploy', 'got_in'],
      ['host', 'bastion', null],
      ['user', 'oracle', 'no_such_account'],
    ]);
  });

  it('shows one risk figure for the address in the queue, the detail and the graph, coherent with priority', async () => {
    const row = (await engine.call<IncidentsPage>('incidents.list', { query: `ip:${ATTACKER}` })).rows[0]!;
    const d = await engine.call<IncidentDetail>('incidents.get', { id: row.id });
    const actor = d.entities.find((e) => e.role === 'actor')!;
    expect(row.risk).toBeGreaterThan(0);
    expect(actor.risk).toBe(row.risk);
    const [vertex] = await engine.call<GraphNode[]>('graph.findVertices', { query: ATTACKER, types: ['ip'], limit: 1 });
    expect(vertex!.risk).toBe(row.risk);
    // The riskiest incident is not shown as harmless: a high priority comes with risk.
    const all = (await engine.call<IncidentsPage>('incidents.list', {})).rows;
    const top = all[0]!;
    expect(top.risk).toBeGreaterThan(0);
  });
});
