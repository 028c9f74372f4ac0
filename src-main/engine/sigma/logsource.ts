/**
 * Logsource dispatch: which rules can apply to an event. An event's logsource is widened into sets
 * (synonyms, the service implied by the app that wrote the line, the services a log file collects)
 * and a rule applies when every part it names is in the event's set for that part.
 *
 * Unknown parts: a rule part the rule leaves out is a wildcard. On the event side a null product or
 * service is a wildcard (we may not know it), but a null category is not when the event has a
 * service: auth.log lines belong to no Sigma category, and must not meet process_creation rules.
 * An event with no logsource at all (an unparsed line) meets every rule.
 */
import type { LogSource } from '../../../src-shared/event';
import type { SigmaLogSource } from './types';

const PRODUCT_SYNONYMS: Record<string, string> = {
  ubuntu: 'linux',
  debian: 'linux',
  centos: 'linux',
  rhel: 'linux',
  redhat: 'linux',
  fedora: 'linux',
  alpine: 'linux',
  httpd: 'apache',
  apache2: 'apache',
  apache_httpd: 'apache',
  openresty: 'nginx',
};

const SERVICE_SYNONYMS: Record<string, string> = {
  'auth.log': 'auth',
  authlog: 'auth',
  authpriv: 'auth',
  secure: 'auth',
  ssh: 'sshd',
  openssh: 'sshd',
  messages: 'syslog',
  rsyslog: 'syslog',
  access_log: 'access',
  accesslog: 'access',
  'access.log': 'access',
  error_log: 'error',
  'error.log': 'error',
};

const CATEGORY_SYNONYMS: Record<string, string> = {
  web: 'webserver',
  web_server: 'webserver',
  'web-server': 'webserver',
  http: 'webserver',
  http_access: 'webserver',
};

/** Programs whose lines land in auth.log, so `service: auth` rules meet them. */
const AUTH_APPS = new Set([
  'sshd',
  'sudo',
  'su',
  'login',
  'systemd-logind',
  'useradd',
  'userdel',
  'usermod',
  'groupadd',
  'groupdel',
  'gpasswd',
  'passwd',
  'chpasswd',
  'chage',
  'pam',
  'polkitd',
  'unix_chkpwd',
]);

/** Programs that are Sigma services in their own right (taxonomy: linux services). */
const APP_SERVICES = new Set(['sshd', 'sudo', 'cron', 'vsftpd', 'clamav', 'clamd', 'freshclam', 'auditd', 'guacamole', 'su']);

function norm(v: string | null | undefined, syn: Record<string, string>): string | null {
  if (!v) return null;
  const l = v.toLowerCase().replace(/ /g, '_');
  return syn[l] ?? l;
}

export interface RuleLogsource {
  product: string | null;
  service: string | null;
  category: string | null;
}

export function normalizeRuleLogsource(ls: SigmaLogSource): RuleLogsource {
  return {
    product: norm(ls.product, PRODUCT_SYNONYMS),
    service: norm(ls.service, SERVICE_SYNONYMS),
    category: norm(ls.category, CATEGORY_SYNONYMS),
  };
}

/** The widened view of an event's logsource. `null` sets mean "unknown: any". */
export interface EventSources {
  products: Set<string> | null;
  services: Set<string> | null;
  categories: Set<string> | null;
  unknown: boolean;
}

const appServiceCache = new Map<string, string | null>();

/** The Sigma service implied by the program that wrote the line (sshd, sudo, cron, ...). */
export function appService(app: string | null): string | null {
  if (!app) return null;
  const cached = appServiceCache.get(app);
  if (cached !== undefined) return cached;
  const s = computeAppService(app);
  if (appServiceCache.size < 10_000) appServiceCache.set(app, s);
  return s;
}

function computeAppService(app: string): string | null {
  const a = app.toLowerCase();
  const base = a.slice(a.lastIndexOf('/') + 1);
  if (base === 'cron' || base === 'crond' || base === 'anacron') return 'cron';
  if (base.startsWith('clam') || base === 'freshclam') return 'clamav';
  return APP_SERVICES.has(base) || AUTH_APPS.has(base) ? base : null;
}

/**
 * The category of every authentication attempt, whichever program or log it came from (Vigil's
 * own, as the taxonomy names none): rules that read the normalized attempt (src-shared/event.ts,
 * AuthAttempt) use it, so they meet sshd, su, FTP, mail and web logins alike and nothing else.
 */
export const AUTH_CATEGORY = 'authentication';

export function eventSources(ls: LogSource, app: string | null, auth = false): EventSources {
  const product = norm(ls.product, PRODUCT_SYNONYMS);
  const service = norm(ls.service, SERVICE_SYNONYMS);
  const category = norm(ls.category, CATEGORY_SYNONYMS);
  const fromApp = appService(app);
  const unknown = !product && !service && !category;
  const services = new Set<string>();
  if (service) services.add(service);
  if (fromApp) {
    services.add(fromApp);
    if (AUTH_APPS.has(fromApp)) services.add('auth');
  }
  if (service && AUTH_APPS.has(service)) services.add('auth');
  // Web server logs: rules written as `service: apache` / `service: nginx` name the product.
  if (product === 'apache' || product === 'nginx') services.add(product);
  const products = new Set<string>();
  if (product) products.add(product);
  if (services.has('auth') || services.has('sshd') || services.has('syslog')) {
    if (!product) products.add('linux');
  }
  const categories = category ? new Set([category]) : service || fromApp || auth ? new Set<string>() : null;
  if (auth) categories!.add(AUTH_CATEGORY);
  return {
    unknown: unknown && !auth,
    products: products.size > 0 ? products : null,
    services: services.size > 0 ? services : null,
    categories,
  };
}

export function logsourceApplies(rule: RuleLogsource, ev: EventSources): boolean {
  if (ev.unknown && !ev.services) return true;
  if (rule.product && ev.products && !ev.products.has(rule.product)) return false;
  if (rule.service && ev.services && !ev.services.has(rule.service)) return false;
  if (rule.category && ev.categories && !ev.categories.has(rule.category)) return false;
  return true;
}
