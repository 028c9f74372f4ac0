/**
 * Campaigns in every export format (issue 20): a labelled campaign carries its members (address,
 * first and last seen, tries, outcome) in JSON, CSV, Timesketch, STIX (a Campaign object that
 * validates against the STIX 2.1 schema) and MISP; its members' own incidents carry the label too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type GraphSlice } from '../../../src-shared/contract-graph';
import type { IncidentDetail, IncidentRow } from '../../../src-shared/contract-incidents';
import type { ExportResult } from '../../../src-shared/contract-triage';
import { STIX_SCHEMAS as STIX_ROOT } from '../../../test/paths';
import { runScenario } from '../incidents/scenario-run';
import type { TestEngine } from '../test-support';

let engine: TestEngine;
let campaign: IncidentRow;
let detail: IncidentDetail;

beforeAll(async () => {
  const run = await runScenario(12, { days: 1, attacksPerPattern: 1 });
  engine = run.engine;
  campaign = run.incidents.find((r) => r.kind === 'campaign')!;
  expect(campaign, 'the background guessers of a day are a campaign').toBeDefined();
  detail = await engine.call<IncidentDetail>('incidents.get', { id: campaign.id, evidenceLimit: 0 });
  await engine.call('triage.label', { ids: [campaign.id], label: 'true', note: 'botnet', author: 'ana', tuning: 'none' });
}, 180_000);

afterAll(async () => {
  await engine?.link.close();
});

async function exportTo(format: string): Promise<{ r: ExportResult; text: string }> {
  const r = await engine.call<ExportResult>('triage.export', { format, label: 'true' });
  return { r, text: readFileSync(r.path, 'utf8') };
}

describe('campaigns in exports', () => {
  it('JSON: the campaign with its members', async () => {
    const { text } = await exportTo('json');
    const doc = JSON.parse(text) as {
      incidents: { id: string; kind: string; campaignId: string | null; members: { ip: string; tries: number; outcome: string }[] }[];
    };
    const c = doc.incidents.find((i) => i.id === campaign.id)!;
    expect(c.kind).toBe('campaign');
    expect(c.members.map((m) => m.ip).sort()).toEqual(detail.members.map((m) => m.ip).sort());
    expect(c.members.length).toBe(campaign.memberCount);
    expect(c.members.length).toBeGreaterThan(1);
  });

  it('CSV: one row per member with its address, times, tries and outcome', async () => {
    const { text } = await exportTo('csv');
    const lines = text.trimEnd().split('\n');
    const head = lines[0]!.split(',');
    expect(head).toEqual(
      expect.arrayContaining(['kind', 'campaign_id', 'member_ip', 'member_first', 'member_last', 'member_tries', 'member_outcome']),
    );
    const memberRows = lines.filter((l) => l.startsWith(campaign.id) && /,campaign,/.test(l) && /\d+\.\d+\.\d+\.\d+,\d{4}-/.test(l));
    expect(memberRows.length).toBe(detail.members.length);
  });

  it('Timesketch: a line per member at its first time', async () => {
    const { text } = await exportTo('timesketch');
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const members = lines.filter((l) => l['data_type'] === 'vigil:campaign_member' && l['campaign_id'] === campaign.id);
    expect(members.length).toBe(detail.members.length);
    expect(members[0]).toMatchObject({
      timestamp_desc: 'Campaign Member First Seen',
      src_ip: expect.any(String),
      tries: expect.any(Number),
    });
  });

  it('STIX 2.1: a Campaign object that validates, with the members as observables of the report', async () => {
    const { text } = await exportTo('stix');
    const bundle = JSON.parse(text) as { objects: { type: string; id: string; [k: string]: unknown }[] };
    const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, logger: false });
    addFormats(ajv);
    const load = (dir: string) => {
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        if (f.isDirectory()) load(join(dir, f.name));
        else if (f.name.endsWith('.json')) ajv.addSchema(JSON.parse(readFileSync(join(dir, f.name), 'utf8')) as object);
      }
    };
    load(join(STIX_ROOT, 'schemas'));
    const base = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas';
    const validateBundle = ajv.getSchema(`${base}/common/bundle.json`)!;
    expect(validateBundle(bundle), JSON.stringify(validateBundle.errors?.slice(0, 3))).toBe(true);
    const c = bundle.objects.find((o) => o.type === 'campaign')!;
    const v = ajv.getSchema(`${base}/sdos/campaign.json`)!;
    expect(v(c), JSON.stringify(v.errors?.slice(0, 3))).toBe(true);
    expect(c['x_vigil_members']).toHaveLength(detail.members.length);
    const report = bundle.objects.find((o) => o.type === 'report' && o['x_vigil_kind'] === 'campaign')!;
    const refs = new Set(report['object_refs'] as string[]);
    expect(refs.has(c.id)).toBe(true);
    const addresses = bundle.objects.filter((o) => o.type === 'ipv4-addr' && refs.has(o.id)).map((o) => o['value']);
    for (const m of detail.members) expect(addresses).toContain(m.ip);
  });

  it('MISP: an ip-src attribute per member, tagged with the campaign', async () => {
    const { text } = await exportTo('misp');
    const attrs = (
      JSON.parse(text) as { Event: { Attribute: { type: string; value: string; comment: string; Tag: { name: string }[] }[] } }
    ).Event.Attribute;
    const members = attrs.filter((a) => a.type === 'ip-src' && a.comment.startsWith(`member of campaign ${campaign.id}`));
    expect(members.map((a) => a.value).sort()).toEqual(detail.members.map((m) => m.ip).sort());
    expect(members[0]!.Tag.map((t) => t.name)).toContain(`vigil:campaign="${campaign.id}"`);
  });
});

describe('a campaign in the graph', () => {
  it('gives its member addresses as one group, with what they share', async () => {
    const g = await engine.call<GraphSlice & { group: number[]; title: string }>('graph.getGroup', { campaignId: campaign.id });
    expect(g.title).toBe(campaign.title);
    const nodes = rowsOf(g.nodes);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const groupValues = g.group.map((id) => byId.get(id)!.value).sort();
    expect(groupValues.length).toBeGreaterThan(1);
    for (const v of groupValues) expect(detail.members.map((m) => m.ip)).toContain(v);
    // The accounts the bots share are there too, linked to them.
    expect(nodes.some((n) => n.type === 'user')).toBe(true);
    expect(g.edges.src.length).toBeGreaterThan(0);
    await expect(engine.call('graph.getGroup', { campaignId: 'cmp_nope' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
