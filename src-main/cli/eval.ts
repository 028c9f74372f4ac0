/**
 * `vigil eval`: behaviour models against labelled data, headless, on the same pipeline as the
 * workbench. Either a generated scenario (logs and truth written to a temp folder, imported into
 * a fresh case) or an existing case with a truth file. The run is stored in the case like one
 * started from the Experiments view.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ExperimentParamsInput, ExperimentRecord, KindMetrics } from '../../src-shared/contract-experiments';
import type { CaseInfo } from '../../src-shared/dto';
import type { Envelope } from '../../src-shared/envelope';
import { ATTACK_PATTERNS } from '../engine/detect/behaviour/detection';
import { InProcessEngineLink } from '../engine/link';
import { writeScenario } from '../engine/scenario/write';
import type { BuiltPaths } from '../host/paths';

const HELP = `Usage:
  vigil eval --scenario SEED [--days N] [--attacks N] [options]
      Generate a labelled scenario (auth.log, access.log, truth.json), import it into a fresh
      case through the whole pipeline, and measure the behaviour models against its truth.
  vigil eval --case FILE --truth truth.json [options]
      Measure on an existing case; the run is stored in the case (Experiments view).

Options:
  --trees N          Isolation Forest trees (default 100)
  --sample N         subsample size per tree (default 256)
  --seed N           forest seed (default 1)
  --threshold T      medium | high (the model's calibrated cut-offs) or a score in [0,1] (default medium)
  --name TEXT        name of the stored run (default "vigil eval")
  --out DIR          keep the scenario files and its case in DIR instead of a temp folder
  --min-f1 X         exit 1 unless every named pattern with ground truth reaches F1 >= X
  --json             print the run as JSON instead of tables
  -h, --help         this help

Exit status: 0 on success, 1 when --min-f1 is not met or the run fails, 2 on bad usage.
`;

class UsageError extends Error {}

function int(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got '${value}'`);
  return n;
}

function num(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in ${min}..${max}, got '${value}'`);
  return n;
}

export async function runEval(argv: string[], ctx: { paths: BuiltPaths; version: string }): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        days: { type: 'string' },
        attacks: { type: 'string' },
        case: { type: 'string' },
        truth: { type: 'string' },
        trees: { type: 'string' },
        sample: { type: 'string' },
        seed: { type: 'string' },
        threshold: { type: 'string' },
        name: { type: 'string' },
        out: { type: 'string' },
        'min-f1': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`vigil eval: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }

  let params: ExperimentParamsInput;
  let minF1: number | undefined;
  let scenarioSeed: number | undefined;
  let days: number | undefined;
  let attacks: number | undefined;
  try {
    if ((values.scenario === undefined) === (values.case === undefined)) throw new UsageError('give either --scenario SEED or --case FILE --truth FILE');
    if (values.case !== undefined && values.truth === undefined) throw new UsageError('--case needs --truth FILE (ground truth: attacks with pattern, IP and time span)');
    scenarioSeed = int('scenario', values.scenario, 0, 2 ** 31 - 1);
    days = int('days', values.days, 1, 60);
    attacks = int('attacks', values.attacks, 1, 50);
    const threshold =
      values.threshold === undefined || values.threshold === 'medium' || values.threshold === 'high' ? values.threshold : num('threshold', values.threshold, 0, 1);
    params = {
      ...(values.trees !== undefined && { trees: int('trees', values.trees, 1, 1000) }),
      ...(values.sample !== undefined && { sampleSize: int('sample', values.sample, 2, 65_536) }),
      ...(values.seed !== undefined && { seed: int('seed', values.seed, 0, 2 ** 31 - 1) }),
      ...(threshold !== undefined && { threshold: threshold as 'medium' | 'high' | number }),
    };
    minF1 = num('min-f1', values['min-f1'], 0, 1);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`vigil eval: ${err.message}\n\n${HELP}`);
    return 2;
  }

  const work = values.out ? resolve(values.out) : mkdtempSync(join(tmpdir(), 'vigil-eval-'));
  mkdirSync(work, { recursive: true });
  // A private data dir: evaluating never touches the analyst's recent cases.
  const link = new InProcessEngineLink({ dataDir: join(work, 'data'), version: ctx.version, rulesDir: ctx.paths.rulesDir });
  const call = async <T>(method: string, input: unknown = {}): Promise<T> => {
    const reply = (await link.request(method, input)) as Envelope<T>;
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.value;
  };

  try {
    let truthPath: string;
    let source: Record<string, unknown>;
    if (scenarioSeed !== undefined) {
      const w = writeScenario(join(work, `scenario-${scenarioSeed}`), { seed: scenarioSeed, days, attacksPerPattern: attacks });
      // Yearless syslog stamps take their year from the file's mtime, as with real logs.
      const end = new Date(w.scenario.end);
      for (const f of [w.authLog, w.accessLog]) utimesSync(f, end, end);
      truthPath = w.truthFile;
      const casePath = join(work, `scenario-${scenarioSeed}.vigil`);
      if (existsSync(casePath)) rmSync(casePath);
      await call('cases.create', { name: `scenario ${scenarioSeed}`, path: casePath });
      await call('ingest.startImport', { paths: [w.authLog, w.accessLog] });
      source = { kind: 'scenario', seed: scenarioSeed, days: days ?? 3, dir: w.dir, case: casePath, attacks: w.scenario.truth.length };
      if (!values.json) process.stderr.write(`Scenario seed ${scenarioSeed}: ${w.scenario.truth.length} planted attacks, files in ${values.out ? w.dir : 'a temp folder'}; importing…\n`);
    } else {
      const casePath = resolve(values.case!);
      if (!existsSync(casePath)) throw new Error(`no case at ${casePath}`);
      await call('cases.open', { path: casePath });
      truthPath = resolve(values.truth!);
      source = { kind: 'case', case: casePath };
    }
    // The run queues behind the imports and their detection passes.
    const run = await call<ExperimentRecord>('experiments.runExperiment', { name: values.name ?? 'vigil eval', truthPath, params });
    const info = await call<CaseInfo | null>('cases.getCurrent');
    source.events = info?.eventCount ?? 0;

    const judged = ATTACK_PATTERNS.map((p) => run.patterns[p]).filter((s) => s !== undefined && s.truths > 0);
    const worstF1 = judged.length > 0 ? Math.min(...judged.map((s) => s!.f1)) : null;
    const met = minF1 === undefined || (worstF1 !== null && worstF1 >= minF1);

    if (values.json) {
      process.stdout.write(JSON.stringify({ source, run, minF1: minF1 === undefined ? null : { required: minF1, worst: worstF1, met } }, null, 2) + '\n');
    } else {
      process.stdout.write(report(run, source));
      if (minF1 !== undefined) process.stdout.write(`\nLowest pattern F1 ${fmt(worstF1)} ${met ? '>=' : '<'} --min-f1 ${minF1}: ${met ? 'met' : 'NOT MET'}\n`);
    }
    return met ? 0 : 1;
  } catch (err) {
    process.stderr.write(`vigil eval: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await link.close();
    if (!values.out) rmSync(work, { recursive: true, force: true });
  }
}

function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined ? '—' : x.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

function report(run: ExperimentRecord, source: Record<string, unknown>): string {
  const out: string[] = [];
  const where = source.kind === 'scenario' ? `scenario seed ${String(source.seed)} (${String(source.days)} days)` : String(source.case);
  out.push(`Experiment #${run.id} "${run.name}" on ${where}: ${String(source.events)} events, ${run.labels.attacks} ground-truth attacks`);
  out.push(`model ${run.modelVersion}, features ${run.featureSet}, ${Object.entries(run.params).map(([k, v]) => `${k}=${String(v)}`).join(' ')}\n`);
  out.push('Named patterns (alerts against ground truth)');
  out.push(
    table(
      ['pattern', 'detections', 'truths', 'tp', 'fp', 'fn', 'precision', 'recall', 'f1'],
      ATTACK_PATTERNS.map((p) => {
        const s = run.patterns[p];
        return s ? [p, String(s.detections), String(s.truths), String(s.tp), String(s.fp), String(s.fn), fmt(s.precision), fmt(s.recall), fmt(s.f1)] : [p, '—', '—', '—', '—', '—', '—', '—', '—'];
      }),
    ),
  );
  out.push('Isolation Forest (groups labelled attack when their IP is an attack source during the group)');
  const kinds = Object.values(run.kinds) as KindMetrics[];
  out.push(
    table(
      ['kind', 'groups', 'attack', 'trained on', 'threshold', 'precision', 'recall', 'f1', 'roc-auc', 'pr-auc', 'train ms'],
      kinds.map((k) => [k.kind, String(k.rows), String(k.positives), String(k.trainRows), fmt(k.threshold), fmt(k.precision), fmt(k.recall), fmt(k.f1), fmt(k.rocAuc), fmt(k.prAuc), k.trainMs.toFixed(0)]),
    ),
  );
  for (const w of run.warnings) out.push(`warning: ${w}`);
  return out.join('\n') + '\n';
}
