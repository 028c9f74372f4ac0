/**
 * Experiment runs on a real case: a generated scenario's auth.log and access.log go through the
 * real parsers and detection pipeline, then runs are measured against the scenario's truth.json.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentComparison, ExperimentRecord, ExperimentSummary } from '../../../src-shared/contract-experiments';
import type { DetectionRun } from '../../../src-shared/dto';
import { ATTACK_PATTERNS } from '../detect/behaviour';
import { type WrittenScenario, writeScenario } from '../scenario/write';
import { TestEngine, tempDir } from '../test-support';

let engine: TestEngine;
let sc: WrittenScenario;

/**
 * Syslog lines carry no year: the parser takes it from the file's modification time, as with
 * real logs, whose mtime is their last line. A freshly written scenario would otherwise land in
 * the current year while its truth says 2024.
 */
function stampLikeRealLogs(w: WrittenScenario): void {
  const end = new Date(w.scenario.end);
  for (const f of [w.authLog, w.accessLog]) utimesSync(f, end, end);
}

function waitForDetections(e: TestEngine, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen} of ${count} detection passes finished`)), 120_000);
    const off = e.link.onEvent((name, payload) => {
      if (name !== 'detect.finished') return;
      expect((payload as DetectionRun).status).toBe('done');
      if (++seen === count) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

beforeAll(async () => {
  sc = writeScenario(join(tempDir(), 'scenario'), { seed: 7 });
  stampLikeRealLogs(sc);
  engine = new TestEngine();
  await engine.call('cases.create', { name: 'experiments' });
  const detected = waitForDetections(engine, 2);
  await engine.call('ingest.startImport', { paths: [sc.authLog, sc.accessLog] });
  await detected;
}, 180_000);

afterAll(async () => {
  await engine?.link.close();
});

describe('experiments on a generated scenario through the real pipeline', () => {
  let first: ExperimentRecord;

  it('finds every named pattern with precision and recall >= 0.9', async () => {
    first = await engine.call<ExperimentRecord>('experiments.runExperiment', { name: 'defaults', truthPath: sc.truthFile });
    const table = ATTACK_PATTERNS.map((p) => {
      const s = first.patterns[p]!;
      return `${p.padEnd(20)} P=${s.precision.toFixed(3)} R=${s.recall.toFixed(3)} (${s.tp} tp, ${s.fp} fp, ${s.fn} fn, ${s.truths} truths)`;
    });
    console.log(`patterns through the real pipeline, seed 7\n${table.join('\n')}`);
    for (const p of ATTACK_PATTERNS) {
      const s = first.patterns[p]!;
      expect(s.truths, p).toBeGreaterThan(0);
      expect(s.precision, p).toBeGreaterThanOrEqual(0.9);
      expect(s.recall, p).toBeGreaterThanOrEqual(0.9);
    }
    expect(first.warnings).toEqual([]);
    expect(first.labels).toMatchObject({ source: 'scenario', file: sc.truthFile, attacks: sc.scenario.truth.length, attacksInCase: sc.scenario.truth.length });
  });

  it('records model, feature set, parameters and Isolation Forest metrics per group kind', () => {
    expect(first.modelVersion).toMatch(/^iforest-behaviour\//);
    expect(first.featureSet).toMatch(/^behaviour-features\//);
    expect(first.params).toMatchObject({ trees: 100, sampleSize: 256, seed: 1, threshold: 'medium', transform: 'log1p', excludeFlagged: true });
    const s = first.kinds.session!;
    const w = first.kinds.ip_window!;
    console.log(`IF seed 7: sessions ROC-AUC ${s.rocAuc?.toFixed(3)} PR-AUC ${s.prAuc?.toFixed(3)} F1 ${s.f1.toFixed(3)}; IP windows ROC-AUC ${w.rocAuc?.toFixed(3)} PR-AUC ${w.prAuc?.toFixed(3)} F1 ${w.f1.toFixed(3)}`);
    for (const k of [s, w]) {
      expect(k.rows).toBeGreaterThan(100);
      expect(k.positives).toBeGreaterThan(0);
      expect(k.trainRows).toBeLessThanOrEqual(k.rows);
      expect(k.tp + k.fp + k.fn + k.tn).toBe(k.rows);
      expect(k.threshold).toBeGreaterThanOrEqual(0.6);
    }
    expect(s.rocAuc!).toBeGreaterThanOrEqual(0.85);
    expect(w.rocAuc!).toBeGreaterThanOrEqual(0.95);
  });

  it('lists, gets, compares and deletes runs', async () => {
    const second = await engine.call<ExperimentRecord>('experiments.runExperiment', {
      name: 'small forest',
      truthPath: sc.truthFile,
      params: { trees: 20, sampleSize: 64, seed: 3, threshold: 0.55 },
      notes: 'fewer trees',
    });
    expect(second.params).toMatchObject({ trees: 20, sampleSize: 64, seed: 3, threshold: 0.55 });
    expect(second.kinds.session!.threshold).toBe(0.55);
    expect(second.notes).toBe('fewer trees');

    const list = await engine.call<ExperimentSummary[]>('experiments.listRuns');
    expect(list.map((r) => r.name)).toEqual(['small forest', 'defaults']);
    expect(list[1]!.sessionRocAuc).toBeCloseTo(first.kinds.session!.rocAuc!, 10);
    expect(list[1]!.patternF1).toBeGreaterThanOrEqual(0.9);

    expect(await engine.call<ExperimentRecord>('experiments.getRun', { id: first.id })).toEqual(first);

    const cmp = await engine.call<ExperimentComparison>('experiments.compareRuns', { a: first.id, b: second.id });
    expect(cmp.comparable).toBe(true);
    expect(cmp.parameterChanges).toEqual(
      expect.arrayContaining([
        { name: 'trees', a: 100, b: 20 },
        { name: 'sampleSize', a: 256, b: 64 },
        { name: 'seed', a: 1, b: 3 },
        { name: 'threshold', a: 'medium', b: 0.55 },
      ]),
    );
    expect(cmp.parameterChanges).toHaveLength(4);
    const auc = cmp.rows.find((r) => r.section === 'session' && r.metric === 'rocAuc')!;
    expect(auc.a).toBeCloseTo(first.kinds.session!.rocAuc!, 10);
    expect(auc.b).toBeCloseTo(second.kinds.session!.rocAuc!, 10);
    expect(auc.delta).toBeCloseTo(auc.b! - auc.a!, 10);
    expect(auc.better).toBe(auc.a! > auc.b! ? 'a' : auc.b! > auc.a! ? 'b' : null);
    // Pattern alerts do not depend on the forest: the same on both sides, no winner.
    const bf = cmp.rows.find((r) => r.metric === 'brute_force recall')!;
    expect(bf).toMatchObject({ section: 'pattern', a: 1, b: 1, delta: 0, better: null });

    await engine.call('experiments.deleteRun', { id: second.id });
    expect((await engine.call<ExperimentSummary[]>('experiments.listRuns')).map((r) => r.id)).toEqual([first.id]);
    await expect(engine.call('experiments.getRun', { id: second.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(engine.call('experiments.deleteRun', { id: second.id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('gives the same numbers for the same parameters and seed', async () => {
    const again = await engine.call<ExperimentRecord>('experiments.runExperiment', { name: 'defaults again', truthPath: sc.truthFile });
    expect(again.kinds).toEqual(expect.objectContaining({ session: expect.objectContaining({ rocAuc: first.kinds.session!.rocAuc, f1: first.kinds.session!.f1 }) }));
    await engine.call('experiments.deleteRun', { id: again.id });
  });

  it('says so when the truth describes another period than the case', async () => {
    const shifted = JSON.parse(readFileSync(sc.truthFile, 'utf8')) as { attacks: { start: number; end: number }[] };
    const year = 365 * 86_400_000;
    for (const a of shifted.attacks) {
      a.start += year;
      a.end += year;
    }
    const path = join(sc.dir, 'shifted.json');
    writeFileSync(path, JSON.stringify(shifted));
    const run = await engine.call<ExperimentRecord>('experiments.runExperiment', { name: 'shifted', truthPath: path });
    expect(run.labels.attacksInCase).toBe(0);
    expect(run.warnings.join(' ')).toMatch(/time range/);
    expect(run.patterns.brute_force!.recall).toBe(0);
    await engine.call('experiments.deleteRun', { id: run.id });
  });

  it('rejects a missing or malformed truth file and bad parameters', async () => {
    await expect(engine.call('experiments.runExperiment', { name: 'x', truthPath: join(sc.dir, 'nope.json') })).rejects.toMatchObject({ code: 'io_error' });
    const bad = join(sc.dir, 'bad.json');
    writeFileSync(bad, '{"attacks": [{"pattern": "brute_force"}]}');
    await expect(engine.call('experiments.runExperiment', { name: 'x', truthPath: bad })).rejects.toMatchObject({ code: 'bad_format' });
    writeFileSync(bad, 'not json');
    await expect(engine.call('experiments.runExperiment', { name: 'x', truthPath: bad })).rejects.toMatchObject({ code: 'bad_format' });
    await expect(engine.call('experiments.runExperiment', { name: 'x', truthPath: sc.truthFile, params: { trees: 0 } })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engine.call('experiments.runExperiment', { name: '', truthPath: sc.truthFile })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('experiments without a case or with imports still running', () => {
  it('needs an open case', async () => {
    const e = new TestEngine();
    await expect(e.call('experiments.listRuns')).rejects.toMatchObject({ code: 'no_case_open' });
    await e.link.close();
  });

  it('waits for a queued import and its detection pass before measuring', async () => {
    const e = new TestEngine();
    try {
      await e.call('cases.create', { name: 'queued' });
      await e.call('ingest.startImport', { paths: [sc.authLog, sc.accessLog] });
      // No wait: the run queues behind both imports and their detection passes.
      const run = await e.call<ExperimentRecord>('experiments.runExperiment', { name: 'queued', truthPath: sc.truthFile });
      for (const p of ATTACK_PATTERNS) expect(run.patterns[p]!.recall, p).toBeGreaterThanOrEqual(0.9);
      expect(run.kinds.session!.rows).toBeGreaterThan(0);
    } finally {
      await e.link.close();
    }
  });
});
