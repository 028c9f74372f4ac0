/** Path families and service names: the targets that population detectors key on. */

const ID_SEGMENT = /^(\d+|[0-9a-f]{8,}|[0-9a-f-]{32,36}|[^.]*\d{3,}[^.]*)$/i;

/**
 * The family of a canonical path (no query, lower case): its first two segments with ids
 * masked, and `/*` when it goes deeper. `/api/v1/users/42` -> `/api/v1/*`, `/shop/item/1001` ->
 * `/shop/item/*`, `/scripts/root.exe` -> `/scripts/*`, `/login` -> `/login`.
 */
export function pathFamily(path: string): string {
  if (path === '' || path === '/') return '/';
  const parts = path.split('/').filter((p) => p !== '');
  const head = parts.slice(0, 2).map((p) => (ID_SEGMENT.test(p) ? '*' : p));
  return '/' + head.join('/') + (parts.length > 2 ? '/*' : '');
}

/** `sshd@web01`: what a host's service is called in population findings. */
export function serviceName(app: string | null, host: string | null): string {
  return `${app ?? 'auth'}@${host ?? 'unknown'}`;
}
