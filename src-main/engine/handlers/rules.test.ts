import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportPackResult, RuleMatchesPage, RulePackRow, RuleRow, RulesChange, RulesPage } from '../../../src-shared/contract-rules';
import type { AlertRow, DetectionRun, ImportJob, Page } from '../../../src-shared/dto';
import { SHARED_DATA } from '../../../test/paths';
import { describeShared } from '../../../test/shared-data';
import { TestEngine, tempDir } from '../test-support';

let engine: TestEngine;
afterEach(async () => {
  await engine?.link.close();
});

const AUTH_LOG = join(SHARED_DATA, 'elastic', 'auth.log');
const BRUTE_FORCE = '72496425-0dde-47e7-832a-0379da885e5d';
const VALID_ID = '5f0c1a52-7d0e-4c55-9d2b-3f1d2b7a0c11';

const VALID_RULE = `title: Session Opened For Root In Test Pack
id: ${VALID_ID}
status: test
author: Test Author
level: low
tags:
    - attack.privilege-escalation
    - attack.t1548
logsource:
    product: linux
    service: auth
detection:
    keywords:
        - 'session opened for user root'
    condition: keywords
`;
const INVALID_RULE = `title: Broken Modifier
id: 0e7d4b36-7c9e-4bb5-9d0f-8e3a2b1c4d55
logsource:
    product: linux
detection:
    sel:
        Image|foobar: x
    condition: sel
`;

async function newCase(name: string): Promise<void> {
  engine = new TestEngine();
  await engine.call('cases.create', { name });
}

async function importAndDetect(path: string): Promise<DetectionRun> {
  const detected = engine.next<DetectionRun>('detect.finished', () => true, 120_000);
  const imported = engine.next<ImportJob>('ingest.finished', () => true, 120_000);
  await engine.call('ingest.startImport', { paths: [path] });
  expect((await imported).status).toBe('done');
  return detected;
}

