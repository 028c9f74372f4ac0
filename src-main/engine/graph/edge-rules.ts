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
import type { NormalizedEvent } from '../../../src-shared/event';
import type { EntityResolver, GraphEntity } from './entity-resolver';

export type EdgeSink = (src: GraphEntity, dst: GraphEntity, type: string) => void;

const LOGIN_ACTIONS = new Set(['ssh_login', 'session_open', 'login', 'logon', 'authentication']);

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

export function eventEdges(ev: NormalizedEvent, r: EntityResolver, emit: EdgeSink): void {
  const ip = ev.src_ip ? r.resolve('ip', ev.src_ip) : null;
  const user = ev.user ? r.resolve('user', ev.user) : null;
  const host = ev.host ? r.hostOrIp(ev.host) : null;
  const app = ev.app ? r.resolve('process', ev.app) : null;
  const http = ev.method !== null || ev.parser === 'access';

  if (user && ip) {
    if (ev.outcome === 'success') emit(user, ip, 'authenticated_from');
    else if (ev.outcome === 'failure') emit(ip, user, 'failed_login');
    else emit(user, ip, 'seen_from');
  }
  if (user && host && host.type === 'host' && ev.outcome === 'success' && ev.action !== null && LOGIN_ACTIONS.has(ev.action)) {
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
  const target = str(ev.fields.target_user);
  if (user && target && (ev.action === 'su' || ev.action === 'sudo')) {
    const t = r.resolve('user', target);
    if (t && t !== user) emit(user, t, ev.action === 'su' ? 'su_to' : 'sudo_as');
  }
  const parent = str(ev.fields['process.parent.name']);
  if (parent && app) {
    const p = r.resolve('process', parent);
    if (p && p !== app) emit(p, app, 'spawned');
  }
  if (host && app && host.type === 'host') emit(host, app, 'runs');
}
