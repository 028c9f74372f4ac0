/**
 * Throughput of SigmaEngine.evaluate over real auth and access lines (bundled + shared rules).
 * Run: npx rolldown src-main/engine/sigma/bench/sigma-bench.ts --platform node --format esm \
 *        -d /tmp/sigma-bench && node /tmp/sigma-bench/sigma-bench.js
 * The lines are turned into events by a throwaway regex parser here, not the product parsers.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import { SigmaEngine } from '../engine';

const root = resolve(process.argv[2] ?? '.');
const shared = resolve(root, '..', 'shared', 'data');

const SYSLOG = /^(\w{3}\s+\d+ \d\d:\d\d:\d\d) (\S+) ([\w./-]+)(?:\[(\d+)\])?: (.*)$/;
const ACCESS = /^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+)[^"]*" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"/;

function authEvents(): NormalizedEvent[] {
  const lines = readFileSync(join(shared, 'elastic', 'auth.log'), 'utf8').split('\n').filter(Boolean);
  return lines.map((raw, i) => {
    const e = emptyEvent(raw, 'auth.log');
    const m = SYSLOG.exec(raw);
    e.id = i + 1;
    e.ts = Date.UTC(2024, 0, 1) + i * 1000;
    e.parser = 'auth';
    e.logsource = { product: 'linux', service: 'auth', category: null };
    if (m) {
      e.host = m[2]!;
      e.app = m[3]!;
      e.pid = m[4] ? Number(m[4]) : null;
      e.message = m[5]!;
      e.src_ip = /from (\d+\.\d+\.\d+\.\d+)/.exec(e.message)?.[1] ?? null;
      e.user = /(?:for(?: invalid user)?|user) (\S+)/.exec(e.message)?.[1] ?? null;
    }
    return e;
  });
}

function accessEvents(): NormalizedEvent[] {
  const lines = readFileSync(join(shared, 'elastic', 'apache_access.log'), 'utf8').split('\n').filter(Boolean);
  return lines.map((raw, i) => {
    const e = emptyEvent(raw, 'access.log');
    e.id = i + 1;
    e.ts = Date.UTC(2024, 0, 1) + i * 100;
    e.parser = 'access';
    e.logsource = { product: 'apache', service: 'access', category: 'webserver' };
    const m = ACCESS.exec(raw);
    if (m) {
      e.src_ip = m[1]!;
      e.method = m[4]!;
      e.path = m[5]!;
      e.status = Number(m[6]);
      e.bytes = m[7] === '-' ? null : Number(m[7]);
      e.user_agent = m[9]!;
      if (m[8] !== '-') e.fields = { referrer: m[8]! };
    }
    return e;
  });
}

async function main(): Promise<void> {
  const engine = new SigmaEngine();
  const t0 = performance.now();
  const a = await engine.loadPack(join(root, 'resources', 'sigma'));
  const b = await engine.loadPack(join(shared, 'sigma-rules', 'rules'));
  console.log(`loaded ${a.loaded.length + b.loaded.length} rules (${a.failed.length + b.failed.length} failed) in ${(performance.now() - t0).toFixed(0)} ms`);
  for (const [name, events] of [['auth', authEvents()], ['access', accessEvents()]] as const) {
    const rounds = Math.ceil(400_000 / events.length);
    let matches = 0;
    // Warm-up, then timed rounds; ids and times shift per round so correlations see new data.
    for (const e of events) engine.evaluate(e);
    engine.resetState();
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    let n = 0;
    for (let r = 0; r < rounds; r++) {
      const shift = 86_400_000 * 30;
      for (const e of events) {
        e.ts = e.ts! + shift; // in place: copying events would measure the copy, not the engine
        matches += engine.evaluate(e).length;
        n++;
      }
    }
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    // CPU time is reported too: on a shared machine wall time also measures the neighbours.
    console.log(`${name}: ${n} events, wall ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000).toLocaleString('en')} ev/s; cpu ${cpuMs.toFixed(0)} ms = ${Math.round((n / cpuMs) * 1000).toLocaleString('en')} ev/s; ${matches} matches`);
  }
  const hits = Object.entries(engine.hitCounts()).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]);
  console.log('rules with hits:', hits.slice(0, 15));
}

void main();
