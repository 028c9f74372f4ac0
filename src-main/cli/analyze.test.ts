import { existsSync } from 'node:fs';
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
    };
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

  it('refuses missing paths', async () => {
    expect(await runAnalyze(['/nonexistent/x.log'], { paths, version: 'test' })).toBe(2);
    expect(await runAnalyze([], { paths, version: 'test' })).toBe(2);
  });
});
