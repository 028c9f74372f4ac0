/**
 * Issue 7's bar: evaluation of the bundled plus the shared SigmaHQ rules on auth and access
 * events, in events per second. Events come from the product's own parsers, prepared first.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { NormalizedEvent } from '../src-shared/event';
import { SourceNormalizer, newDrain } from '../src-main/engine/pipeline/normalize';
import { SigmaEngine } from '../src-main/engine/sigma';
import { ROOT, SHARED_DATA } from '../test/paths';

function ruleFiles(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(name)) out.push({ path: relative(dir, p), text: readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

function events(file: string, target: number): NormalizedEvent[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const s = new SourceNormalizer(newDrain(), { name: file, format: 'auto', head: lines.slice(0, 50), referenceTime: statSync(file).mtimeMs });
  const base = lines.map((l) => s.line(l).event);
  const out: NormalizedEvent[] = [];
  let id = 1;
  while (out.length < target) for (const e of base) out.push({ ...e, id: id++ });
  return out;
}

function rate(engine: SigmaEngine, evs: NormalizedEvent[]): number {
  const t0 = performance.now();
  for (const e of evs) engine.evaluate(e);
  return Math.round(evs.length / ((performance.now() - t0) / 1000));
}

export async function sigmaThroughput(): Promise<Record<string, number>> {
  const engine = new SigmaEngine();
  engine.loadFiles(ruleFiles(join(ROOT, 'resources', 'sigma')), 'bundled');
  engine.loadFiles(ruleFiles(join(SHARED_DATA, 'sigma-rules', 'rules')), 'sigmahq');
  const auth = events(join(SHARED_DATA, 'elastic', 'auth.log'), 300_000);
  const access = events(join(SHARED_DATA, 'elastic', 'apache_access.log'), 300_000);
  rate(engine, auth.slice(0, 20_000)); // warm up the JIT
  return { rules: engine.rules().length, auth_events_per_s: rate(engine, auth), access_events_per_s: rate(engine, access) };
}
