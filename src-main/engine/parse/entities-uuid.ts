/**
 * Name-based UUIDs, version 5 (RFC 9562 §5.5): SHA-1 over namespace bytes + UTF-8 name, first 16
 * bytes, version and variant bits set. Deterministic, so an entity gets the same id in every case.
 */
import { createHash } from 'node:crypto';

/** RFC 9562 Appendix A namespace for fully qualified domain names. */
export const NAMESPACE_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

/**
 * Vigil's entity namespace, itself uuidv5(NAMESPACE_URL, "urn:vigil:entity") so that anyone can
 * re-derive it. Never change it: every stored entity id depends on it.
 */
export const VIGIL_ENTITY_NAMESPACE = 'f62285f0-05d6-5fb1-a752-e1759388120e';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

const namespaceCache = new Map<string, Buffer>();

export function uuidV5(name: string, namespace: string): string {
  let ns = namespaceCache.get(namespace);
  if (!ns) {
    ns = uuidBytes(namespace);
    namespaceCache.set(namespace, ns);
  }
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