function packDir(files: Record<string, string>): string {
  const dir = join(tempDir('vigil-pack-'), 'my-pack');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function packZip(files: Record<string, string | Buffer>): Promise<string> {
  const path = join(tempDir('vigil-zip-'), 'zipped_pack.zip');
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  return path;
}

describe('rules handlers without logs', () => {
  it('lists the bundled pack and its rules with ATT&CK ids, kinds and logsources', async () => {
    await newCase('bundled');
    const packs = await engine.call<RulePackRow[]>('rules.listPacks');
    expect(packs).toHaveLength(1);
    expect(packs[0]).toMatchObject({ id: null, bundled: true, name: 'vigil-bundled', errors: [] });
    expect(packs[0]!.rules).toBeGreaterThan(5);
    expect(packs[0]!.correlations).toBeGreaterThan(3);

    const page = await engine.call<RulesPage>('rules.listRules', { sort: 'title' });
    expect(page.total).toBe(packs[0]!.rules + packs[0]!.correlations + packs[0]!.filters);
    const brute = page.rows.find((r) => r.id === BRUTE_FORCE)!;
    expect(brute).toMatchObject({ kind: 'correlation', title: 'Brute Force Against One Account', author: 'Vigil', level: 'high', enabled: true, hits: 0, pack: 'vigil-bundled' });
    expect(brute.attack.techniques).toEqual(['T1110.001']);
    expect(brute.attack.tactics).toEqual([{ id: 'TA0006', name: 'Credential Access' }]);
    const base = page.rows.find((r) => r.kind === 'rule' && r.logsource?.product === 'linux');
    expect(base?.logsource).toMatchObject({ product: 'linux' });
    // Sorted by title.
    expect(page.rows.map((r) => r.title)).toEqual([...page.rows.map((r) => r.title)].sort((a, b) => a.localeCompare(b)));
  });

  it('filters rules by text, ATT&CK id, level, kind and enabled', async () => {
    await newCase('filters');
    const bySpray = await engine.call<RulesPage>('rules.listRules', { query: 'spraying' });
    expect(bySpray.rows.map((r) => r.title)).toContain('Password Spraying From One Source');
    const byTechnique = await engine.call<RulesPage>('rules.listRules', { query: 't1110.001' });
    expect(byTechnique.rows.some((r) => r.id === BRUTE_FORCE)).toBe(true);
    const critical = await engine.call<RulesPage>('rules.listRules', { level: 'critical' });
    expect(critical.rows.length).toBeGreaterThan(0);
    expect(critical.rows.every((r) => r.level === 'critical')).toBe(true);
    const correlations = await engine.call<RulesPage>('rules.listRules', { kind: 'correlation' });
    expect(correlations.rows.every((r) => r.kind === 'correlation')).toBe(true);
    expect((await engine.call<RulesPage>('rules.listRules', { enabled: false })).total).toBe(0);
    const paged = await engine.call<RulesPage>('rules.listRules', { offset: 2, limit: 3 });
    expect(paged).toMatchObject({ offset: 2 });
    expect(paged.rows).toHaveLength(3);
  });

  it('answers unknown rules, packs and paths with the contract error codes', async () => {
    await newCase('errors');
    await expect(engine.call('rules.setEnabled', { ruleId: 'nope', enabled: false })).rejects.toMatchObject({ code: 'not_found' });
    await expect(engine.call('rules.listMatches', { ruleId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(engine.call('rules.removePack', { packId: 99 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(engine.call('rules.importPack', { path: join(tempDir(), 'missing') })).rejects.toMatchObject({ code: 'not_found' });
    const txt = join(tempDir(), 'notes.txt');
    writeFileSync(txt, 'x');
    await expect(engine.call('rules.importPack', { path: txt })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engine.call('rules.importPack', { path: tempDir() })).rejects.toMatchObject({ code: 'invalid_input' });
    const badZip = join(tempDir(), 'bad.zip');
    writeFileSync(badZip, 'not a zip');
    await expect(engine.call('rules.importPack', { path: badZip })).rejects.toMatchObject({ code: 'bad_format' });
    await expect(engine.call('rules.importPack', { path: packDir({ 'a.yml': VALID_RULE }), name: 'vigil-bundled' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engine.call('rules.setEnabled', { ruleId: '', enabled: false })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('imports a folder with one valid and one invalid rule: one loads, one error says why', async () => {
    await newCase('folder pack');
    const changed = engine.next<RulesChange>('rules.changed');
    const dir = packDir({ 'linux/valid_rule.yml': VALID_RULE, 'linux/invalid_rule.yml': INVALID_RULE, 'README.md': '# not a rule' });
    const res = await engine.call<ImportPackResult>('rules.importPack', { path: dir });
    expect(await changed).toEqual({ reason: 'imported' });
    expect(res).toMatchObject({ loaded: 1, failed: 1, replaced: false, rerunScheduled: false });
    expect(res.pack).toMatchObject({ name: 'my-pack', bundled: false, origin: dir, files: 2, rules: 1 });
    expect(res.pack.id).toBeGreaterThan(0);
    const err = res.pack.errors[0]!;
    expect(err).toMatchObject({ pack: 'my-pack', file: 'linux/invalid_rule.yml', title: 'Broken Modifier' });
    expect(err.reasons[0]!.reason).toMatch(/foobar/);
    expect(err.reasons[0]!.level).toBe('error');

    const rules = await engine.call<RulesPage>('rules.listRules', { pack: 'my-pack' });
    expect(rules.rows).toHaveLength(1);
    expect(rules.rows[0]).toMatchObject({ id: VALID_ID, author: 'Test Author', level: 'low', file: 'linux/valid_rule.yml' });

    // The case carries its rules: reopening it loads the pack from the case file alone.
    const packs = await engine.call<RulePackRow[]>('rules.listPacks');
    expect(packs.map((p) => p.name)).toEqual(['vigil-bundled', 'my-pack']);
    const info = await engine.call<{ path: string }>('cases.getCurrent');
    await engine.call('cases.close');
    await engine.call('cases.open', { path: info.path });
    const reopened = await engine.call<RulesPage>('rules.listRules', { pack: 'my-pack' });
    expect(reopened.rows.map((r) => r.id)).toEqual([VALID_ID]);
    const reopenedPack = (await engine.call<RulePackRow[]>('rules.listPacks')).find((p) => p.name === 'my-pack')!;
    expect(reopenedPack.errors).toHaveLength(1);

    // Importing under the same name replaces the pack rather than duplicating its ids.
    const again = await engine.call<ImportPackResult>('rules.importPack', { path: dir });
    expect(again).toMatchObject({ replaced: true, loaded: 1, failed: 1 });

    const left = await engine.call<RulePackRow[]>('rules.removePack', { packId: again.pack.id });
    expect(left.map((p) => p.name)).toEqual(['vigil-bundled']);
    expect((await engine.call<RulesPage>('rules.listRules', { pack: 'my-pack' })).total).toBe(0);
  });

  it('imports a zip pack', async () => {
    await newCase('zip pack');
    const zip = await packZip({ 'rules/valid_rule.yml': VALID_RULE, 'rules/invalid_rule.yaml': INVALID_RULE, 'rules/latin1.yml': Buffer.from([0x74, 0x69, 0x74, 0x6c, 0x65, 0x3a, 0x20, 0xe9, 0xff, 0x0a]) });
    const res = await engine.call<ImportPackResult>('rules.importPack', { path: zip, name: 'From Zip' });
    expect(res.pack).toMatchObject({ name: 'From Zip', rules: 1 });
    expect(res.loaded).toBe(1);
    const files = res.pack.errors.map((e) => e.file).sort();
    expect(files).toEqual(['rules/invalid_rule.yaml', 'rules/latin1.yml']);
    expect(res.pack.errors.find((e) => e.file === 'rules/latin1.yml')!.reasons[0]!.reason).toMatch(/not valid UTF-8/);
    const rules = await engine.call<RulesPage>('rules.listRules', { pack: 'From Zip' });
    expect(rules.rows[0]!.id).toBe(VALID_ID);
  });
});

describeShared('rules handlers on the shared EC2 auth.log', [AUTH_LOG], () => {
  it('shows hits on the bundled auth correlations, their matches with title, author and lines; a disabled rule stops alerting', async () => {
    await newCase('elastic rules');
    const run = await importAndDetect(AUTH_LOG);
    expect(run.status).toBe('done');

    const byHits = await engine.call<RulesPage>('rules.listRules', { sort: 'hits' });
    const hits = byHits.rows.map((r) => r.hits);
    expect(hits).toEqual([...hits].sort((a, b) => b - a));
    const brute = byHits.rows.find((r) => r.id === BRUTE_FORCE)!;
    expect(brute.hits).toBeGreaterThan(0);
    const alerts = await engine.call<Page<AlertRow>>('alerts.list', { detector: 'sigma', kind: BRUTE_FORCE, limit: 1 });
    expect(brute.hits).toBe(alerts.total);
    const bundled = (await engine.call<RulePackRow[]>('rules.listPacks'))[0]!;
    expect(bundled.hits).toBeGreaterThanOrEqual(brute.hits);

    const matches = await engine.call<RuleMatchesPage>('rules.listMatches', { ruleId: BRUTE_FORCE, limit: 5, eventsPerMatch: 3 });
    expect(matches.rule).toEqual({ id: BRUTE_FORCE, title: 'Brute Force Against One Account', author: 'Vigil', loaded: true });
    expect(matches.total).toBe(brute.hits);
    expect(matches.rows.length).toBeGreaterThan(0);
    const m = matches.rows[0]!;
    expect(m).toMatchObject({ title: 'Brute Force Against One Account', author: 'Vigil', ruleId: BRUTE_FORCE });
    expect(m.correlation?.type).toBe('event_count');
    expect(m.correlation?.value).toBeGreaterThanOrEqual(10);
    expect(m.evidenceCount).toBeGreaterThanOrEqual(10);
    expect(m.events).toHaveLength(3);
    expect(m.events[0]!.raw).toMatch(/sshd.*(Failed|Invalid|authentication failure)/i);
    expect(m.events[0]!.source).toBe('auth.log');
    const next = await engine.call<RuleMatchesPage>('rules.listMatches', { ruleId: BRUTE_FORCE, offset: 1, limit: 1 });
    expect(next.rows[0]?.alertId).toBe(matches.rows[1]?.alertId);

    // Switch it off: persisted, applied, and the next full pass produces nothing for it.
    const off = await engine.call<RuleRow>('rules.setEnabled', { ruleId: BRUTE_FORCE, enabled: false });
    expect(off.enabled).toBe(false);
    expect((await engine.call<RulesPage>('rules.listRules', { enabled: false })).rows.map((r) => r.id)).toEqual([BRUTE_FORCE]);
    expect((await engine.call<RulePackRow[]>('rules.listPacks'))[0]!.disabled).toBe(1);
    const rerun = engine.next<DetectionRun>('detect.finished', (r) => r.scope === 'all', 120_000);
    await engine.call('detect.rerun');
    expect((await rerun).status).toBe('done');
    expect((await engine.call<Page<AlertRow>>('alerts.list', { detector: 'sigma', kind: BRUTE_FORCE })).total).toBe(0);
    const after = (await engine.call<RulesPage>('rules.listRules', { query: BRUTE_FORCE })).rows[0]!;
    expect(after).toMatchObject({ enabled: false, hits: 0 });
    // Other correlations still fire.
    expect((await engine.call<Page<AlertRow>>('alerts.list', { detector: 'sigma' })).total).toBeGreaterThan(0);

    // Back on, and it stays as chosen across a reopen.
    await engine.call('rules.setEnabled', { ruleId: BRUTE_FORCE, enabled: true });
    const info = await engine.call<{ path: string }>('cases.getCurrent');
    await engine.call('cases.close');
    await engine.call('cases.open', { path: info.path });
    expect((await engine.call<RulesPage>('rules.listRules', { enabled: false })).total).toBe(0);
  }, 120_000);

  it('re-runs detection after a pack import so the new rules get hits', async () => {
    await newCase('elastic pack');
    await importAndDetect(AUTH_LOG);
    const rerun = engine.next<DetectionRun>('detect.finished', (r) => r.scope === 'all', 120_000);
    const res = await engine.call<ImportPackResult>('rules.importPack', { path: packDir({ 'valid_rule.yml': VALID_RULE }) });
    expect(res.rerunScheduled).toBe(true);
    expect((await rerun).status).toBe('done');
    const rule = (await engine.call<RulesPage>('rules.listRules', { pack: 'my-pack' })).rows[0]!;
    expect(rule.hits).toBeGreaterThan(0);
    const matches = await engine.call<RuleMatchesPage>('rules.listMatches', { ruleId: VALID_ID, limit: 2 });
    expect(matches.rows[0]).toMatchObject({ title: 'Session Opened For Root In Test Pack', author: 'Test Author' });
    expect(matches.rows[0]!.events[0]!.raw).toContain('session opened for user root');
    // The bundled correlations kept firing in the same pass.
    expect((await engine.call<RulesPage>('rules.listRules', { query: BRUTE_FORCE })).rows[0]!.hits).toBeGreaterThan(0);
  }, 120_000);
});
