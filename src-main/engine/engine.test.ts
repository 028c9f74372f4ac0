import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseInfo, EntityRow, EventsPage, ImportJob, Page, RecentCase, StartImportResult, TemplateRow } from '../../src-shared/dto';
import { TestEngine, tempDir, writeLines } from './test-support';

let engine: TestEngine;
afterEach(async () => {
  await engine?.link.close();
});

describe('engine', () => {
  it('needs an open case for case work, and says so', async () => {
    engine = new TestEngine();
    const reply = await engine.raw('events.search', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'no_case_open' } });
  });

  it('creates a case in the cases folder, lists it as recent, and reopens it', async () => {
    engine = new TestEngine();
    const info = await engine.call<CaseInfo>('cases.create', { name: 'web/01: incident' });
    expect(info.path).toBe(join(engine.dataDir, 'cases', 'web-01- incident.vigil'));
    expect(existsSync(info.path)).toBe(true);
    await engine.call('cases.close');
    expect(await engine.call('cases.getCurrent')).toBeNull();
    const recent = await engine.call<RecentCase[]>('cases.listRecent');
    expect(recent[0]).toMatchObject({ path: info.path, name: 'web/01: incident', exists: true });
    const again = await engine.call<CaseInfo>('cases.open', { path: info.path });
    expect(again.name).toBe('web/01: incident');
  });

  it('imports a file line by line, reports progress, and finds a line by search', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'import' });
    const lines = Array.from({ length: 30_000 }, (_, i) => `Nov 22 10:00:${String(i % 60).padStart(2, '0')} web sshd[${i}]: Failed password for user${i} from 10.1.${i % 256}.${i % 200} port 22`);
    lines[12_345] = 'Nov 22 10:00:00 web sshd[1]: Accepted publickey for needle-user from 192.0.2.77 port 50022 ssh2';
    const file = writeLines(tempDir(), 'auth.log', lines, '\r\n');
    const finished = engine.next<ImportJob>('ingest.finished');
    const {
      jobs: [job],
    } = await engine.call<StartImportResult>('ingest.startImport', { paths: [file] });
    expect(job).toMatchObject({ status: 'running', name: 'auth.log' });
    const done = await finished;
    expect(done).toMatchObject({ status: 'done', lines: 30_000, bytesRead: done.bytesTotal });
    expect(engine.events.some((e) => e.name === 'ingest.progressed')).toBe(true);

    const page = await engine.call<EventsPage>('events.search', { query: '"needle-user" 192.0.2.77' });
    expect(page.total).toBe(1);
    expect(page.rows[0]).toMatchObject({ lineNo: 12_346, source: 'auth.log' });
    expect(page.rows[0]!.raw).toContain('Accepted publickey for needle-user');
    expect(page.rows[0]!.raw.endsWith('\r')).toBe(false);

    const all = await engine.call<EventsPage>('events.search', { offset: 29_990, limit: 100 });
    expect(all.total).toBe(30_000);
    expect(all.rows.length).toBe(10);
    const info = await engine.call<CaseInfo>('cases.getCurrent');
    expect(info.eventCount).toBe(30_000);
  });

  it('refuses a missing file before starting anything', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'missing' });
    const reply = await engine.raw('ingest.startImport', { paths: ['/nonexistent/auth.log'] });
    expect(reply).toMatchObject({ ok: false, error: { code: 'io_error' } });
    expect(await engine.call<ImportJob[]>('ingest.listImports')).toEqual([]);
  });

  it('cancels a running import and keeps what was committed', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'cancel' });
    const file = writeLines(tempDir(), 'big.log', Array.from({ length: 400_000 }, (_, i) => `line ${i} of a rather long log file to import`));
    const firstProgress = engine.next('ingest.progressed');
    const finished = engine.next<ImportJob>('ingest.finished');
    const {
      jobs: [job],
    } = await engine.call<StartImportResult>('ingest.startImport', { paths: [file] });
    await firstProgress;
    await engine.call('ingest.cancelImport', { importId: job!.id });
    const done = await finished;
    expect(done.status).toBe('cancelled');
    const page = await engine.call<EventsPage>('events.search', {});
    expect(page.total).toBe(done.lines);
    expect(page.total).toBeLessThan(400_000);
  });

  it('validates input at the boundary', async () => {
    engine = new TestEngine();
    expect(await engine.raw('cases.create', { name: '' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await engine.raw('cases.open', { path: 'a\0b' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await engine.raw('cases.open', { path: '/x', extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await engine.raw('events.search', { limit: 10_000_000 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await engine.raw('no.suchMethod', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await engine.raw('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });

  it('recognises the same content imported again, and imports it when forced', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'dupes' });
    const dir = tempDir();
    const a = writeLines(dir, 'a.log', ['alpha one', 'alpha two']);
    const copy = writeLines(tempDir(), 'copy-of-a.log', ['alpha one', 'alpha two']);
    const done = engine.next<ImportJob>('ingest.finished');
    await engine.call('ingest.startImport', { paths: [a] });
    await done;
    const again = await engine.call<StartImportResult>('ingest.startImport', { paths: [copy] });
    expect(again.jobs).toEqual([]);
    expect(again.duplicates[0]).toMatchObject({ path: copy, of: { name: 'a.log', status: 'done' } });
    const forced = await engine.call<StartImportResult>('ingest.startImport', { paths: [copy], force: true });
    expect(forced.jobs).toHaveLength(1);
  });

  it('normalizes auth lines: fields, templates with stable ids, entities linked to their events', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'normalized' });
    const file = writeLines(tempDir(), 'auth.log', [
      'Nov 21 10:00:01 web-01 sshd[100]: Failed password for root from 198.51.100.7 port 40000 ssh2',
      'Nov 21 10:00:02 web-01 sshd[101]: Failed password for admin from 198.51.100.7 port 40001 ssh2',
      'Nov 21 10:00:03 web-01 sshd[102]: Accepted password for alice from 192.0.2.10 port 40002 ssh2',
      'this line fits no parser at all',
    ]);
    const done = engine.next<ImportJob>('ingest.finished');
    await engine.call('ingest.startImport', { paths: [file] });
    const job = await done;
    expect(job).toMatchObject({ status: 'done', lines: 4, members: 1, unparsed: 1 });
    const page = await engine.call<EventsPage>('events.search', {});
    expect(page.rows[0]).toMatchObject({ app: 'sshd', host: 'web-01', srcIp: '198.51.100.7', user: 'root', outcome: 'failure', parser: 'auth' });
    expect(page.rows[2]).toMatchObject({ user: 'alice', outcome: 'success' });
    expect(page.rows[3]).toMatchObject({ parser: 'raw', outcome: 'unknown' });
    expect(page.rows[0]!.templateId).toBe(page.rows[1]!.templateId);

    const templates = await engine.call<Page<TemplateRow>>('templates.list', {});
    const failed = templates.rows.find((t) => t.id === page.rows[0]!.templateId)!;
    expect(failed.count).toBe(2);
    expect(failed.template).toMatch(/Failed password for/);

    const ips = await engine.call<Page<EntityRow>>('entities.list', { type: 'ip' });
    const attacker = ips.rows.find((e) => e.value === '198.51.100.7')!;
    expect(attacker.count).toBe(2);
    const byEntity = await engine.call<EventsPage>('events.search', { entityId: attacker.id });
    expect(byEntity.rows.map((r) => r.user)).toEqual(['root', 'admin']);
    const byTemplate = await engine.call<EventsPage>('events.search', { templateId: failed.id });
    expect(byTemplate.total).toBe(2);
  });

  it('resumes an import interrupted by closing the case, storing every line exactly once', async () => {
    const dataDir = tempDir();
    engine = new TestEngine(dataDir);
    const info = await engine.call<CaseInfo>('cases.create', { name: 'resume' });
    const n = 300_000;
    const file = writeLines(tempDir(), 'big.log', Array.from({ length: n }, (_, i) => `Nov 21 10:00:00 h app[${i % 50}]: request ${i} from 10.0.${i % 256}.1 took ${i % 1000} ms`));
    const progressed = engine.next('ingest.progressed', (p: { lines: number }) => p.lines > 50_000);
    await engine.call('ingest.startImport', { paths: [file] });
    await progressed;
    await engine.link.close(); // the app quits mid-import
    engine = new TestEngine(dataDir);
    const finished = engine.next<ImportJob>('ingest.finished', (j) => j.status === 'done', 60_000);
    await engine.call('cases.open', { path: info.path });
    const job = await finished;
    expect(job.lines).toBe(n);
    const page = await engine.call<EventsPage>('events.search', { offset: n - 1, limit: 5 });
    expect(page.total).toBe(n);
    expect(page.rows[0]!.raw).toContain(`request ${n - 1} from`);
    expect(page.rows[0]!.lineNo).toBe(n);
    const one = await engine.call<EventsPage>('events.search', { query: '"request 123456 from"' });
    expect(one.total).toBe(1);
  });
});
