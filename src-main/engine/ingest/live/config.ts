/**
 * The collector's configuration, validated with zod so the panel, the CLI and a saved case all go
 * through one set of rules. Every section has defaults: `{}` is a valid configuration (UDP and
 * TCP syslog on 127.0.0.1:5514). Everything binds to loopback unless the analyst says otherwise.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;

const host = z
  .string()
  .refine((h) => isIP(h) !== 0, { message: 'must be an IP address, e.g. 127.0.0.1, 0.0.0.0 (all IPv4), ::1 or :: (all addresses)' });
/** 0 asks the system for a free port (tests, benchmarks). */
const port = z.number().int().min(0).max(65535);

export function isLoopback(h: string): boolean {
  return h === '::1' || h.startsWith('127.') || h.startsWith('::ffff:127.');
}

const udp = z.object({
  enabled: z.boolean().default(true),
  host: host.default('127.0.0.1'),
  port: port.default(5514),
  maxMessageBytes: z.number().int().min(256).max(65535).default(64 * KiB - 1),
  /** Asked of the kernel, which may cap it (Linux: net.core.rmem_max). */
  recvBufferSize: z.number().int().min(64 * KiB).max(256 * MiB).default(32 * MiB),
});

const stream = {
  host: host.default('127.0.0.1'),
  maxFrameBytes: z.number().int().min(256).max(64 * MiB).default(64 * KiB),
  maxConnections: z.number().int().min(1).max(10_000).default(256),
  /** Connections one sender (an IPv4 address or an IPv6 /64) may hold at once. */
  maxConnectionsPerSender: z.number().int().min(1).max(10_000).default(16),
  /** A connection that sends nothing for this long is closed; 0 keeps quiet connections open. */
  idleTimeoutMs: z.number().int().min(0).max(86_400_000).default(600_000),
  /** A TLS handshake, or a frame once begun, must be complete within this time. */
  readTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
};

const tcp = z.object({ enabled: z.boolean().default(true), port: port.default(5514), ...stream });

const tls = z
  .object({
    enabled: z.boolean().default(false),
    port: port.default(6514),
    ...stream,
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    requireClientCert: z.boolean().default(false),
  })
  .refine((t) => !t.enabled || (t.certFile !== undefined && t.keyFile !== undefined), {
    message: 'TLS syslog needs certFile and keyFile (PEM files of the certificate and its private key)',
  })
  .refine((t) => !t.requireClientCert || t.caFile !== undefined, { message: 'requireClientCert needs caFile to verify client certificates against' });

const httpAuth = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('bearer'), token: z.string().min(16, 'a bearer token must be at least 16 characters') }),
  z.object({
    kind: z.literal('hmac'),
    secret: z.string().min(16, 'an HMAC secret must be at least 16 characters'),
    header: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name').default('x-hub-signature-256'),
  }),
]);

const http = {
  host: host.default('127.0.0.1'),
  maxBodyBytes: z.number().int().min(KiB).max(256 * MiB).default(16 * MiB),
  auth: httpAuth.default({ kind: 'none' }),
};

/** Receivers reachable from other machines must authenticate their callers. */
const authIfExposed = (r: { enabled: boolean; host: string; auth: { kind: string } }): boolean => !r.enabled || isLoopback(r.host) || r.auth.kind !== 'none';
const exposedMessage = 'a receiver listening beyond loopback needs auth (a bearer token or an HMAC secret)';

const otlp = z
  .object({ enabled: z.boolean().default(false), port: port.default(4318), ...http })
  .refine(authIfExposed, { message: exposedMessage });

const webhook = z
  .object({
    enabled: z.boolean().default(false),
    port: port.default(8089),
    path: z.string().regex(/^\/[\w\-./]*$/, 'must be a URL path such as /webhook').default('/webhook'),
    ...http,
  })
  .refine(authIfExposed, { message: exposedMessage });

const tail = z
  .object({
    enabled: z.boolean().default(false),
    paths: z.array(z.string().min(1)).max(256).default([]),
    pollIntervalMs: z.number().int().min(50).max(60_000).default(1000),
    startAt: z.enum(['beginning', 'end']).default('end'),
    maxLineBytes: z.number().int().min(256).max(64 * MiB).default(1 * MiB),
    fingerprintBytes: z.number().int().min(16).max(64 * KiB).default(1024),
    maxFiles: z.number().int().min(1).max(10_000).default(256),
    readChunkBytes: z.number().int().min(4 * KiB).max(16 * MiB).default(256 * KiB),
  })
  .refine((t) => !t.enabled || t.paths.length > 0, { message: 'file tail needs at least one file or glob in paths' });

const queue = z.object({
  maxMessages: z.number().int().min(1).max(10_000_000).default(100_000),
  maxBytes: z.number().int().min(64 * KiB).max(4096 * MiB).default(64 * MiB),
});

const stats = z.object({
  recentLines: z.number().int().min(0).max(1000).default(50),
  topSenders: z.number().int().min(1).max(10_000).default(64),
  rateWindowSeconds: z.number().int().min(2).max(300).default(10),
});

/** Which header times are believed (sender-clocks.ts). */
const time = z.object({
  /**
   * A header time up to this many days before its receive time is the event's time: a forwarder
   * catching up after an outage keeps its backlog's times. Older ones take the receive time.
   */
  trustWindowDays: z.number().min(0.01).max(3650).default(7),
});

export const collectorConfigSchema = z.object({
  udp: udp.prefault({}),
  tcp: tcp.prefault({}),
  tls: tls.prefault({}),
  otlp: otlp.prefault({}),
  webhook: webhook.prefault({}),
  tail: tail.prefault({}),
  queue: queue.prefault({}),
  stats: stats.prefault({}),
  time: time.prefault({}),
});

/** The configuration as the analyst writes it: every field optional. */
export type CollectorConfigInput = z.input<typeof collectorConfigSchema>;
/** The configuration with every default filled in. */
export type CollectorConfig = z.output<typeof collectorConfigSchema>;
