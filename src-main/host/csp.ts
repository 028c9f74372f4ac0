/**
 * One content security policy for both hosts: only our own scripts, no inline code, no remote
 * anything. `reportUri` (the Node host's /csp-report) makes the browser report every violation.
 */
export function contentSecurityPolicy(connectSources: string[] = [], reportUri?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${connectSources.join(' ')}`.trim(),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    ...(reportUri ? [`report-uri ${reportUri}`] : []),
  ].join('; ');
}
