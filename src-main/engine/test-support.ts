/** Helpers for engine tests: a real engine on a real case file in a temp folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { EventName } from '../../src-shared/contract';
import type { Envelope } from '../../src-shared/envelope';
import { InProcessEngineLink } from './link';
import { ROOT } from '../../test/paths';

export function tempDir(prefix = 'vigil-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeLines(dir: string, name: string, lines: string[], eol = '\n'): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join(eol) + eol);
  return p;
}

export class TestEngine {
  readonly link: InProcessEngineLink;
  readonly events: { name: string; payload: unknown }[] = [];

  constructor(readonly dataDir = tempDir()) {
    this.link = new InProcessEngineLink({ dataDir, version: 'test', rulesDir: join(ROOT, 'resources', 'sigma') });
    this.link.onEvent((name, payload) => this.events.push({ name, payload }));
  }

  async call<T = unknown>(method: string, input: unknown = {}): Promise<T> {
    const reply = (await this.link.request(method, input)) as Envelope<T>;
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.value;
  }

  raw(method: string, input: unknown = {}): Promise<Envelope<unknown>> {
    return this.link.request(method, input);
  }

  /** Resolve with the payload of the next event of that name that satisfies `match`. */
  next<T>(name: EventName, match: (payload: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} event within ${timeoutMs} ms`)), timeoutMs);
      const off = this.link.onEvent((n, payload) => {
        if (n === name && match(payload as T)) {
          clearTimeout(timer);
          off();
          resolve(payload as T);
        }
      });
    });
  }
}

/** A stream that keeps what is written to it, for commands that take their output streams. */
export function capture(): { stream: Writable; text(): string } {
  let out = '';
  return {
    stream: new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    }),
    text: () => out,
  };
}
