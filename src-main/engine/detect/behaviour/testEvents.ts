/** Hand-built events for unit tests: the columns and auth meaning a parser would give, without its wording. */
import { type NormalizedEvent, emptyEvent, setAuth } from '../../../../src-shared/event';
import { createParseContext } from '../../parse/parsers/context';
import { applyWebLogin } from '../../parse/parsers/web-login';

/** One context for the web login conventions (its ledger remembers basic-auth refusals). */
const webCtx = createParseContext('test');

let nextId = 1;

export const T0 = Date.UTC(2024, 2, 5, 10, 0, 0); // a Tuesday, 10:00 UTC (business hours)
export const MIN = 60_000;

export function sshEvent(ts: number, ip: string, user: string, result: 'failure' | 'success', opts: { invalidLine?: boolean; message?: string } = {}): NormalizedEvent {
  const message =
    opts.message ??
    (opts.invalidLine
      ? `Invalid user ${user} from ${ip} port 40000`
      : result === 'failure'
        ? `Failed password for ${user} from ${ip} port 40000 ssh2`
        : `Accepted password for ${user} from ${ip} port 40000 ssh2`);
  const ev = emptyEvent(message, 'test');
  ev.id = nextId++;
  ev.ts = ts;
  ev.src_ip = ip;
  ev.user = user;
  ev.message = message;
  ev.outcome = result;
  ev.action = opts.invalidLine ? 'ssh_invalid_user' : 'ssh_login';
  ev.parser = 'auth';
  setAuth(ev, { service: 'ssh', result, method: 'password', ...(opts.invalidLine ? { accountExists: false } : {}) });
  return ev;
}

export function httpEvent(ts: number, ip: string, path: string, status: number, opts: { ua?: string; user?: string | null; method?: string } = {}): NormalizedEvent {
  const ev = emptyEvent(`${ip} "${opts.method ?? 'GET'} ${path}" ${status}`, 'test');
  ev.id = nextId++;
  ev.ts = ts;
  ev.src_ip = ip;
  ev.user = opts.user ?? null;
  ev.method = opts.method ?? 'GET';
  ev.path = path;
  ev.status = status;
  ev.user_agent = opts.ua ?? 'Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0';
  ev.action = 'http_request';
  ev.parser = 'access';
  applyWebLogin(ev, webCtx);
  return ev;
}
