/**
 * The triage loop through the real engine on a generated case: labels with notes, bulk labels,
 * history and undo; a benign label tunes detection so a re-run takes the incident out of the
 * queue and says why; removing the tuning brings it back; true labels become ground truth.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import type {
  ExportResult,
  GroundTruthResult,
  IncidentTriage,
  LabelHistoryRow,
  LabelResult,
  SuppressedIncident,
  TuningRow,
  UndoResult,
} from '../../../src-shared/contract-triage';
import { runScenario, type ScenarioRun } from '../incidents/scenario-run';
import type { TestEngine } from '../test-support';

let run: ScenarioRun;
let engine: TestEngine;

async function queue(): Promise<IncidentRow[]> {
  return (await engine.call<IncidentsPage>('incidents.list', { limit: 10_000 })).rows;
}

async function rerun(): Promise<void> {
  const done = engine.next<{ scope: string }>('detect.finished', (r) => r.scope === 'all', 120_000);
  await engine.call('detect.rerun');
  await done;
}

beforeAll(async () => {
  run = await runScenario(11, { days: 1, attacksPerPattern: 1 });
  engine = run.engine;
}, 180_000);

afterAll(async () => {
  await engine?.link.close();
});

describe('triage', () => {
  it('labels with a note, keeps a history with time and author, and undoes', async () => {
    const [a] = await queue();
    expect(a).toBeDefined();
    const r = await engine.call<LabelResult>('triage.label', { ids: [a!.id], label: 'true', note: 'confirmed with the owner', author: 'ana' });
    expect(r.rows[0]).toMatchObject({ id: a!.id, label: 'true' });
    expect(r.action.summary).toContain('true incident');
    const detail = await engine.call<{ note: string | null }>('incidents.get', { id: a!.id });
    expect(detail.note).toBe('confirmed with the owner');

    const hist = await engine.call<LabelHistoryRow[]>('triage.history', { incidentId: a!.id });
    expect(hist[0]).toMatchObject({ before: null, after: 'true', author: 'ana', note: 'confirmed with the owner', undone: false });
    expect(Math.abs(hist[0]!.at - Date.now())).toBeLessThan(60_000);

    const u = await engine.call<UndoResult>('triage.undo');
    expect(u.incidents).toBe(1);
    expect((await queue()).find((x) => x.id === a!.id)!.label).toBeNull();
    expect((await engine.call<LabelHistoryRow[]>('triage.history', { incidentId: a!.id }))[0]!.undone).toBe(true);
    // Nothing else stands: a second undo says so.
    await expect(engine.call('triage.undo')).rejects.toThrow(/Nothing to undo/);
  });

  it('labels many incidents in one action, undone together', async () => {
    const rows = await queue();
    const ids = rows.slice(0, 3).map((r) => r.id);
    const r = await engine.call<LabelResult>('triage.label', { ids: [...ids, 'inc_missing'], label: 'true' });
    expect(r.rows).toHaveLength(3);
    expect(r.missing).toEqual(['inc_missing']);
    expect((await engine.call<IncidentsPage>('incidents.list', { label: 'true' })).total).toBe(3);
    await engine.call('triage.undo', { actionId: r.action.id });
    expect((await engine.call<IncidentsPage>('incidents.list', { label: 'true' })).total).toBe(0);
    await expect(engine.call('triage.label', { ids: ['inc_missing'], label: 'true' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a benign label tunes detection: after a re-run the incident is out of the queue, suppressed with the reason; removing the tuning brings it back', async () => {
    const rows = await queue();
    const target = rows.find((r) => r.groupKey.startsWith('ip:'))!;
    expect(target).toBeDefined();
    const others = rows.filter((r) => r.id !== target.id).map((r) => r.id).sort();
    const r = await engine.call<LabelResult>('triage.label', { ids: [target.id], label: 'benign', note: 'our pentest', author: 'ana' });
    expect(r.tunings.length).toBeGreaterThan(0);
    for (const t of r.tunings) {
      expect(t.subject).toBe(target.groupKey);
      expect(t.reason).toContain(target.id);
      expect(t.reason).toContain('ana');
      if (t.mode === 'threshold') expect(t.threshold).not.toBeNull();
    }
    const listed = await engine.call<TuningRow[]>('triage.listTuning', {});
    expect(listed.map((t) => t.id).sort()).toEqual(r.tunings.map((t) => t.id).sort());

    await rerun();
    const after = await queue();
    expect(after.map((x) => x.id)).not.toContain(target.id);
    // Every other incident is still there.
    for (const id of others) expect(after.map((x) => x.id)).toContain(id);
    const suppressed = await engine.call<SuppressedIncident[]>('triage.listSuppressed', {});
    const s = suppressed.find((x) => x.id === target.id)!;
    expect(s).toMatchObject({ title: target.title, label: 'benign' });
    expect(s.reasons.length).toBeGreaterThan(0);
    expect(s.reasons[0]!.text).toContain(target.groupKey);
    const tuned = await engine.call<TuningRow[]>('triage.listTuning', {});
    expect(tuned.reduce((n, t) => n + t.heldAlerts, 0)).toBeGreaterThan(0);
    expect(tuned.some((t) => t.suppressedIncidents === 1)).toBe(true);
    // Out of the queue, still labelled: an export of benign incidents carries it with its evidence.
    const exp = await engine.call<ExportResult>('triage.export', { format: 'json', label: 'benign' });
    const doc = JSON.parse(readFileSync(exp.path, 'utf8')) as {
      incidents: { id: string; suppressed: boolean; note: string; summary: string; entities: unknown[]; alerts: unknown[]; events: { raw: string }[] }[];
    };
    const out = doc.incidents.find((i) => i.id === target.id)!;
    expect(out).toMatchObject({ suppressed: true, note: 'our pentest' });
    expect(out.summary.length).toBeGreaterThan(10);
    expect(out.entities.length).toBeGreaterThan(0);
    expect(out.alerts.length).toBeGreaterThan(0);
    expect(out.events.length).toBeGreaterThan(0);
    expect(out.events.every((e) => e.raw.includes(target.groupKey.slice(3)))).toBe(true);
    const info = await engine.call<IncidentTriage>('triage.getIncident', { id: target.id });
    expect(info.suppressed?.id).toBe(target.id);
    expect(info.history[0]).toMatchObject({ after: 'benign', note: 'our pentest' });

    // Remove every tuning of it: the next re-run brings the incident back, still labelled benign.
    for (const t of tuned) await engine.call('triage.removeTuning', { id: t.id });
    expect(await engine.call<TuningRow[]>('triage.listTuning', {})).toEqual([]);
    await rerun();
    const back = (await queue()).find((x) => x.id === target.id);
    expect(back).toMatchObject({ label: 'benign' });
    expect(await engine.call<SuppressedIncident[]>('triage.listSuppressed', {})).toEqual([]);

    // Undoing the removal brings the last tuning back.
    const u = await engine.call<UndoResult>('triage.undo');
    expect(u.tunings).toBe(1);
    expect(await engine.call<TuningRow[]>('triage.listTuning', {})).toHaveLength(1);
    // Relabelling true removes what the benign label added.
    await engine.call('triage.label', { ids: [target.id], label: 'true' });
    expect(await engine.call<TuningRow[]>('triage.listTuning', {})).toEqual([]);
  }, 300_000);

  it('writes true labels as ground truth that experiments read', async () => {
    const rows = await queue();
    const attack = rows.filter((r) => r.groupKey.startsWith('ip:') && r.label !== 'true' && r.category === 'auth_attack');
    await engine.call('triage.label', { ids: attack.map((r) => r.id), label: 'true' });
    const path = join(engine.dataDir, 'truth.json');
    const g = await engine.call<GroundTruthResult>('triage.writeGroundTruth', { path });
    expect(g.attacks).toBeGreaterThan(0);
    const truth = JSON.parse(readFileSync(path, 'utf8')) as { attacks: { key: string; pattern: string }[] };
    expect(truth.attacks.map((a) => a.key)).toEqual(expect.arrayContaining(attack.map((r) => r.groupKey.slice(3))));
    const exp = await engine.call<{ labels: { attacks: number } }>('experiments.runExperiment', { name: 'from labels', truthPath: path });
    expect(exp.labels.attacks).toBe(g.attacks);
  }, 120_000);
});
