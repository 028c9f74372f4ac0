/**
 * Exports of labelled incidents through the real engine: every format carries the labels, notes,
 * entities and evidence lines; STIX validates against the STIX 2.1 JSON schemas; Timesketch lines
 * carry message, datetime and timestamp_desc; a JSON export merges back (the newer label wins).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { ExportResult, MergeReport } from '../../../src-shared/contract-triage';
import { STIX_SCHEMAS as STIX_ROOT } from '../../../test/paths';
import { itShared } from '../../../test/shared-data';
import { runScenario } from '../incidents/scenario-run';
import type { TestEngine } from '../test-support';

const STIX_SCHEMAS = join(STIX_ROOT, 'schemas');

let engine: TestEngine;
let rows: IncidentRow[];
let trueOne: IncidentRow;
let benignOne: IncidentRow;

beforeAll(async () => {
  const run = await runScenario(12, { days: 1, attacksPerPattern: 1 });
  engine = run.engine;
  rows = run.incidents;
  const ip = rows.filter((r) => r.groupKey.startsWith('ip:'));
  trueOne = ip[0]!;
  benignOne = ip[1]!;
  await engine.call('triage.label', { ids: [trueOne.id], label: 'true', note: 'confirmed, "quoted", with, commas', author: 'ana' });
  await engine.call('triage.label', { ids: [benignOne.id], label: 'benign', note: 'scheduled scan', author: 'ben' });
}, 180_000);

afterAll(async () => {
  await engine?.link.close();
});

async function exportTo(format: string, label = 'any'): Promise<{ r: ExportResult; text: string }> {
  const r = await engine.call<ExportResult>('triage.export', { format, label });
  return { r, text: readFileSync(r.path, 'utf8') };
}

describe('export', () => {
  it('JSON: labelled incidents with label, note, who and when, entities, alerts and evidence events; only those asked for', async () => {
    const { r, text } = await exportTo('json');
    expect(r.path.startsWith(join(engine.dataDir, 'exports'))).toBe(true);
    expect(r.download).toBe(relative(join(engine.dataDir, 'exports'), r.path));
    expect(existsSync(`${r.path}.partial`)).toBe(false);
    const doc = JSON.parse(text) as {
      format: string;
      incidents: { id: string; label: string; note: string; labelledBy: string; labelledAt: string; entities: unknown[]; alerts: unknown[]; events: { raw: string; time: string }[] }[];
      counts: { incidents: number; events: number };
    };
    expect(doc.format).toBe('vigil.incidents');
    expect(doc.incidents.map((i) => i.id).sort()).toEqual([trueOne.id, benignOne.id].sort());
    const t = doc.incidents.find((i) => i.id === trueOne.id)!;
    expect(t).toMatchObject({ label: 'true', note: 'confirmed, "quoted", with, commas', labelledBy: 'ana' });
    expect(Date.parse(t.labelledAt)).toBeGreaterThan(Date.now() - 600_000);
    expect(t.entities.length).toBeGreaterThan(0);
    expect(t.alerts.length).toBeGreaterThan(0);
    expect(t.events.length).toBeGreaterThan(0);
    const actor = trueOne.groupKey.slice(3);
    expect(t.events.every((e) => e.raw.includes(actor))).toBe(true);
    expect(doc.counts).toEqual({ incidents: 2, events: r.events });
    expect(r.events).toBe(doc.incidents.reduce((n, i) => n + i.events.length, 0));

    const onlyBenign = JSON.parse((await exportTo('json', 'benign')).text) as { incidents: { id: string }[] };
    expect(onlyBenign.incidents.map((i) => i.id)).toEqual([benignOne.id]);
  });

  it('CSV: a header and one row per evidence event, notes quoted', async () => {
    const { r, text } = await exportTo('csv', 'true');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^incident_id,incident_title,label,note,/);
    expect(lines).toHaveLength(r.events + 1);
    expect(lines[1]).toContain('"confirmed, ""quoted"", with, commas"');
    expect(lines[1]!.startsWith(`${trueOne.id},`)).toBe(true);
  });

  it('Timesketch: JSON lines with message, datetime and timestamp_desc', async () => {
    const { r, text } = await exportTo('timesketch');
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // One line per evidence event, plus one per incident.
    expect(lines).toHaveLength(r.events + r.incidents);
    for (const l of lines) {
      expect(typeof l['message']).toBe('string');
      expect(l['datetime']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof l['timestamp_desc']).toBe('string');
      expect(l['timestamp']).toBe(Date.parse(l['datetime'] as string) * 1000);
    }
    const ev = lines.find((l) => l['incident_id'] === trueOne.id && l['timestamp_desc'] === 'Event Time')!;
    expect(ev).toMatchObject({ label: 'true', note: 'confirmed, "quoted", with, commas' });
  });

  itShared('STIX 2.1: a bundle that validates against the STIX 2.1 JSON schemas (bundle and each object), with report, analyst, indicator, observables and observed data', [STIX_SCHEMAS], async () => {
    const { r, text } = await exportTo('stix');
    const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, logger: false });
    addFormats(ajv);
    const load = (dir: string) => {
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        if (f.isDirectory()) load(join(dir, f.name));
        else if (f.name.endsWith('.json')) ajv.addSchema(JSON.parse(readFileSync(join(dir, f.name), 'utf8')) as object);
      }
    };
    load(STIX_SCHEMAS);
    const base = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas';
    const bundle = JSON.parse(text) as { type: string; objects: { type: string; id: string; [k: string]: unknown }[] };
    const validateBundle = ajv.getSchema(`${base}/common/bundle.json`)!;
    expect(validateBundle(bundle), JSON.stringify(validateBundle.errors?.slice(0, 3))).toBe(true);
    // Each object also against its own type's schema (the bundle accepts custom objects too).
    const dirOf: Record<string, string> = { relationship: 'sros', sighting: 'sros' };
    for (const o of bundle.objects) {
      const folder = dirOf[o.type] ?? (existsSync(join(STIX_SCHEMAS, 'sdos', `${o.type}.json`)) ? 'sdos' : 'observables');
      const v = ajv.getSchema(`${base}/${folder}/${o.type}.json`)!;
      expect(v, o.type).toBeDefined();
      expect(v(o), `${o.id}: ${JSON.stringify(v.errors?.slice(0, 3))}`).toBe(true);
    }
    const types = new Set(bundle.objects.map((o) => o.type));
    for (const t of ['identity', 'report', 'observed-data', 'artifact', 'ipv4-addr', 'indicator', 'sighting']) expect(types, t).toContain(t);
    const reports = bundle.objects.filter((o) => o.type === 'report');
    expect(reports).toHaveLength(r.incidents);
    expect(bundle.objects.filter((o) => o.type === 'observed-data')).toHaveLength(r.events);
    const ids = bundle.objects.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Every reference points into the bundle.
    const known = new Set(ids);
    for (const o of bundle.objects)
      for (const ref of [...((o['object_refs'] as string[]) ?? []), ...((o['observed_data_refs'] as string[]) ?? []), o['created_by_ref'] as string].filter(Boolean))
        expect(known.has(ref), `${o.id} -> ${ref}`).toBe(true);
    const report = reports.find((o) => (o['external_references'] as { external_id: string }[])[0]!.external_id === trueOne.id)!;
    expect(report).toMatchObject({ x_vigil_label: 'true', x_vigil_note: 'confirmed, "quoted", with, commas', labels: expect.arrayContaining(['true-positive']) });
    const analyst = bundle.objects.find((o) => o.id === report['created_by_ref'])!;
    expect(analyst).toMatchObject({ type: 'identity', name: 'ana', identity_class: 'individual' });
    const indicator = bundle.objects.find((o) => o.type === 'indicator')!;
    expect(indicator['pattern']).toBe(`[ipv4-addr:value = '${trueOne.groupKey.slice(3)}']`);
  });

  it('MISP: one event with an attribute per incident, entity and evidence line, tagged with the label', async () => {
    const { r, text } = await exportTo('misp');
    const doc = JSON.parse(text) as { Event: { info: string; Attribute: { type: string; category: string; value: string; to_ids: boolean; Tag?: { name: string }[] }[] } };
    expect(doc.Event.info).toContain('incidents');
    const attrs = doc.Event.Attribute;
    expect(attrs.filter((a) => a.type === 'text' && a.Tag?.some((t) => t.name.startsWith('vigil:incident=')))).toHaveLength(r.incidents);
    const actor = attrs.find((a) => a.type === 'ip-src' && a.value === trueOne.groupKey.slice(3))!;
    expect(actor.to_ids).toBe(true);
    expect(actor.Tag).toContainEqual({ name: 'vigil:label="true-incident"' });
    const benignActor = attrs.find((a) => a.type === 'ip-src' && a.value === benignOne.groupKey.slice(3))!;
    expect(benignActor.to_ids).toBe(false);
    expect(attrs.filter((a) => a.type === 'text' && !a.Tag)).toHaveLength(r.events);
  });

  it('puts a bare file name in the exports folder, where the browser host can offer it', async () => {
    const r = await engine.call<ExportResult>('triage.export', { format: 'csv', path: 'mine.csv' });
    expect(r.path).toBe(join(engine.dataDir, 'exports', 'mine.csv'));
    expect(r.download).toBe('mine.csv');
  });

  it('cancels a running export and keeps nothing of it', async () => {
    const target = join(engine.dataDir, 'cancelled.json');
    const running = engine.call('triage.export', { format: 'stix', path: target });
    const c = await engine.call<{ cancelled: number }>('triage.cancelExport', {});
    expect(c.cancelled).toBe(1);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.partial`)).toBe(false);
    expect(await engine.call<{ cancelled: number }>('triage.cancelExport', {})).toEqual({ cancelled: 0 });
  });

  it('refuses a folder as the target and leaves nothing half-written', async () => {
    await expect(engine.call('triage.export', { format: 'json', path: engine.dataDir })).rejects.toMatchObject({ code: 'io_error' });
    expect(existsSync(`${engine.dataDir}.partial`)).toBe(false);
  });

  it('merges labels from a JSON export: the newer label wins and the report says what changed', async () => {
    const { r } = await exportTo('json');
    // The other analyst's copy: our labels are undone here, so theirs apply.
    await engine.call('triage.undo');
    await engine.call('triage.undo');
    expect((await engine.call<IncidentsPage>('incidents.list', { label: 'none' })).total).toBe(rows.length);
    const m1 = await engine.call<MergeReport>('triage.importLabels', { path: r.path });
    expect(m1.applied.map((c) => c.id).sort()).toEqual([trueOne.id, benignOne.id].sort());
    expect(m1.applied.find((c) => c.id === trueOne.id)).toMatchObject({ local: null, incoming: 'true' });
    expect(m1.kept).toEqual([]);
    const after = (await engine.call<IncidentsPage>('incidents.list', { limit: 10_000 })).rows;
    expect(after.find((x) => x.id === trueOne.id)!.label).toBe('true');
    expect(after.find((x) => x.id === benignOne.id)!.label).toBe('benign');

    // We relabel later than the file: ours is newer and stays.
    await engine.call('triage.label', { ids: [trueOne.id], label: 'benign', note: 'was the red team' });
    const m2 = await engine.call<MergeReport>('triage.importLabels', { path: r.path });
    expect(m2.applied).toEqual([]);
    expect(m2.kept.map((c) => c.id)).toEqual([trueOne.id]);
    expect(m2.unchanged).toBe(1);

    // Their label made later than ours wins.
    const doc = JSON.parse(readFileSync(r.path, 'utf8')) as { incidents: { id: string; labelledAt: string }[] };
    doc.incidents.find((i) => i.id === trueOne.id)!.labelledAt = new Date(Date.now() + 60_000).toISOString();
    const newer = join(engine.dataDir, 'newer.json');
    writeFileSync(newer, JSON.stringify(doc));
    const m3 = await engine.call<MergeReport>('triage.importLabels', { path: newer });
    expect(m3.applied).toMatchObject([{ id: trueOne.id, local: 'benign', incoming: 'true' }]);
    expect((await engine.call<IncidentsPage>('incidents.list', { label: 'true' })).rows.map((x) => x.id)).toEqual([trueOne.id]);

    // Clearing is a change too: our clear, newer than their label, stays.
    await engine.call('triage.label', { ids: [benignOne.id], label: null });
    const m4 = await engine.call<MergeReport>('triage.importLabels', { path: r.path });
    expect(m4.kept.map((c) => [c.id, c.local, c.incoming])).toEqual([[benignOne.id, null, 'benign']]);
    expect((await engine.call<IncidentsPage>('incidents.list', { label: 'benign' })).total).toBe(0);

    const bad = join(engine.dataDir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    await expect(engine.call('triage.importLabels', { path: bad })).rejects.toMatchObject({ code: 'bad_format' });
    await expect(engine.call('triage.importLabels', { path: join(engine.dataDir, 'nope.json') })).rejects.toMatchObject({ code: 'io_error' });
  });
});
