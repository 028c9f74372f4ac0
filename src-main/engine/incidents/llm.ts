/**
 * Optional LLM rephrasing of a deterministic explanation, off by default. It reaches only the
 * OpenAI-compatible or Ollama endpoint the analyst configured, sends the explanation's facts
 * with secrets redacted, gives up after a timeout, and any failure returns the deterministic text.
 */
import type { Database } from 'better-sqlite3';
import type { IncidentExplanation, LlmSettings, Rephrasing } from '../../../src-shared/contract-incidents';

export interface LlmConfig extends Omit<LlmSettings, 'hasApiKey'> {
  apiKey: string | null;
}

export const DEFAULT_LLM: LlmConfig = {
  enabled: false,
  provider: 'ollama',
  baseUrl: 'http://127.0.0.1:11434',
  model: 'llama3.2',
  timeoutMs: 15_000,
  apiKey: null,
};

export function readLlmConfig(db: Database): LlmConfig {
  const raw = db.prepare(`SELECT value FROM incident_settings WHERE key = 'llm'`).pluck().get() as string | undefined;
  if (!raw) return { ...DEFAULT_LLM };
  try {
    return { ...DEFAULT_LLM, ...(JSON.parse(raw) as Partial<LlmConfig>) };
  } catch {
    return { ...DEFAULT_LLM };
  }
}

export function writeLlmConfig(db: Database, cfg: LlmConfig): void {
  db.prepare(`INSERT INTO incident_settings (key, value) VALUES ('llm', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(
    JSON.stringify(cfg),
  );
}

export function publicSettings(cfg: LlmConfig): LlmSettings {
  const { apiKey, ...rest } = cfg;
  return { ...rest, hasApiKey: !!apiKey };
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[REDACTED KEY]'],
  [
    /\b(password|passwd|pwd|pass|secret|token|api[_-]?key|apikey|access[_-]?key|client[_-]?secret|auth)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;]+)/gi,
    '$1$2[REDACTED]',
  ],
  [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi, 'Bearer [REDACTED]'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, '[REDACTED]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '[REDACTED JWT]'],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,})\b/g, '[REDACTED]'],
  [/(\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1[REDACTED]@'],
  [/\b[A-Fa-f0-9]{32,}\b/g, '[REDACTED HEX]'],
  [/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])/g, '[REDACTED B64]'],
];

export function redact(text: string): { text: string; count: number } {
  let count = 0;
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) {
    out = out.replace(re, (...args: unknown[]) => {
      count++;
      const groups = args.slice(1, -2).map((g) => (typeof g === 'string' ? g : ''));
      return replacement.replace(/\$(\d)/g, (_, i: string) => groups[Number(i) - 1] ?? '');
    });
  }
  return { text: out, count };
}

export function explanationText(e: IncidentExplanation): string {
  return [e.summary, ...e.detectors.map((d) => `- ${d.why}`), ...e.facts.map((f) => `- ${f}`)].join('\n');
}

const SYSTEM_PROMPT =
  'You rewrite security incident explanations for an analyst. Use only the facts given; add no facts, guesses or advice ' +
  'that are not in them. Keep every number, address, user name and time exactly. Answer in 2 to 4 plain sentences.';

export async function rephrase(cfg: LlmConfig, e: IncidentExplanation, fetchImpl: typeof fetch = fetch): Promise<Rephrasing> {
  const deterministic = explanationText(e);
  if (!cfg.enabled) return { text: deterministic, source: 'deterministic', error: null, redactions: 0 };
  const { text: facts, count } = redact(deterministic);
  const fallback = (error: string): Rephrasing => ({ text: deterministic, source: 'deterministic', error, redactions: count });
  if (!cfg.baseUrl || !cfg.model) return fallback('the LLM endpoint or model is not set');
  const base = cfg.baseUrl.replace(/\/+$/, '');
  const messages = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `Facts about one incident:\n${facts}` },
  ];
  const url = cfg.provider === 'ollama' ? `${base}/api/chat` : `${/\/v\d+$/.test(base) ? base : `${base}/v1`}/chat/completions`;
  const body =
    cfg.provider === 'ollama'
      ? { model: cfg.model, messages, stream: false, options: { temperature: 0.2 } }
      : { model: cfg.model, messages, temperature: 0.2, stream: false };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.apiKey) headers['authorization'] = `Bearer ${cfg.apiKey}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), cfg.timeoutMs);
  try {
    const res = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal, redirect: 'error' });
    if (!res.ok) return fallback(`the LLM endpoint answered HTTP ${res.status}`);
    const json = (await res.json()) as { choices?: { message?: { content?: unknown } }[]; message?: { content?: unknown } };
    const content = cfg.provider === 'ollama' ? json.message?.content : json.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || !content.trim()) return fallback('the LLM endpoint gave no text');
    return { text: content.trim().slice(0, 4000), source: 'llm', error: null, redactions: count };
  } catch (err) {
    return fallback(
      controller.signal.aborted
        ? `the LLM endpoint did not answer within ${cfg.timeoutMs} ms`
        : `the LLM endpoint failed: ${(err as Error).message}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
