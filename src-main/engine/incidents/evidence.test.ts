/** An incident's evidence: a first page that samples its whole span, and paging through every line. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentDetail, IncidentEvidenceLine, IncidentEvidencePage, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { DetectionRun, ImportJob } from '../../../src-shared/dto';
import { tempDir, TestEngine, writeLines } from '../test-support';

const ACTOR = '198.51.100.77';
const GUESSES = 6500;
let engine: TestEngine;

/** Everyday logins, and an address guessing root's password every few seconds for six hours, then in. */
function authLog(): string[] {
  const lines: string[] = [];
  const at = (ms: number) => {
    const d = new Date(Date.UTC(2024, 4, 6, 2, 0) + ms);
    const p = (n: number) => String(n).padStart(2, '0');
    return `May  6 ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  };
  for (let i = 0; i < GUESSES; i++) {
    lines.push(`${at(i * 3300)} bastion sshd[${1000 + i}]: Failed password for root from ${ACTOR} port ${20000 + i} ssh2`);
    if (i % 10 === 0) lines.push(`${at(i * 3300 + 700)} bastion sshd[${9000 + i}]: Accepted publickey for deploy from 10.0.0.${1 + (i % 7)} port 5${i} ssh2`);
  }
  lines.push(`${at(GUESSES * 3300)} bastion sshd[99999]: Accepted password for root from ${ACTOR} port 40000 ssh2`);
  return lines;
}

beforeAll(async () => {
  engine = new TestEngine();
  await engine.call('cases.create', { name: 'evidence', path: `${tempDir()}/evidence.vigil` });
  const file = writeLines(tempDir(), 'auth.log', authLog());
  const detected = engine.next<DetectionRun>('detect.finished', () => true, 120_000);
  const imported = engine.next<ImportJob>('ingest.finished', () => true, 60_000);
  await engine.call('ingest.startImport', { paths: [file] });
  expect(await imported).toMatchObject({ status: 'done' });
  await detected;
}, 150_000);

afterAll(async () => {
  await engine?.link.close();
});

async function actorIncident(): Promise<IncidentDetail> {
  const queue = await engine.call<IncidentsPage>('incidents.list', { query: `ip:${ACTOR}`, sort: 'events' });
  expect(queue.rows.length).toBeGreaterThan(0);
  return engine.call<IncidentDetail>('incidents.get', { id: queue.rows[0]!.id, evidenceLimit: 200 });
}

describe('incident evidence', () => {
  it('opens on a sample of the whole span: the outcome, first and last lines, and lines spread between', async () => {
    const d = await actorIncident();
    // Every guess of the actor between its first and last alert is evidence, not only the cited ones.
    expect(d.evidenceTotal).toBeGreaterThan(5000);
    expect(d.evidence.length).toBeLessThanOrEqual(200);
    expect(d.evidence[0]).toMatchObject({ pinned: true, why: 'outcome' });
    expect(d.evidence[0]!.raw).toContain(`Accepted password for root from ${ACTOR}`);
    const rest = d.evidence.slice(1);
    expect(rest.map((l) => l.ts)).toEqual([...rest.map((l) => l.ts)].sort((a, b) => a! - b!));
    expect(rest[0]!.why).toBe('first');
    expect(rest.some((l) => l.why === 'last')).toBe(true);
    // Not the first seconds: the sample reaches across the hours the incident runs.
    const span = d.incident.lastTs! - d.incident.firstTs!;
    expect(rest.at(-1)!.ts! - rest[0]!.ts!).toBeGreaterThan(0.9 * span);
    const halves = rest.filter((l) => l.ts! > d.incident.firstTs! + span / 2).length;
    expect(halves).toBeGreaterThan(rest.length / 3);
  });

  it('pages through every line in event-time order to the last one', async () => {
    const d = await actorIncident();
    const seen: IncidentEvidenceLine[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await engine.call<IncidentEvidencePage>('incidents.getEvidence', { id: d.incident.id, offset, limit: 1000 });
      expect(page.total).toBe(d.evidenceTotal);
      seen.push(...page.rows);
      if (page.rows.length < 1000) break;
    }
    expect(seen).toHaveLength(d.evidenceTotal);
    expect(new Set(seen.map((l) => l.id)).size).toBe(seen.length);
    expect(seen.map((l) => l.ts)).toEqual([...seen.map((l) => l.ts)].sort((a, b) => a! - b!));
    expect(seen.filter((l) => l.raw.includes(`Failed password for root from ${ACTOR}`)).length).toBeGreaterThan(GUESSES * 0.9);
    expect(seen.at(-1)).toMatchObject({ pinned: true });
    expect(seen.at(-1)!.raw).toContain('Accepted password for root');
  });

  it('says when the incident is not there', async () => {
    await expect(engine.call('incidents.getEvidence', { id: 'inc_nope', offset: 0, limit: 10 })).rejects.toMatchObject({ code: 'not_found' });
  });
});
