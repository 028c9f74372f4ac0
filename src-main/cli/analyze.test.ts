import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../test/paths';
import { capture, tempDir } from '../engine/test-support';
import { runAnalyze } from './analyze';

const paths = { engineWorker: '', rendererDir: '', preload: '', appRoot: ROOT, rulesDir: join(ROOT, 'resources', 'sigma') };
const SAMPLE = join(ROOT, 'resources', 'samples', 'sample-case.tar.gz');

describe('vigil analyze', () => {
  it('prints the queue of the sample archive as JSON', async () => {
    const out = capture();
    expect(await runAnalyze([SAMPLE, '--json'], { paths, version: 'test' }, out.stream)).toBe(0);
    const body = JSON.parse(out.text()) as {
      incidents: {
        id: string;
        category: string;
        pattern: string;
        severity: string;
        priority: number;
        entities: unknown[];
        first: string;
        last: string;
        eventCount: number;
        summary: string;
        detectors: string[];
        kind: string;
        memberCount: number;
        members: { ip: string; tries: number; outcome: string }[];
      }[];
      detection: { runs: { status: string; stageMs?: Record<string, number> }[] };
    };
    // Each pass says where its time went, stage by stage.
    const pass = body.detection.runs.find((r) => r.status === 'done')!;
    expect(Object.keys(pass.stageMs ?? {})).toEqual(expect.arrayContaining(['behaviour', 'graph', 'incidents']));
    // Six attacks, and the internet's background guessing as one campaign carrying its members.
    expect(body.incidents).toHaveLength(7);
    const campaign = body.incidents.find((i) => i.kind === 'campaign')!;
    expect(campaign.members.length).toBe(campaign.memberCount);
    expect(campaign.memberCount).toBeGreaterThanOrEqual(20);
    expect(campaign.members[0]).toMatchObject({ ip: expect.any(String), tries: expect.any(Number) });
    const top = body.incidents[0]!;
    expect(top).toMatchObject({ category: 'auth_attack', pattern: 'credential_stuffing', severity: 'critical' });
    for (const k of ['id', 'priority', 'entities', 'first', 'last', 'eventCount', 'summary', 'detectors'] as const)
      expect(top[k]).toBeDefined();
  }, 60_000);

  it('prints a table and keeps the case with --case', async () => {
    const out = capture();
    const file = join(tempDir(), 'kept.vigil');
    expect(await runAnalyze([SAMPLE, '--case', file], { paths, version: 'test' }, out.stream)).toBe(0);
    expect(out.text()).toMatch(/^Read 2 files, [\d,]+ lines, in [\d.]+ s\.\n/);
    expect(out.text()).toMatch(/\nID\s+PRIO\s+SEVERITY\s+WHAT\s+FIRST \(UTC\)\s+SPAN\s+EVENTS\s+ACTOR\n/);
    expect(Math.max(...out.text().split('\n').map((l) => l.length))).toBeLessThanOrEqual(120);
    expect(out.text()).toContain('scanner');
    expect(out.text()).toContain('campaign of ');
    expect(out.text()).toMatch(/7 incidents, 1 of them campaign of \d+ addresses in all/);
    expect(existsSync(file)).toBe(true);
  }, 60_000);

  it('puts lines out of order by up to the lateness back in order; --lateness sets it for the case', async () => {
    // An access log as Apache writes it: every fifth request ends 30 s after the next one began.
    // Lines are put in order within each stored batch (10,000 lines) anyway: what the lateness
    // decides is whether a line written after its batch's successor was released still finds its place.
    const dir = tempDir();
    const lines: string[] = [];
    const t0 = Date.UTC(2026, 10, 2, 9, 0, 0);
    for (let i = 0; i < 25_000; i++) {
      const t = new Date(t0 + i * 1000 - (i % 5 === 4 ? 30_000 : 0));
      const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/Nov/2026:${t.toISOString().slice(11, 19)} +0000`;
      lines.push(`10.0.${i % 7}.${i % 200} - - [${stamp}] "GET /page/${i % 40} HTTP/1.1" 200 ${500 + i}`);
    }
    const log = join(dir, 'access.log');
    writeFileSync(log, lines.join('\n') + '\n');
    const late = async (args: string[]) => {
      const out = capture();
      expect(await runAnalyze([log, '--json', ...args], { paths, version: 'test' }, out.stream)).toBe(0);
      const body = JSON.parse(out.text()) as { detection: { runs: { late: number }[] } };
      return body.detection.runs.reduce((n, r) => n + r.late, 0);
    };
    expect(await late([])).toBe(0);
    expect(await late(['--lateness', '1m'])).toBe(0);
    const out = capture();
    expect(await runAnalyze([log, '--case', join(dir, 'c.vigil'), '--lateness', '0'], { paths, version: 'test' }, out.stream)).toBe(0);
    expect(out.text()).toMatch(/[1-9]\d* lines came later than the case's lateness/);
    const err = capture();
    expect(await runAnalyze([log, '--lateness', 'soon'], { paths, version: 'test' }, capture().stream, err.stream)).toBe(2);
    expect(err.text()).toContain('--lateness takes a time up to 24h');
  }, 120_000);

  it('refuses missing paths', async () => {
    expect(await runAnalyze(['/nonexistent/x.log'], { paths, version: 'test' })).toBe(2);
    expect(await runAnalyze([], { paths, version: 'test' })).toBe(2);
  });
});
