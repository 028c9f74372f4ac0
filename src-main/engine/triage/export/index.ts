/**
 * Runs an export: reads labelled incidents one by one and their evidence a page at a time, writes
 * the chosen format through a file stream that it waits on when full (so memory stays flat), and
 * reports progress. It writes to `<file>.partial` and renames at the end, so a failed or cancelled
 * export never leaves half a file where the analyst expects a whole one.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { setImmediate as yieldNow } from 'node:timers/promises';
import type { Database } from 'better-sqlite3';
import { EXPORT_EXTENSIONS, type ExportFormat, type ExportLabel, type ExportProgress, type ExportResult } from '../../../../src-shared/contract-triage';
import { EngineError, ioError } from '../../errors';
import { createWriter } from './formats';
import { ExportSource } from './source';

export interface ExportOptions {
  format: ExportFormat;
  label: ExportLabel;
  /** Absolute target; default a new file in exportsDir. */
  path?: string;
  maxEvents: number;
  caseName: string;
  casePath: string;
  version: string;
  /** Where exports land by default (and what the browser host offers for download). */
  exportsDir: string;
  progress?: (p: ExportProgress) => void;
  signal?: AbortSignal;
}

/** Wait until a full stream drains; listeners are removed either way (no leak over many waits). */
function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      out.off('drain', onDrain);
      reject(err);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

export function defaultExportPath(o: Pick<ExportOptions, 'exportsDir' | 'caseName' | 'format' | 'label'>, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const name = o.caseName.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'case';
  return join(o.exportsDir, `${name}-${o.label}-${stamp}.${EXPORT_EXTENSIONS[o.format]}`);
}

/** Why an export would hold nothing. */
export function nothingToExport(label: ExportLabel): string {
  if (label === 'all') return 'Nothing to export: this case has no incidents.';
  return `Nothing to export: no incident of this case is labelled${label === 'any' ? '' : ` ${label === 'true' ? 'true' : 'benign'}`}.`;
}

export async function exportIncidents(db: Database, o: ExportOptions): Promise<ExportResult> {
  const t0 = performance.now();
  const target = resolve(o.path ?? defaultExportPath(o));
  const partial = `${target}.partial`;
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (err) {
    throw ioError(err, `The export folder ${dirname(target)}`);
  }
  const source = new ExportSource(db, o.label);
  const ids = source.ids();
  // The same answer in every format, and no file: an empty export is a mistake to say, not to write.
  if (ids.length === 0) throw new EngineError('not_found', nothingToExport(o.label));
  const writer = createWriter(o.format, {
    caseName: o.caseName,
    casePath: o.casePath,
    label: o.label,
    exportedAt: Date.now(),
    version: o.version,
    runId: randomUUID(),
  });

  const out = createWriteStream(partial, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  let failed: Error | null = null;
  out.on('error', (err) => (failed = err));
  let bytes = 0;
  const write = async (s: string) => {
    if (failed) throw failed;
    if (s === '') return;
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await drained(out);
  };
  const counts = { incidents: 0, events: 0 };
  let lastReport = 0;
  const report = (done: boolean) => {
    const now = performance.now();
    if (!done && now - lastReport < 250) return;
    lastReport = now;
    o.progress?.({ format: o.format, path: target, incidents: counts.incidents, events: counts.events, bytes, done });
  };

  try {
    await write(writer.head());
    for (const id of ids) {
      if (o.signal?.aborted) throw new EngineError('cancelled', `The export to ${target} was cancelled; nothing was kept.`);
      const found = source.incident(id);
      if (!found) continue;
      const { incident, evidence } = found;
      await write(writer.incident(incident, counts.incidents === 0, evidence.slice(0, o.maxEvents)));
      let n = 0;
      for (const page of source.events(evidence, o.maxEvents)) {
        if (o.signal?.aborted) throw new EngineError('cancelled', `The export to ${target} was cancelled; nothing was kept.`);
        let chunk = '';
        for (const ev of page) {
          chunk += writer.event(incident, ev, n === 0);
          n++;
        }
        await write(chunk);
        counts.events += page.length;
        report(false);
        // Let queries in between: an export of a big case must not freeze the workbench.
        await yieldNow();
      }
      await write(writer.incidentEnd(incident, n));
      counts.incidents++;
    }
    await write(writer.tail(counts));
    out.end();
    await Promise.race([once(out, 'finish'), once(out, 'error').then(([e]) => Promise.reject(e as Error))]);
    if (failed) throw failed;
    renameSync(partial, target);
  } catch (err) {
    out.destroy();
    rmSync(partial, { force: true });
    if (err instanceof EngineError) throw err;
    throw ioError(err, `Writing the export ${target}`);
  }
  report(true);
  const exportsDir = resolve(o.exportsDir);
  const rel = relative(exportsDir, target);
  return {
    path: target,
    format: o.format,
    incidents: counts.incidents,
    events: counts.events,
    bytes: statSync(target).size,
    ms: Math.round(performance.now() - t0),
    download: target.startsWith(exportsDir + sep) && !rel.includes(sep) ? basename(target) : null,
  };
}
