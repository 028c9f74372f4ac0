/**
 * Sigma taxonomy field names -> NormalizedEvent values. A field the event carries under the exact
 * Sigma name (JSON lines, kv pairs in `fields`) always wins, because it is what the log said;
 * otherwise the taxonomy name is mapped to our column, then to common alternative keys in `fields`.
 */
import { AUTH_FIELDS, type NormalizedEvent, authSourceOf } from '../../../src-shared/event';

export type Scalar = string | number | boolean | null;
export type FieldValue = Scalar | undefined | readonly Scalar[];
export type Accessor = (e: NormalizedEvent) => FieldValue;

type Column = Exclude<keyof NormalizedEvent, 'fields' | 'params' | 'logsource'>;

const col =
  (k: Column): Accessor =>
  (e) => {
    const v = e[k];
    return v === null ? undefined : v;
  };

const extra =
  (...keys: string[]): Accessor =>
  (e) => {
    for (const k of keys) {
      const v = e.fields[k];
      if (v !== undefined) return v;
    }
    return undefined;
  };

const firstOf =
  (...accs: Accessor[]): Accessor =>
  (e) => {
    for (const a of accs) {
      const v = a(e);
      if (v !== undefined) return v;
    }
    return undefined;
  };

function pathStem(e: NormalizedEvent): FieldValue {
  const p = e.path;
  if (p === null) return undefined;
  const q = p.indexOf('?');
  return q < 0 ? p : p.slice(0, q);
}

function pathExtension(e: NormalizedEvent): FieldValue {
  const stem = pathStem(e);
  if (typeof stem !== 'string') return undefined;
  const last = stem.slice(stem.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot < 0 ? undefined : last.slice(dot + 1);
}

/** Who made an authentication attempt: its address, else the host name or local caller the log gave. */
function authSource(e: NormalizedEvent): FieldValue {
  return authSourceOf(e)?.value;
}

/** Keyword searches look at the whole event: the message and the raw line. */
export function keywordText(e: NormalizedEvent): FieldValue {
  if (!e.raw || e.raw === e.message) return e.message;
  // A syslog line ends with its message: searching the raw line alone covers both, once.
  if (e.raw.endsWith(e.message)) return e.raw;
  return [e.message, e.raw];
}

const GROUPS: [Accessor, string[]][] = [
  [col('src_ip'), ['c-ip', 'src_ip', 'srcip', 'src', 'source.ip', 'sourceip', 'sourceaddress', 'clientip', 'client_ip', 'client.ip', 'ipaddress', 'remoteaddress', 'remote_addr']],
  // pam's rhost= holds an address or, as the log wrote it, a host name.
  [firstOf(col('src_ip'), extra(AUTH_FIELDS.sourceHost)), ['rhost', 'source.domain']],
  [authSource, ['auth_source']],
  [col('dst_ip'), ['s-ip', 'dst_ip', 'dstip', 'dst', 'destination.ip', 'destinationip', 'dest_ip', 'destinationaddress', 'server.ip']],
  [col('method'), ['cs-method', 'method', 'http.request.method', 'request_method', 'httpmethod']],
  // SigmaHQ web rules put whole request paths (with the query) in cs-uri-query, so these see path+query.
  [col('path'), ['cs-uri-query', 'c-uri-query', 'cs-uri', 'c-uri', 'uri', 'url', 'url.original', 'request', 'request_uri', 'path', 'url.full']],
  [pathStem, ['cs-uri-stem', 'c-uri-stem', 'url.path', 'uri_path']],
  [pathExtension, ['c-uri-extension', 'cs-uri-extension', 'url.extension']],
  [col('status'), ['sc-status', 'status', 'http.response.status_code', 'status_code', 'statuscode', 'response_code']],
  [col('bytes'), ['sc-bytes', 'bytes', 'http.response.bytes', 'http.response.body.bytes', 'bytes_sent', 'bytes_out']],
  [col('user_agent'), ['cs-user-agent', 'c-useragent', 'cs(user-agent)', 'useragent', 'user_agent', 'user_agent.original', 'http_user_agent', 'http.user_agent']],
  [col('user'), ['cs-username', 'user', 'username', 'user.name', 'targetusername', 'subjectusername', 'accountname', 'targetuser', 'account']],
  [extra('referrer', 'referer', 'http_referer'), ['cs-referer', 'cs-referrer', 'cs(referer)', 'referer', 'referrer', 'http.request.referrer', 'http_referer']],
  [extra('vhost', 'host_header', 'http_host', 'server_name'), ['cs-host', 'r-dns', 'cs(host)', 'host_header', 'http_host', 'url.domain', 'destination.domain']],
  [extra('protocol', 'http_version'), ['cs-version', 'http.version', 'protocol']],
  [extra('cookie'), ['cs-cookie', 'cs(cookie)', 'cookie']],
  [extra('request_bytes'), ['cs-bytes', 'http.request.bytes', 'bytes_in']],
  [col('host'), ['s-computername', 'computername', 'computer', 'hostname', 'host', 'host.name', 'dvc', 'devicename', 'dvc_host']],
  [firstOf(extra('exe', 'image'), col('app')), ['image', 'processname', 'process.name', 'process.executable', 'program', 'app', 'application', 'appname', 'syslog.appname', 'process']],
  [col('app'), ['comm']],
  [col('pid'), ['pid', 'processid', 'process.pid', 'process_id', 'execution_processid']],
  [col('message'), ['message', 'msg', 'log.message', 'content']],
  [col('severity'), ['severity', 'syslog.severity', 'log.syslog.severity.code']],
  [col('outcome'), ['outcome', 'event.outcome']],
  [col('action'), ['action', 'event.action']],
  [col('raw'), ['raw', 'event.original']],
  [col('template_id'), ['template_id']],
  [extra('command', 'cmdline', 'command_line'), ['commandline', 'process.command_line', 'cmdline', 'command']],
  [extra('cwd', 'pwd'), ['currentdirectory', 'process.working_directory', 'cwd', 'pwd']],
  [extra('tty'), ['tty', 'terminal']],
];

const MAPPED = new Map<string, Accessor>();
for (const [acc, names] of GROUPS) for (const n of names) if (!MAPPED.has(n)) MAPPED.set(n, acc);

/** The Sigma names we map to something other than `fields[name]` (for documentation and tests). */
export function mappedFieldNames(): string[] {
  return [...MAPPED.keys()];
}

/**
 * What a Sigma field name reads when the event has no key of that name: names mapped to the same
 * column share a group. Only a hint for sharing work; values are still compared per event.
 */
export function fieldGroup(name: string | null): unknown {
  if (name === null) return null;
  const lower = name.toLowerCase();
  return MAPPED.get(lower) ?? lower;
}

/** Accessor for a Sigma field name; `null` means a keyword search over the whole event. */
export function resolveField(name: string | null): Accessor {
  if (name === null) return keywordText;
  const mapped = MAPPED.get(name.toLowerCase());
  const lower = name.toLowerCase();
  return (e) => {
    const f = e.fields;
    const exact = f[name];
    if (exact !== undefined) return exact;
    if (mapped) {
      const v = mapped(e);
      if (v !== undefined) return v;
    }
    // JSON keys vary in case between producers; only scan when the exact key missed.
    for (const k in f) if (k.length === lower.length && k.toLowerCase() === lower) return f[k];
    return undefined;
  };
}
