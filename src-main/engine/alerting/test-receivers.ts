/** Real receivers on 127.0.0.1 for alerting tests: an HTTP server and syslog over UDP and TCP. */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers each request with the next status of `statuses` (the last one repeats), 200 when empty. */
export class HttpReceiver {
  readonly requests: Received[] = [];
  private server: Server;
  private waiters: (() => void)[] = [];
  statuses: number[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '/', headers: req.headers, body });
        const status = this.statuses.length > 1 ? this.statuses.shift()! : (this.statuses[0] ?? 200);
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver says no');
        for (const w of this.waiters.splice(0)) w();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `n` requests (to `path`, if given) have arrived. */
  async waitFor(n: number, path?: string, timeoutMs = 15_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.requests.filter((r) => !path || r.path === path);
      if (got.length >= n) return got;
      if (Date.now() > deadline) throw new Error(`only ${got.length} of ${n} requests${path ? ` to ${path}` : ''} arrived`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export class SyslogReceiver {
  readonly messages: { proto: 'udp' | 'tcp'; data: string }[] = [];
  private udp: Socket = createSocket('udp4');
  private tcp: TcpServer = createTcpServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (buf += d));
    sock.on('end', () => this.messages.push({ proto: 'tcp', data: buf }));
  });

  async start(): Promise<{ udpPort: number; tcpPort: number }> {
    this.udp.on('message', (m) => this.messages.push({ proto: 'udp', data: m.toString('utf8') }));
    await new Promise<void>((r) => this.udp.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => this.tcp.listen(0, '127.0.0.1', r));
    return { udpPort: this.udp.address().port, tcpPort: (this.tcp.address() as AddressInfo).port };
  }

  async waitFor(proto: 'udp' | 'tcp', timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find((x) => x.proto === proto);
      if (m) return m.data;
      if (Date.now() > deadline) throw new Error(`no syslog message over ${proto}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    this.udp.close();
    await new Promise((r) => this.tcp.close(r));
  }
}
