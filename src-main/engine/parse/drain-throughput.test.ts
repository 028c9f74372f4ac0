/**
 * Throughput of masking + Drain + entity extraction, printed, never asserted (a shared machine
 * is too noisy for timing assertions). Run with:
 *   VIGIL_BENCH=1 npx vitest run src-main/engine/parse/drain-throughput
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { emptyEvent, type NormalizedEvent } from '../../../src-shared/event';
import { SHARED_DATA } from '../../../test/paths';
import { Drain } from './drain';
import { extractEntities } from './entities';
import { loadLoghubDataset, LOGHUB_DATASETS } from './loghub';
import { maskMessage } from './mask';

const TARGET = 1_000_000;

/** A stand-in for the syslog parser (not under test here): "Mon dd hh:mm:ss host app[pid]: msg". */
function authEvents(): NormalizedEvent[] {
  const file = join(SHARED_DATA, 'elastic', 'auth.log');
  const out: NormalizedEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const m = /^\S+ +\d+ [\d:]+ (\S+) ([^[:\s]+)(?:\[(\d+)\])?: ?(.*)$/.exec(line);
    const ev = emptyEvent(line, 'auth.log');
    if (m) {
      ev.host = m[1] as string;
      ev.app = m[2] as string;
      ev.pid = m[3] ? Number(m[3]) : null;
      ev.message = m[4] as string;
    }
    out.push(ev);
  }
  return out;
}

function loghubEvents(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (const name of LOGHUB_DATASETS) {
    for (const c of loadLoghubDataset(join(SHARED_DATA, 'loghub-2k'), name).contents) out.push(emptyEvent(c, name));
  }
  return out;
}

function repeat<T>(items: T[]): T[] {
  const out: T[] = [];
  while (out.length < TARGET) for (const x of items) out.push(x);
  return out;
}

/** Wall-clock rate, and the rate over this process's CPU time (less distorted on a busy machine). */
function measure(n: number, body: () => void): string {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  body();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const fmt = (ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  return `${fmt(wallMs)}/s wall, ${fmt(cpuMs)}/s cpu`;
}

function run(label: string, events: NormalizedEvent[]): void {
  for (let round = 0; round < 3; round++) {
    const mask = measure(events.length, () => {
      for (const ev of events) maskMessage(ev.message);
    });
    const drain = new Drain();
    const drainOnly = measure(events.length, () => {
      for (const ev of events) drain.add(ev.message);
    });
    const drain2 = new Drain();
    let entities = 0;
    const both = measure(events.length, () => {
      for (const ev of events) {
        const m = maskMessage(ev.message, drain2.options.maxTokens);
        const r = drain2.addMasked(ev.message, m);
        ev.template_id = r.clusterId;
        entities += extractEntities(ev, m).length;
      }
    });
    console.log(
      `${label} x${events.length} round ${round + 1}: mask ${mask} | mask+drain ${drainOnly} | mask+drain+entities ${both} ` +
        `(${drain.size} templates, ${(entities / events.length).toFixed(2)} entities/line)`,
    );
  }
}

describe.skipIf(!process.env.VIGIL_BENCH || !existsSync(SHARED_DATA))('throughput', () => {
  it('auth.log and loghub repeated to ~1M lines', () => {
    run('auth.log', repeat(authEvents()));
    run('loghub-6', repeat(loghubEvents()));
  }, 600_000);
});
