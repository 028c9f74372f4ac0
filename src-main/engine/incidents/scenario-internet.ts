/**
 * Runs an internet scenario (scenario/internet) through the real engine, from its rotated,
 * slightly disordered files in a folder with a README, and scores the queue against the truth:
 * the queue's rows (campaigns standing for their members), each campaign's members, and which
 * truth each row covers.
 */
import { join } from 'node:path';
import type { CampaignMember, IncidentDetail, IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { StartImportResult } from '../../../src-shared/dto';
import type { InternetKind } from '../scenario/internet/generate';
import type { InternetTruth } from '../scenario/internet/truth';
import { type WrittenInternetScenario, writeInternetScenario } from '../scenario/internet/write';
import { TestEngine, tempDir } from '../test-support';

export interface InternetRun {
  written: WrittenInternetScenario;
  rows: IncidentRow[];
  members: Map<string, CampaignMember[]>;
  engine: TestEngine;
  casePath: string;
}

export async function runInternetScenario(
  seed: number,
  kind: InternetKind,
  opts: { days?: number; bots?: number } = {},
): Promise<InternetRun> {
  const dir = tempDir('vigil-net-');
  const written = writeInternetScenario(join(dir, 'logs'), seed, kind, opts);
  const engine = new TestEngine(join(dir, 'data'));
  const casePath = join(dir, `internet-${kind}-${seed}.vigil`);
  await engine.call('cases.create', { name: `internet ${kind} ${seed}`, path: casePath });
  const started = await engine.call<StartImportResult>('ingest.startImport', { paths: [written.dir] });
  const last = started.jobs[started.jobs.length - 1]!.id;
  await engine.next<{ importId: number | null }>('detect.finished', (r) => r.importId === last, 600_000);
  const page = await engine.call<IncidentsPage>('incidents.list', { limit: 10_000 });
  const members = new Map<string, CampaignMember[]>();
  for (const r of page.rows)
    if (r.kind === 'campaign')
      members.set(r.id, (await engine.call<IncidentDetail>('incidents.get', { id: r.id, evidenceLimit: 0 })).members);
  return { written, rows: page.rows, members, engine, casePath };
}

const SLACK_MS = 10 * 60_000;

/** Does this queue row stand for this truth: the address itself, a member of the campaign, or the target that failed? */
export function covers(row: IncidentRow, members: readonly CampaignMember[], t: InternetTruth): boolean {
  const overlaps = (a: number | null, b: number | null) => (a ?? 0) <= t.end + SLACK_MS && (b ?? 0) >= t.start - SLACK_MS;
  if (t.keyKind === 'target')
    return row.groupKey.startsWith('target:') && row.groupKey.endsWith(` ${t.key}`) && overlaps(row.firstTs, row.lastTs);
  if (row.groupKey === `ip:${t.key}`) return overlaps(row.firstTs, row.lastTs);
  return members.some((m) => m.ip === t.key && !m.lifted && overlaps(m.firstTs, m.lastTs));
}

export interface InternetScore {
  truths: number;
  found: number;
  recall: number;
  /** Rows of an attack category (auth_attack, scanner, app_error) in the queue. */
  attackRows: number;
  truePositives: number;
  precision: number;
  missed: string[];
  falsePositives: string[];
  /** Truths found only in a row of another category. */
  wrongCategory: string[];
}

export const ATTACK_ROW_CATEGORIES = ['auth_attack', 'scanner', 'app_error'];

/**
 * Recall: truths that some queue row of the right category covers. Precision: queue rows of an
 * attack category that cover at least one truth of their category (a campaign of 200 bots is one
 * true row, not 200).
 */
export function scoreInternet(
  rows: readonly IncidentRow[],
  members: ReadonlyMap<string, CampaignMember[]>,
  truth: readonly InternetTruth[],
): InternetScore {
  const missed: string[] = [];
  const wrong: string[] = [];
  let found = 0;
  for (const t of truth) {
    const hit = rows.some((r) => r.category === t.category && covers(r, members.get(r.id) ?? [], t));
    if (hit) found++;
    else {
      missed.push(`${t.kind} ${t.key} ${new Date(t.start).toISOString()} (${t.note})`);
      if (rows.some((r) => covers(r, members.get(r.id) ?? [], t))) wrong.push(`${t.kind} ${t.key}`);
    }
  }
  const attackRows = rows.filter((r) => ATTACK_ROW_CATEGORIES.includes(r.category));
  const fps = attackRows.filter((r) => !truth.some((t) => t.category === r.category && covers(r, members.get(r.id) ?? [], t)));
  return {
    truths: truth.length,
    found,
    recall: truth.length ? found / truth.length : 1,
    attackRows: attackRows.length,
    truePositives: attackRows.length - fps.length,
    precision: attackRows.length ? (attackRows.length - fps.length) / attackRows.length : 1,
    missed,
    falsePositives: fps.map((r) => `${r.category} ${r.title} [${r.pattern}] ${r.groupKey} ${new Date(r.firstTs ?? 0).toISOString()}`),
    wrongCategory: wrong,
  };
}
