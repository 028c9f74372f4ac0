import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import { SigmaEngine, type SigmaEngineOptions, type SigmaMatch } from '../engine';

let nextId = 1;

/** A NormalizedEvent with overrides; `fields` and `logsource` merge into the defaults. */
export function ev(over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  const base = emptyEvent(over.raw ?? over.message ?? '', 'test');
  return { ...base, id: nextId++, ...over, fields: { ...over.fields }, logsource: { ...base.logsource, ...over.logsource } };
}

/** An auth.log line as the auth parser would give it. */
export function auth(message: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  const app = over.app ?? /^(\w[\w-]*)/.exec(message)?.[1] ?? 'sshd';
  return ev({
    app: 'sshd',
    host: 'srv1',
    message,
    raw: `Mar  1 10:00:00 srv1 ${over.app ?? app}[123]: ${message}`,
    parser: 'auth',
    logsource: { product: 'linux', service: 'auth', category: null },
    ...over,
  });
}

/** An access-log request as the access parser would give it. */
export function web(path: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  const method = over.method ?? 'GET';
  const status = over.status ?? 200;
  const ua = over.user_agent ?? 'Mozilla/5.0';
  const ip = over.src_ip ?? '203.0.113.9';
  const raw = `${ip} - - [01/Mar/2024:10:00:00 +0000] "${method} ${path} HTTP/1.1" ${status} 512 "-" "${ua}"`;
  return ev({
    src_ip: ip,
    method,
    path,
    status,
    bytes: 512,
    user_agent: ua,
    message: raw,
    raw,
    parser: 'access',
    action: 'http_request',
    logsource: { product: 'apache', service: 'access', category: 'webserver' },
    ...over,
  });
}

export function engineWith(yaml: string, options?: SigmaEngineOptions): SigmaEngine {
  const engine = new SigmaEngine(options);
  const res = engine.loadText(yaml, 'test.yml');
  if (res.failed.length > 0) throw new Error(`rule failed to load: ${JSON.stringify(res.failed, null, 1)}`);
  return engine;
}

/** Wrap a detection block into a minimal rule with a wildcard logsource. */
export function ruleYaml(detection: string, extra = ''): string {
  const body = detection
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `title: Test rule\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n    product: test\n${extra}detection:\n${body}\n`;
}

export function ids(matches: SigmaMatch[]): string[] {
  return matches.map((m) => m.ruleId);
}
