import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IncidentsPage } from '../../src-shared/contract-incidents';
import { ROOT } from '../../test/paths';
import { capture, tempDir, TestEngine } from '../engine/test-support';
import { runAnalyze } from './analyze';
import { runExport } from './export';

const paths = { engineWorker: '', rendererDir: '', preload: '', appRoot: ROOT, rulesDir: join(ROOT, 'resources', 'sigma') };
const SAMPLE = join(ROOT, 'resources', 'samples', 'sample-case.tar.gz');

let casePath: string;
let labelled: { id: string; label: string }[];

beforeAll(async () => {
  casePath = join(tempDir(), 'sample.vigil');
  expect(await runAnalyze([SAMPLE, '--case', casePath], { paths, version: 'test' }, capture().stream)).toBe(0);
  const engine = new TestEngine();
  try {
    await engine.call('cases.open', { path: casePath });
    const rows = (await engine.call<IncidentsPage>('incidents.list', {})).rows;
    labelled = [
      { id: rows[0]!.id, label: 'true' },
      { id: rows[1]!.id, label: 'benign' },
    ];
    for (const l of labelled) await engine.call('triage.label', { ids: [l.id], label: l.label, note: `cli ${l.label}` });
  } finally {
    await engine.link.close();
  }
}, 90_000);

describe('vigil export', () => {
  it('writes JSON to standard output, only the label asked for', async () => {
    const out = capture();
    const err = capture();
    expect(await runExport([casePath, '--format', 'json', '--label', 'true'], { paths, version: 'test' }, out.stream, err.stream)).toBe(0);
    const doc = JSON.parse(out.text()) as { incidents: { id: string; label: string; note: string; events: unknown[] }[] };
    expect(doc.incidents.map((i) => [i.id, i.label, i.note])).toEqual([[labelled[0]!.id, 'true', 'cli true']]);
    expect(doc.incidents[0]!.events.length).toBeGreaterThan(0);
  }, 60_000);

  it('writes Timesketch lines to --out and says what it wrote', async () => {
    const file = join(tempDir(), 'out', 'sample.jsonl');
    const err = capture();
    expect(await runExport([casePath, '-f', 'timesketch', '--out', file], { paths, version: 'test' }, capture().stream, err.stream)).toBe(0);
    expect(err.text()).toMatch(/^Exported 2 incidents and \d+ evidence events to .*sample\.jsonl/);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    for (const l of lines) expect(Object.keys(JSON.parse(l) as object)).toEqual(expect.arrayContaining(['message', 'datetime', 'timestamp_desc']));
    expect(lines.some((l) => l.includes('"label":"benign"'))).toBe(true);
  }, 60_000);

  it('refuses bad arguments with the usage', async () => {
    const err = capture();
    expect(await runExport([casePath, '--format', 'xml'], { paths, version: 'test' }, capture().stream, err.stream)).toBe(2);
    expect(err.text()).toContain('--format must be one of json, csv, timesketch, stix, misp');
    expect(await runExport([join(tempDir(), 'none.vigil'), '--format', 'csv'], { paths, version: 'test' }, capture().stream, err.stream)).toBe(2);
    expect(err.text()).toContain('no case at');
    expect(existsSync(casePath)).toBe(true);
  });
});
