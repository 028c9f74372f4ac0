/**
 * Which typed, directed edges an event gives (DESIGN.md step 9). Edges come from the roles of the
 * event's columns, not from bare co-occurrence in a message, so each edge says what happened:
 *
 *   user → ip      authenticated_from   a successful authentication from that address
 *   ip   → user    failed_login         a failed authentication for that user from that address
 *   user → ip      seen_from            an auth event of unknown outcome (disconnects, ...)
 *   user → host    logged_into          a successful login or session on that host
 *   ip   → host    connected_to         any event of that address on that host
 *   ip   → ip      connected_to         source and destination address (firewalls, flows)
 *   ip   → url     requested            an HTTP request for that path
 *   ip   → user_agent used_agent        the client software of a request
 *   user → user    su_to / sudo_as      switching identity
 *   process → process spawned           parent and child process (ECS process.parent.name)
 *   host → process runs                 a program logging on a host
 *   user|process → file accessed        a non-HTTP event naming a file path
 */
import { AUTH_FIELDS, type NormalizedEvent, authOf } from '../../../src-shared/event';
import type { EntityResolver, GraphEntity } from './entity-resolver';

export type EdgeSink = (src: GraphEntity, dst: GraphEntity, type: string) => void;

/** Sessions a login opens (the attempt itself is read from the event's auth meaning). */
const SESSION_ACTIONS = new Set(['session_open']);

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

export function eventEdges(ev: NormalizedEvent, r: EntityResolver, emit: EdgeSink): void {
  const ip = ev.src_ip ? r.resolve('ip', ev.src_ip) : null;
  const user = ev.user ? r.resolve('user', ev.user) : null;
  const host = ev.host ? r.hostOrIp(ev.host) : null;
  const app = ev.app ? r.resolve('process', ev.app) : null;
  const http = ev.method !== null || ev.parser === 'access';

  // An authentication attempt, whichever program wrote it: from its source (an address, or the
  // host name the log gave) to the account it tried. A line that repeats an attempt adds nothing.
  const auth = ev.fields[AUTH_FIELDS.service] !== undefined ? authOf(ev) : null;
  if (auth !== null) {
    const from = auth.source === null || auth.source.kind === 'user' ? null : auth.source.kind === 'ip' ? ip : r.resolve('host', auth.source.value);
    if (auth.attempts > 0 && user && from) {
      if (auth.result === 'success') emit(user, from, 'authenticated_from');
      else if (auth.result === 'failure') emit(from, user, 'failed_login');
      else emit(user, from, 'seen_from');
    }
    if (auth.attempts > 0 && auth.result === 'success' && user && host && host.type === 'host') emit(user, host, 'logged_into');
  } else if (user && ip) {
    if (ev.outcome === 'success') emit(user, ip, 'authenticated_from');
    else if (ev.outcome === 'failure') emit(ip, user, 'failed_login');
    else emit(user, ip, 'seen_from');
  }
  if (user && host && host.type === 'host' && ev.outcome === 'success' && ev.action !== null && SESSION_ACTIONS.has(ev.action)) {
    emit(user, host, 'logged_into');
  }
  if (ip && host && ip !== host) emit(ip, host, 'connected_to');
  if (ip && ev.dst_ip) {
    const dst = r.resolve('ip', ev.dst_ip);
    if (dst && dst !== ip) emit(ip, dst, 'connected_to');
  }
  if (ev.path) {
    if (http) {
      const url = r.resolve('url', ev.path);
      if (url && ip) emit(ip, url, 'requested');
    } else {
      const file = r.resolve('file', ev.path);
      const actor = user ?? app;
      if (file && actor) emit(actor, file, 'accessed');
    }
  }
  if (ip && ev.user_agent) {
    const ua = r.resolve('user_agent', ev.user_agent);
    if (ua) emit(ip, ua, 'used_agent');
  }
  // su names the account switched to (`user`) and its caller; sudo its caller (`user`) and the run-as account.
  const caller = str(ev.fields[AUTH_FIELDS.sourceUser]);
  const target = str(ev.fields.target_user);
  if (ev.action === 'su' && user && caller) {
    const c = r.resolve('user', caller);
    if (c && c !== user) emit(c, user, 'su_to');
  } else if (ev.action === 'sudo' && user && target) {
    const t = r.resolve('user', target);
    if (t && t !== user) emit(user, t, 'sudo_as');
  }
  const parent = str(ev.fields['process.parent.name']);
  if (parent && app) {
    const p = r.resolve('process', parent);
    if (p && p !== app) emit(p, app, 'spawned');
  }
  if (host && app && host.type === 'host') emit(host, app, 'runs');
}
