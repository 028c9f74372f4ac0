/**
 * Triage without the workbench, end to end on a generated case: `vigil analyze` prints ids,
 * `vigil label` labels by a unique start of one (with the workbench's tuning and undo), and
 * `vigil export` writes what was labelled, or every incident with `--label all`. An export with
 * nothing in it says so the same way in every format.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../src-shared/contract-triage';
import { ROOT } from '../../test/paths';
import { writeScenario } from '../engine/scenario';
import { capture, tempDir } from '../engine/test-support';
import { runAnalyze } from './analyze';
import { runExport } from './export';
import { runLabel } from './label';

const ctx = { paths: { engineWorker: '', rendererDir: '', preload: '', appRoot: ROOT, rulesDir: join(ROOT, 'resources', 'sigma') }, version: 'test' };

async function cli(run: typeof runLabel, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await run(args, ctx, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

interface Printed {
  id: string;
  category: string;
  title: string;
}

let casePath: string;
let queue: Printed[];
let table: string;

beforeAll(async () => {
  const scenario = writeScenario(join(tempDir(), 'scenario'), { seed: 21, days: 1, attacksPerPattern: 1 });
  casePath = join(tempDir(), 'triage.vigil');
  const json = await cli(runAnalyze, [scenario.authLog, scenario.accessLog, '--json', '--case', casePath]);
  expect(json.code).toBe(0);
  queue = (JSON.parse(json.out) as { incidents: Printed[] }).incidents;
  // Analyzing the same files again adds nothing and prints the same queue, as a table.
  const again = await cli(runAnalyze, [scenario.authLog, scenario.accessLog, '--case', casePath]);
  expect(again.code).toBe(0);
  expect(again.err).toMatch(/skipped .*auth\.log: already in the case/);
  table = again.out;
}, 120_000);

describe('vigil analyze, label and export', () => {
  it('label the incidents the table names, by the id it prints', async () => {
    expect(queue.length).toBeGreaterThanOrEqual(3);
    const [attack, other] = [queue.find((i) => i.category === 'auth_attack')!, queue.find((i) => i.category !== 'auth_attack')!];
    const shortId = attack.id.slice(0, 12);
    expect(table).toContain(`\n${shortId}  `);

    const t = await cli(runLabel, [casePath, shortId, 'true', '--note', 'confirmed with the owner', '--author', 'ana']);
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/true/i);
    const b = await cli(runLabel, [casePath, other.id, 'benign', '--author', 'ana']);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/tuning: /);

    const labelled = await cli(runExport, [casePath, '--format', 'json', '--label', 'true']);
    expect(labelled.code).toBe(0);
    const doc = JSON.parse(labelled.out) as { incidents: { id: string; label: string; note: string; labelledBy: string }[] };
    expect(doc.incidents.map((i) => [i.id, i.label, i.note, i.labelledBy])).toEqual([[attack.id, 'true', 'confirmed with the owner', 'ana']]);

    // Every incident, labelled or not: the queue as analyze printed it.
    const all = await cli(runExport, [casePath, '--format', 'json', '--label', 'all', '--max-events', '0']);
    expect(all.code).toBe(0);
    const every = JSON.parse(all.out) as { incidents: { id: string; label: string | null }[] };
    expect(new Set(every.incidents.map((i) => i.id))).toEqual(new Set(queue.map((i) => i.id)));
    expect(every.incidents.filter((i) => i.label === null)).toHaveLength(queue.length - 2);

    // Undo takes the benign label (the latest action) back; clear takes the true one off.
    const undo = await cli(runLabel, [casePath, '--undo']);
    expect(undo.code).toBe(0);
    expect(undo.out).toMatch(/^Undid: /);
    expect((await cli(runLabel, [casePath, shortId, 'clear'])).code).toBe(0);
    const none = await cli(runExport, [casePath, '--format', 'csv']);
    expect(none.code).toBe(1);
  }, 120_000);

  it('nothing to export: the same message and exit status in every format, and no output', async () => {
    const seen = new Set<string>();
    for (const format of EXPORT_FORMATS) {
      const r = await cli(runExport, [casePath, '--format', format, '--label', 'benign']);
      expect(r.code, format).toBe(1);
      expect(r.out, format).toBe('');
      seen.add(r.err);
    }
    expect([...seen]).toEqual(['vigil export: Nothing to export: no incident of this case is labelled benign.\n']);
  }, 120_000);

  it('says what is wrong with an id or a label', async () => {
    const unknown = await cli(runLabel, [casePath, 'inc_zzzz', 'true']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no incident inc_zzzz in this case/);
    const ambiguous = await cli(runLabel, [casePath, 'inc_', 'true']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toMatch(/names \d+ incidents/);
    const word = await cli(runLabel, [casePath, queue[0]!.id, 'maybe']);
    expect(word.code).toBe(2);
    expect(word.err).toMatch(/must be true, benign or clear/);
  }, 60_000);
});
