/**
 * The fields of the query language, once: which names the Events search (and `vigil search`) and
 * the incident queue's search understand, what kind of value each takes, and the line of help the
 * views print for it. Parsers validate against these lists; the engine compiles each kind.
 */

/**
 * text: exact or wildcard match (`*`, `?`); number: exact, wildcard, comparison or range;
 * time: a moment or a range in UTC; ip: exact, wildcard or CIDR; enum: one of `values`
 * (comparable in that order when `ordered`); entity: an entity id, `type:value` or a value.
 */
export type FieldKind = 'text' | 'number' | 'time' | 'ip' | 'enum' | 'entity';

export interface FieldSpec {
  name: string;
  aliases?: readonly string[];
  kind: FieldKind;
  /** enum: the values in order; number: names that stand for numbers (syslog severities). */
  values?: readonly string[];
  /** enum values compare in the listed order (severity:>=high). */
  ordered?: boolean;
  /** Names for numbers, e.g. err → 3. */
  names?: Readonly<Record<string, number>>;
  /** Values compare without regard to case. */
  caseless?: boolean;
  help: string;
  example: string;
}

/** Syslog severities (RFC 5424) by name, as analysts type them. */
export const SYSLOG_SEVERITY_NAMES: Readonly<Record<string, number>> = {
  emerg: 0,
  emergency: 0,
  alert: 1,
  crit: 2,
  critical: 2,
  err: 3,
  error: 3,
  warning: 4,
  warn: 4,
  notice: 5,
  info: 6,
  informational: 6,
  debug: 7,
};

export const EVENT_FIELDS: readonly FieldSpec[] = [
  { name: 'ip', kind: 'ip', help: 'source or destination address; CIDR and wildcards work', example: 'ip:10.0.0.0/8' },
  { name: 'src_ip', aliases: ['source.ip', 'client'], kind: 'ip', help: 'source (client) address', example: 'src_ip:203.0.113.*' },
  { name: 'dst_ip', aliases: ['destination.ip'], kind: 'ip', help: 'destination address', example: 'dst_ip:192.168.1.10' },
  { name: 'user', aliases: ['user.name'], kind: 'text', help: 'account name', example: 'user:root' },
  {
    name: 'host',
    aliases: ['host.name', 'hostname'],
    kind: 'text',
    caseless: true,
    help: 'host that wrote the line',
    example: 'host:web-*',
  },
  { name: 'app', aliases: ['process', 'program'], kind: 'text', help: 'program (sshd, sudo, CRON…)', example: 'app:sshd' },
  { name: 'method', kind: 'text', caseless: true, help: 'HTTP method', example: 'method:POST' },
  { name: 'path', aliases: ['url'], kind: 'text', help: 'request or file path; * and ? are wildcards', example: 'path:/api/*' },
  { name: 'status', kind: 'number', help: 'HTTP status; 4xx, ranges and comparisons work', example: 'status:>=500' },
  { name: 'bytes', kind: 'number', help: 'response size', example: 'bytes:>1000000' },
  { name: 'template', kind: 'text', help: 'template id (t12) or a pattern over the template text', example: 'template:t12' },
  {
    name: 'outcome',
    kind: 'enum',
    values: ['success', 'failure', 'unknown'],
    caseless: true,
    help: 'success, failure or unknown',
    example: 'outcome:failure',
  },
  {
    name: 'severity',
    kind: 'number',
    names: SYSLOG_SEVERITY_NAMES,
    help: 'syslog severity 0–7 or its name (lower is worse)',
    example: 'severity:<=err',
  },
  { name: 'source', aliases: ['file'], kind: 'text', help: 'file or archive member the line came from', example: 'source:auth.log*' },
  { name: 'entity', kind: 'entity', help: 'any entity the line names: type:value, a value, or an entity id', example: 'entity:user:admin' },
  { name: 'action', kind: 'text', caseless: true, help: 'what happened (ssh_login, sudo, http_request…)', example: 'action:ssh_login' },
  { name: 'ua', aliases: ['user_agent', 'agent'], kind: 'text', help: 'HTTP user agent', example: 'ua:*curl*' },
  {
    name: 'parser',
    aliases: ['format'],
    kind: 'text',
    caseless: true,
    help: 'parser that read the line (auth, access, syslog5424…)',
    example: 'parser:access',
  },
  {
    name: 'time',
    aliases: ['ts', '@timestamp'],
    kind: 'time',
    help: 'event time in UTC; a day, an hour, a range',
    example: 'time:[2015-05-17T10:00 TO 2015-05-17T12:00]',
  },
];

