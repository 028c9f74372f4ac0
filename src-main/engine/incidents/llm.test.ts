import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentExplanation } from '../../../src-shared/contract-incidents';
import { DEFAULT_LLM, explanationText, redact, rephrase, type LlmConfig } from './llm';

/** A tiny local server that speaks the OpenAI chat-completions and Ollama chat APIs. */
let server: Server;
let base: string;
const received: { url: string; auth: string | undefined; body: { model: string; messages: { role: string; content: string }[] } }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as (typeof received)[number]['body'];
      received.push({ url: req.url ?? '', auth: req.headers.authorization, body });
      const reply = `Rephrased: ${body.messages[1]!.content.split('\n')[1]}`;
      if (req.url === '/slow/v1/chat/completions') return void setTimeout(() => res.end('{}'), 2000);
      if (req.url === '/broken/v1/chat/completions') return void res.writeHead(500).end('boom');
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/chat')
        res.end(JSON.stringify({ model: body.model, message: { role: 'assistant', content: reply }, done: true }));
      else if (req.url === '/v1/chat/completions')
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: reply } }] }));
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const explanation: IncidentExplanation = {
  summary: 'Brute force: 203.0.113.5 failed 120 logins against root in 9 minutes.',
  detectors: [{ detector: 'sigma', kind: 'r', title: 'SSH Brute Force', alerts: 3, why: 'Sigma rule "SSH Brute Force" matched 3 times' }],
  facts: ['The rarest template, "login password=hunter2 token: abcdef0123456789abcdef0123456789abcd", occurs 2 times.'],
};

const cfg = (over: Partial<LlmConfig>): LlmConfig => ({
  ...DEFAULT_LLM,
  enabled: true,
  baseUrl: base,
  model: 'tiny',
  timeoutMs: 1000,
  ...over,
});

describe('LLM rephrasing', () => {
  it('is off by default and then returns the deterministic text without a request', async () => {
    const before = received.length;
    const r = await rephrase(DEFAULT_LLM, explanation);
    expect(r).toEqual({ text: explanationText(explanation), source: 'deterministic', error: null, redactions: 0 });
    expect(received.length).toBe(before);
  });

  it('rephrases through an OpenAI-compatible endpoint with secrets redacted and the key as a bearer token', async () => {
    const r = await rephrase(cfg({ provider: 'openai', apiKey: 'sk-local' }), explanation);
    expect(r.source).toBe('llm');
    expect(r.text).toContain('Rephrased: Brute force: 203.0.113.5');
    const req = received[received.length - 1]!;
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.auth).toBe('Bearer sk-local');
    expect(req.body.model).toBe('tiny');
    const sent = JSON.stringify(req.body);
    expect(sent).not.toContain('hunter2');
    expect(sent).not.toContain('abcdef0123456789abcdef0123456789abcd');
    expect(sent).toContain('203.0.113.5');
    expect(r.redactions).toBeGreaterThanOrEqual(2);
  });

  it('rephrases through Ollama', async () => {
    const r = await rephrase(cfg({ provider: 'ollama' }), explanation);
    expect(r.source).toBe('llm');
    expect(received[received.length - 1]!.url).toBe('/api/chat');
  });

  it('falls back to the deterministic text on a timeout, an HTTP error or no endpoint', async () => {
    const slow = await rephrase(cfg({ provider: 'openai', baseUrl: `${base}/slow`, timeoutMs: 300 }), explanation);
    expect(slow).toMatchObject({ source: 'deterministic', text: explanationText(explanation) });
    expect(slow.error).toMatch(/within 300 ms/);
    const broken = await rephrase(cfg({ provider: 'openai', baseUrl: `${base}/broken` }), explanation);
    expect(broken.error).toMatch(/HTTP 500/);
    const nowhere = await rephrase(cfg({ provider: 'ollama', baseUrl: 'http://127.0.0.1:9' }), explanation);
    expect(nowhere.source).toBe('deterministic');
  });

  it('redacts passwords, tokens, keys and credentials in URLs', () => {
    const { text, count } = redact(
      'password=s3cret Authorization: Bearer abc.def.ghi AKIAABCDEFGHIJKLMNOP https://bob:pw@example.test/x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl user alice from 10.0.0.1',
    );
    for (const secret of ['s3cret', 'abc.def.ghi', 'AKIAABCDEFGHIJKLMNOP', 'bob:pw', 'eyJhbGciOiJIUzI1NiJ9'])
      expect(text).not.toContain(secret);
    expect(text).toContain('user alice from 10.0.0.1');
    expect(count).toBeGreaterThanOrEqual(5);
  });
});
