/**
 * The Host header, checked before it is trusted anywhere. Bound to loopback, the host answers
 * only to loopback names: a web page on evil.example whose DNS record is switched to 127.0.0.1
 * (DNS rebinding) reaches the port, but its requests say `Host: evil.example` and are refused, so
 * the page cannot read the workbench as if it were same-origin. Bound beyond loopback, any name
 * may be used, but only a well-formed one is ever copied anywhere (the CSP's connect-src).
 */

const NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const BRACKETED_IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host) || /^::ffff:127(?:\.\d{1,3}){3}$/i.test(host);
}

/** `name` and `port` of a well-formed Host header value, or null. */
export function parseHost(value: string | undefined): { name: string; port: string | null } | null {
  if (value === undefined || value.length === 0 || value.length > 261) return null;
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return null;
  const name = m[1]!;
  if (!(NAME.test(name) || IPV4.test(name) || BRACKETED_IPV6.test(name))) return null;
  return { name, port: m[2] ?? null };
}

/**
 * Why a request's Host header is refused, or null when it is fine. `boundTo` is the address the
 * host listens on. A request without Host (HTTP/1.0 tools) is let through: browsers always send it.
 */
export function hostRefusal(value: string | undefined, boundTo: string): string | null {
  if (value === undefined) return null;
  const host = parseHost(value);
  if (host === null) return 'The Host header is not a host name';
  if (isLoopbackAddress(boundTo) && !isLoopbackName(host.name)) {
    return `This Vigil host listens on loopback and answers only to localhost, 127.0.0.1 or [::1], not ${host.name}`;
  }
  return null;
}

function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'localhost' || n === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(n);
}

/** The WebSocket source for the CSP's connect-src, from a Host header only if it is well formed. */
export function webSocketSource(value: string | undefined): string[] {
  return parseHost(value) === null ? [] : [`ws://${value}`];
}