export const INCIDENT_FIELDS: readonly FieldSpec[] = [
  { name: 'ip', kind: 'text', help: 'an address among the incident’s entities', example: 'ip:203.0.113.*' },
  { name: 'user', kind: 'text', help: 'an account among its entities', example: 'user:root' },
  { name: 'host', kind: 'text', caseless: true, help: 'a host among its entities', example: 'host:web-1' },
  { name: 'entity', kind: 'text', help: 'any entity value, or type:value', example: 'entity:url:/wp-login.php' },
  {
    name: 'category',
    kind: 'enum',
    values: ['auth_attack', 'scanner', 'misconfiguration', 'app_error', 'anomaly'],
    caseless: true,
    help: 'auth_attack, scanner, misconfiguration, app_error, anomaly',
    example: 'category:scanner',
  },
  {
    name: 'pattern',
    kind: 'text',
    caseless: true,
    help: 'named pattern (brute_force, password_spraying…)',
    example: 'pattern:brute_force',
  },
  {
    name: 'severity',
    kind: 'enum',
    values: ['informational', 'low', 'medium', 'high', 'critical'],
    ordered: true,
    caseless: true,
    help: 'informational … critical; comparisons work',
    example: 'severity:>=high',
  },
  {
    name: 'status',
    kind: 'enum',
    values: ['open', 'investigating', 'closed'],
    caseless: true,
    help: 'open, investigating, closed',
    example: 'status:open',
  },
  {
    name: 'label',
    kind: 'enum',
    values: ['true', 'benign', 'none'],
    caseless: true,
    help: 'true, benign or none (unlabelled)',
    example: 'label:none',
  },
  { name: 'priority', aliases: ['prio'], kind: 'number', help: '0–100', example: 'priority:>=70' },
  { name: 'risk', kind: 'number', help: 'peak risk of its actor', example: 'risk:>50' },
  { name: 'events', kind: 'number', help: 'events of the incident', example: 'events:>100' },
  { name: 'detector', kind: 'text', caseless: true, help: 'sigma, behaviour, ensemble, graph', example: 'detector:sigma' },
  { name: 'tag', kind: 'text', caseless: true, help: 'ATT&CK tag', example: 'tag:attack.t1110*' },
  { name: 'id', kind: 'text', help: 'incident id', example: 'id:inc_1f2e*' },
  { name: 'time', aliases: ['ts'], kind: 'time', help: 'active at that time (UTC)', example: 'time:2015-05-17' },
];

/** The free-text, boolean and range syntax, for the views' help. */
export const QUERY_SYNTAX_HELP: readonly { example: string; meaning: string }[] = [
  { example: 'failed password', meaning: 'lines with both words (AND is implied)' },
  { example: '"invalid user"', meaning: 'the exact phrase' },
  { example: 'sess*', meaning: 'a word starting with sess' },
  { example: 'failed -invalid', meaning: 'NOT: failed, but not invalid (also NOT invalid)' },
  { example: 'status:404 OR status:500', meaning: 'either; AND binds tighter than OR' },
  { example: '(user:root OR user:admin) outcome:success', meaning: 'parentheses group' },
  { example: 'status:(401 OR 403)', meaning: 'several values of one field' },
  { example: 'status:>=500  bytes:[1000 TO 5000]', meaning: 'comparisons and inclusive ranges ({…} excludes the ends)' },
  { example: 'path:/api/*  user:adm?n', meaning: 'wildcards: * any run, ? one character' },
  { example: 'time:>=2015-05-17T10:00', meaning: 'times are UTC; a date alone is the whole day' },
];
