import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../test/paths';
import { InProcessEngineLink } from '../../engine/link';
import { sampleScenario } from '../../engine/scenario/sample';
import { tempDir } from '../../engine/test-support';
import { startServer, type RunningServer } from './server';

let server: RunningServer;
let link: InProcessEngineLink;
let base: string;

beforeAll(async () => {
  const dataDir = tempDir();
  const rendererDir = join(dataDir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<html></html>');
  link = new InProcessEngineLink({ dataDir, version: 'test', rulesDir: join(ROOT, 'resources', 'sigma') });
  server = await startServer({ link, rendererDir, inboxDir: join(dataDir, 'inbox'), port: 0, apiKey: 'test-key' });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
  await link.close();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', body, headers: { 'x-api-key': 'test-key', 'content-type': 'application/json', ...headers } });

describe('HTTP API', () => {
  it('refuses requests without the right X-API-KEY', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(401);
    expect((await fetch(`${base}/health`, { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    expect((await post('/detect-incidents', '{"lines":["x"]}', { 'x-api-key': 'test-keyy' })).status).toBe(401);
    const ok = await fetch(`${base}/health`, { headers: { 'x-api-key': 'test-key' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok', version: 'test' });
  });

  it('publishes an OpenAPI 3 document of its paths', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: unknown };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(['/detect-incidents', '/detect-sessions', '/health']);
    expect(doc.components.securitySchemes).toEqual({ apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' } });
  });

  it('turns log lines into incidents in a throwaway case, leaving the open case alone', async () => {
    const sc = sampleScenario();
    const res = await post('/detect-incidents', JSON.stringify({ lines: sc.accessLines }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      events: number;
      incidents: { category: string; pattern: string; entities: { value: string }[]; summary: string; detectors: string[] }[];
    };
    expect(body.events).toBe(sc.accessLines.length);
    const categories = body.incidents.map((i) => i.category);
    expect(categories).toContain('scanner');
    expect(categories).toContain('app_error');
    expect(body.incidents.every((i) => i.summary.length > 10 && i.detectors.length > 0)).toBe(true);
    expect((await link.request('cases.getCurrent', {})) as unknown).toEqual({ ok: true, value: null });
  }, 60_000);

  it('gives a campaign with its members for the background guessers of an auth log', async () => {
    const sc = sampleScenario();
    const res = await post('/detect-incidents', JSON.stringify({ lines: sc.authLines }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { incidents: { kind: string; memberCount: number; members: { ip: string; tries: number }[] }[] };
    const campaign = body.incidents.find((i) => i.kind === 'campaign')!;
    expect(campaign).toBeDefined();
    expect(campaign.members.length).toBe(campaign.memberCount);
    expect(campaign.members.length).toBeGreaterThan(1);
    expect(body.incidents.filter((i) => i.kind !== 'campaign').every((i) => i.members.length === 0)).toBe(true);
  }, 60_000);

  it('scores sessions and IP windows of text/plain lines', async () => {
    const sc = sampleScenario();
    const res = await post('/detect-sessions', sc.accessLines.slice(0, 3000).join('\n'), { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sessions: { score: number | null; ip: string }[]; ipWindows: unknown[]; patterns: unknown[] };
    expect(body.sessions.length).toBeGreaterThan(10);
    expect(body.ipWindows.length).toBeGreaterThan(5);
    expect(typeof body.sessions[0]!.score).toBe('number');
  }, 60_000);

  it('bounds the body and rejects what is not lines', async () => {
    expect((await post('/detect-incidents', '{"lines": 3}')).status).toBe(400);
    expect((await post('/detect-incidents', 'not json')).status).toBe(400);
    expect((await post('/detect-incidents', '{"lines": []}')).status).toBe(400);
    const big = await post('/detect-incidents', 'x'.repeat(11 * 1024 * 1024), { 'content-type': 'text/plain' }).catch(() => null);
    if (big) expect(big.status).toBe(413);
    expect((await fetch(`${base}/detect-incidents`, { headers: { 'x-api-key': 'test-key' } })).status).toBe(405);
  });
});
