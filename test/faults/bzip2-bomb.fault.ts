/**
 * bzip2 bombs: 1,522 bytes that expand to 2 GiB of zeros, and 177 bytes that expand to 200 MiB
 * (`head -c 2G /dev/zero | bzip2 -9`, and 200M, in fixtures/). Read as an import reads them (the
 * archive walk with its bomb guard) in a child process, each is refused within 2 s with the
 * process under 300 MB at its peak (VmHWM: everything since it started). Imported into a case by
 * a real engine in a child process, the import ends `done` with the refusal in its report and the
 * engine stays under 300 MB too. Before the decoder could stop between pieces, the 2 GiB bomb ran
 * for minutes at 1.4-3.5 GB and the 200 MiB one was refused after 27 s at 2.48 GB.
 *
 * Prints `[bzip2-bomb] {...}` per bomb: `npm run test:faults -- bzip2-bomb`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../src-shared/dto';
import { tempDir } from '../../src-main/engine/test-support';
import { ROOT } from '../paths';
import { waitFor } from './support';

const MAX_REFUSAL_MS = 2000;
const MAX_PEAK_RSS_MB = 300;
/** The import also stores what inflated before the refusal (64 MiB of NULs, as 1 MiB lines). */
const MAX_IMPORT_MS = 10_000;

/** Walks one file as an import does, then prints the time, the refusal and the peak memory. */
const WALK = `
import { readFileSync } from 'node:fs';
import { walkMembers } from ${JSON.stringify(join(ROOT, 'src-main', 'engine', 'ingest', 'members.ts'))};
const t0 = performance.now();
let bytes = 0;
const notes = [];
for await (const m of walkMembers(process.argv[1], { onSkip: (s) => notes.push(s.name + ': ' + s.reason) })) for await (const c of m.stream) bytes += c.length;
const ms = performance.now() - t0;
const peakKb = Number(/^VmHWM:\\s+(\\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
process.stdout.write(JSON.stringify({ ms, bytes, notes, peakMb: Math.round(peakKb / 1024) }));
`;

let kill: (() => void) | null = null;
afterEach(() => {
  kill?.();
  kill = null;
});

/** Peak and current resident memory of a process, from Linux's /proc; null elsewhere. */
function memoryOf(pid: number): { peakMb: number; rssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { peakMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024) };
  } catch {
    return null;
  }
}

async function importInChild(file: string): Promise<{ job: ImportJob; wallMs: number; peakMb: number | null; readyPeakMb: number | null }> {
  const dir = tempDir('vigil-bomb-');
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'faults', 'engine-child.ts'), 'import', dir, join(dir, 'bomb.vigil'), file], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  kill = () => proc.kill('SIGKILL');
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += String(d)));
  let readyAt = 0;
  let readyPeakMb: number | null = null;
  let job: ImportJob | null = null;
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const m = JSON.parse(line) as { ready?: boolean; pid?: number; event?: string; payload?: unknown; error?: string };
    if (m.ready) {
      readyAt = performance.now();
      readyPeakMb = memoryOf(proc.pid!)?.peakMb ?? null;
    }
    if (m.event === 'ingest.finished') job = m.payload as ImportJob;
    if (m.error) stderr += m.error;
  });
  const finished = await waitFor('the import to finish', () => job ?? (proc.exitCode !== null ? Promise.reject(new Error(stderr)) : undefined), 120_000, 5);
  const wallMs = performance.now() - readyAt;
  const peakMb = memoryOf(proc.pid!)?.peakMb ?? null;
  proc.kill('SIGKILL');
  return { job: finished, wallMs, peakMb, readyPeakMb };
}

function walkInChild(file: string): Promise<{ ms: number; bytes: number; notes: string[]; peakMb: number | null }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WALK, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += String(d)));
    proc.stderr.on('data', (d) => (err += String(d)));
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the walk exited ${code}: ${err}`));
      const r = JSON.parse(out) as { ms: number; bytes: number; notes: string[]; peakMb: number };
      resolve({ ...r, peakMb: Number.isFinite(r.peakMb) ? r.peakMb : null });
    });
  });
}

describe('bzip2 bombs', () => {
  for (const [fixture, expands] of [
    ['zeros-2gib.bz2', '2 GiB'],
    ['zeros-200mib.bz2', '200 MiB'],
  ] as const) {
    const file = join(ROOT, 'test', 'faults', 'fixtures', fixture);
    it(`the archive walk refuses ${fixture} (expands to ${expands}) within ${MAX_REFUSAL_MS} ms and ${MAX_PEAK_RSS_MB} MB`, async () => {
      const walk = await walkInChild(file);
      console.log(`[bzip2-bomb] walk ${JSON.stringify({ fixture, compressedBytes: readFileSync(file).length, expands, refusedAfterMs: Math.round(walk.ms), inflatedBeforeRefusal: walk.bytes, peakRssMb: walk.peakMb, note: walk.notes[0] })}`);
      expect(walk.notes.join('\n')).toMatch(new RegExp(`${fixture.replace('.', '\\.')}: inflates \\d+x: refused as a likely decompression bomb`));
      expect(walk.bytes).toBeLessThan(80 * 1024 ** 2);
      expect(walk.ms).toBeLessThan(MAX_REFUSAL_MS);
      if (walk.peakMb !== null) expect(walk.peakMb).toBeLessThan(MAX_PEAK_RSS_MB);
    });

    it(`an import of ${fixture} ends done with the refusal noted, the engine under ${MAX_PEAK_RSS_MB} MB`, async () => {
      const { job, wallMs, peakMb, readyPeakMb } = await importInChild(file);
      const importMs = (job.finishedAt ?? 0) - job.startedAt;
      console.log(
        `[bzip2-bomb] import ${JSON.stringify({ fixture, compressedBytes: readFileSync(file).length, expands, status: job.status, importMs, wallMs: Math.round(wallMs), engineReadyPeakRssMb: readyPeakMb, peakRssMb: peakMb, note: job.notes[0] ?? job.error })}`,
      );
      expect(job.status).toBe('done');
      expect(job.notes.join('\n')).toMatch(new RegExp(`${fixture.replace('.', '\\.')}: inflates \\d+x: refused as a likely decompression bomb`));
      // Only what inflated before the guard stopped it: zeros, a few capped lines at most.
      expect(job.lines).toBeLessThanOrEqual(128);
      expect(importMs).toBeLessThan(MAX_IMPORT_MS);
      if (peakMb !== null) expect(peakMb).toBeLessThan(MAX_PEAK_RSS_MB);
    });
  }
});
