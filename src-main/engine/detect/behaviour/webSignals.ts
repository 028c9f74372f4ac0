/**
 * Web-side signals: known offensive tool agents and paths attackers go for first. Lists are
 * ours, drawn from what those tools put in their default User-Agent headers.
 */

const SCANNER_AGENT = new RegExp(
  [
    'sqlmap',
    'nikto',
    'nmap',
    'masscan',
    'zgrab',
    'gobuster',
    'dirbuster',
    'dirb/',
    'wpscan',
    'nuclei',
    'feroxbuster',
    'ffuf',
    'wfuzz',
    'acunetix',
    'nessus',
    'openvas',
    'w3af',
    'whatweb',
    'httpx',
    'jaeles',
    'zmeu',
    'havij',
  ].join('|'),
  'i',
);

const agentCache = new Map<string, string | null>();

/** The tool name if the agent string belongs to a known scanner, else null. */
export function scannerAgent(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const cached = agentCache.get(userAgent);
  if (cached !== undefined) return cached;
  const m = SCANNER_AGENT.exec(userAgent);
  const tool = m ? m[0].toLowerCase() : null;
  // Agents repeat heavily; a bounded memo avoids running the alternation on every request.
  if (agentCache.size >= 10_000) agentCache.clear();
  agentCache.set(userAgent, tool);
  return tool;
}

const SENSITIVE_PREFIXES = [
  '/admin',
  '/administrator',
  '/wp-login.php',
  '/wp-admin',
  '/xmlrpc.php',
  '/.env',
  '/.git',
  '/.svn',
  '/.aws',
  '/.ssh',
  '/api/login',
  '/api/auth',
  '/login',
  '/signin',
  '/user/login',
  '/phpmyadmin',
  '/pma',
  '/server-status',
  '/actuator',
  '/manager/html',
  '/cgi-bin',
  '/config',
  '/console',
  '/debug',
  '/backup',
];

/** Path without query string or fragment, lower-cased: the unit every path feature counts (as the parsers read it). */
export { canonicalWebPath as canonicalPath } from '../../parse/parsers/web-login';

export function isSensitivePath(canonical: string): boolean {
  for (const p of SENSITIVE_PREFIXES) {
    if (canonical === p || (canonical.startsWith(p) && /[/._?-]/.test(canonical.charAt(p.length)))) return true;
  }
  return false;
}

/** Login endpoints: a request to one of these that names a user is an authentication attempt. */
export function isLoginPath(canonical: string): boolean {
  return /(^|\/)(login|signin|sign_in|logon|auth|authenticate|session|sessions|token|wp-login\.php|xmlrpc\.php)(\/|\.|$)/.test(canonical);
}

/** Status codes that count as an error on a sensitive path: denied or server failure. */
export function isSensitiveErrorStatus(status: number): boolean {
  return status === 401 || status === 403 || status >= 500;
}

/**
 * Paths that only an exploit asks for (worm probes, command shells, PHP eval, traversal): a 2xx
 * answer to one of them means the probe may have worked.
 */
const EXPLOIT_PATH = /(root|cmd)\.exe|eval-stdin\.php|\/etc\/passwd|\.\.\/|%2e%2e%2f|\/shell\b|\/cgi-bin\/.*\b(sh|bash)\b|\/boaform\/|\/hnap1\b|\bwget\b|\bcurl\+/i;

export function isExploitPath(path: string): boolean {
  return EXPLOIT_PATH.test(path);
}
