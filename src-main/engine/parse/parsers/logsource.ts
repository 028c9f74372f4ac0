import type { LogSource } from '../../../../src-shared/event';

/**
 * Sigma logsource service for a syslog app name (taxonomy appendix, "Linux Folder"). Apps with
 * no service of their own fall to `fallback`: 'auth' inside an auth.log, 'syslog' elsewhere.
 */
const SERVICE_BY_APP: Record<string, string> = {
  sshd: 'sshd',
  sudo: 'sudo',
  su: 'su',
  cron: 'cron',
  CRON: 'cron',
  crond: 'cron',
  anacron: 'cron',
  vsftpd: 'vsftpd',
  clamd: 'clamav',
  freshclam: 'clamav',
  clamav: 'clamav',
  guacd: 'guacamole',
  guacamole: 'guacamole',
  auditd: 'auditd',
};

/** The app name without a parenthesised module or a path: `sshd(pam_unix)` → `sshd`, `/usr/sbin/cron` → `cron`. */
export function baseAppName(app: string): string {
  let end = app.indexOf('(');
  if (end === -1) end = app.length;
  const slash = app.lastIndexOf('/', end - 1);
  return slash === -1 && end === app.length ? app : app.slice(slash + 1, end);
}

const serviceCache = new Map<string, string | null>();
// Consecutive lines mostly share their app: a string compare is cheaper than hashing a fresh slice.
let lastApp = '';
let lastService: string | null = null;

export function linuxLogSource(app: string | null, fallback: 'auth' | 'syslog'): LogSource {
  let service: string | null | undefined = null;
  if (app === lastApp) {
    service = lastService;
  } else if (app !== null) {
    service = serviceCache.get(app);
    if (service === undefined) {
      service = SERVICE_BY_APP[baseAppName(app)] ?? null;
      // Bounded: distinct app names in hostile input must not grow memory.
      if (serviceCache.size >= 4096) serviceCache.clear();
      serviceCache.set(app, service);
    }
    lastApp = app;
    lastService = service;
  }
  return { product: 'linux', service: service ?? fallback, category: null };
}
