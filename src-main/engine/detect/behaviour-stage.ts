/**
 * Behaviour models in the pipeline: sessions and IP windows with their features, named attack
 * patterns as alerts, and at the end of an import an Isolation Forest per group kind trained on
 * the case (leaving out IPs a pattern already caught) that scores every group.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { Stage } from './stage';
import type { AlertSink, Severity } from '../store/alerts';
import {
  BehaviourEngine,
  BehaviourModel,
  type BehaviourEngineState,
  type BehaviourGroup,
  type BehaviourModelJson,
  type GroupKind,
  type PatternDetection,
  FEATURE_SET_VERSION,
  riskLevel,
  matrixFromRows,
} from './behaviour';
import { accountEntities, sourceEntity } from './behaviour/eventFacts';

const PATTERN_INFO: Record<string, { title: string; severity: Severity; tags: string[] }> = {
  brute_force: { title: 'Brute force', severity: 'medium', tags: ['attack.credential_access', 'attack.t1110.001'] },
  password_spraying: { title: 'Password spraying', severity: 'high', tags: ['attack.credential_access', 'attack.t1110.003'] },
  credential_stuffing: { title: 'Credential stuffing', severity: 'high', tags: ['attack.credential_access', 'attack.t1110.004'] },
  possible_compromise: { title: 'Possible compromise: success after failures', severity: 'critical', tags: ['attack.initial_access', 'attack.t1078'] },
  scanning: { title: 'Scanning / reconnaissance', severity: 'low', tags: ['attack.reconnaissance', 'attack.t1595'] },
  error_burst: { title: 'Error burst on sensitive paths', severity: 'medium', tags: ['attack.initial_access', 'attack.t1190'] },
};

/** Fewer groups than this and a forest learns nothing useful: leave them unscored. */
const MIN_TRAINING_ROWS = 32;
/** Anomalous groups reported as alerts, most anomalous first, per import. */
const MAX_ANOMALY_ALERTS = 200;
/** Groups a forest learns from at most: beyond it, an even spread of them. */
const TRAINING_ROWS = 50_000;
/** Groups scored at a time. */
const SCORE_PAGE = 10_000;
/**
 * A page of one kind's groups after an id, walked along the primary key. `+kind` keeps SQLite off
 * any index that starts with the kind: through the (kind, score) index there was, every page read
 * the kind's groups whole and sorted them by id, so paging a million-line case's 600K groups took
 * 20 s instead of half a second.
 */
export function groupPageSql(columns: string): string {
  return `SELECT ${columns} FROM behaviour_groups WHERE +kind = ? AND feature_set = ? AND id > ? ORDER BY id LIMIT ?`;
}

interface StageState {
  engine: BehaviourEngineState;
  models: Partial<Record<GroupKind, BehaviourModelJson>>;
}

export class BehaviourStage implements Stage {
  readonly name = 'behaviour';
  private engine = new BehaviourEngine();
  private readonly insertGroup: Statement;
  private readonly setScore: Statement;

  constructor(private readonly db: Database) {
    this.insertGroup = db.prepare(
      `INSERT INTO behaviour_groups (kind, key, ip, user, user_agent, start_ts, end_ts, events, features, feature_set, evidence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // An upsert, not INSERT OR REPLACE: a replace may delete a row, so with foreign keys on every
    // execution opened a statement journal, and scoring a million-line case's 600K groups took 3 s
    // instead of 0.8.
    this.setScore = db.prepare(
      'INSERT INTO behaviour_scores (group_id, score, level) VALUES (?, ?, ?) ON CONFLICT(group_id) DO UPDATE SET score = excluded.score, level = excluded.level',
    );
  }

  consume(events: readonly NormalizedEvent[], sink: AlertSink): void {
    for (const ev of events) this.engine.push(ev);
    this.collect(sink);
  }

  finish(sink: AlertSink): void {
    this.engine.flush();
    this.collect(sink);
    this.train(sink);
  }

  state(): StageState {
    const models: StageState['models'] = {};
    for (const kind of ['session', 'ip_window'] as const) {
      const m = this.engine.getModel(kind);
      if (m) models[kind] = m.toJSON();
    }
    return { engine: this.engine.state(), models };
  }

  restore(state: unknown): void {
    const s = state as StageState | null;
    this.engine = new BehaviourEngine({}, s?.engine);
    for (const [kind, json] of Object.entries(s?.models ?? {})) this.engine.setModel(kind as GroupKind, BehaviourModel.fromJSON(json));
  }

  private collect(sink: AlertSink): void {
    const out = this.engine.drain();
    for (const g of out.groups) this.storeGroup(g);
    for (const d of out.detections) this.report(d, sink);
  }

  private storeGroup(g: BehaviourGroup): void {
    const { lastInsertRowid } = this.insertGroup.run(g.kind, g.key, g.ip, g.user, g.userAgent, g.start, g.end, g.events, JSON.stringify(g.features), g.featureSetVersion, JSON.stringify(g.evidence));
    // A model from an earlier import scores a group as it closes; the end of the pass scores the rest.
    if (g.score !== null && g.level !== null) this.setScore.run(lastInsertRowid, g.score, g.level);
  }

  private report(d: PatternDetection, sink: AlertSink): void {
    const info = PATTERN_INFO[d.pattern] ?? { title: d.pattern, severity: 'medium' as Severity, tags: [] };
    sink.add({
      detector: 'behaviour',
      kind: d.pattern,
      title: info.title,
      severity: info.severity,
      score: d.score,
      firstTs: d.firstTs,
      lastTs: d.lastTs,
      key: `${d.keyType}:${d.key}`,
      entities: [{ type: d.keyType, value: d.key }, ...accountEntities(d.users)],
      evidence: d.evidence,
      details: { summary: d.summary, facts: d.facts, ...(d.paths ? { paths: d.paths } : {}) },
      tags: info.tags,
    });
  }

  /**
   * Train one forest per kind on this case's groups and score them all. The groups are read a page
   * at a time and the forest learns from at most TRAINING_ROWS of them (an even spread by id; each
   * tree sees 256 rows anyway), so memory stays flat however large the case.
   */
  private train(sink: AlertSink): void {
    // Sources a pattern already caught, as the groups key them (an address bare, a name or an account prefixed).
    const flagged = new Set(
      (
        this.db
          .prepare(`SELECT DISTINCT key FROM alerts WHERE detector = 'behaviour' AND (key LIKE 'ip:%' OR key LIKE 'host:%' OR key LIKE 'user:%')`)
          .pluck()
          .all() as string[]
      ).map((k) => (k.startsWith('ip:') ? k.slice(3) : k)),
    );
    const page = this.db.prepare(groupPageSql('id, ip, features'));
    const anomalies = new TopScores<{ kind: GroupKind; id: number }>(MAX_ANOMALY_ALERTS);
    for (const kind of ['session', 'ip_window'] as const) {
      const n = this.db.prepare('SELECT count(*) FROM behaviour_groups WHERE kind = ? AND feature_set = ?').pluck().get(kind, FEATURE_SET_VERSION) as number;
      if (n < MIN_TRAINING_ROWS) continue;
      const model = this.trainKind(kind, n, flagged);
      this.engine.setModel(kind, model);
      const scoreOf = new ScoreMemo(model);
      let after = 0;
      for (;;) {
        const rows = page.all(kind, FEATURE_SET_VERSION, after, SCORE_PAGE) as Pick<GroupRow, 'id' | 'ip' | 'features'>[];
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.id;
        const scores = scoreOf.page(rows.map((r) => r.features));
        rows.forEach((r, i) => {
          const score = scores[i]!;
          const level = riskLevel(score, model.cutoffs);
          this.setScore.run(r.id, score, level);
          if (level === 'high' && !flagged.has(r.ip ?? '')) anomalies.add(score, { kind, id: r.id });
        });
      }
    }
    const byId = this.db.prepare('SELECT id, key, ip, user, start_ts, end_ts, events, evidence FROM behaviour_groups WHERE id = ?');
    for (const { score, item } of anomalies.sorted()) {
      const { kind } = item;
      const row = byId.get(item.id) as GroupRow;
      const who = row.ip ? sourceEntity(row.ip) : null;
      sink.add({
        detector: 'behaviour',
        kind: kind === 'session' ? 'anomalous_session' : 'anomalous_ip_window',
        title: kind === 'session' ? 'Unusual session' : 'Unusual activity from one IP',
        severity: 'low',
        score,
        firstTs: row.start_ts,
        lastTs: row.end_ts,
        key: who ? `${who.type}:${who.value}` : null,
        entities: [...(who ? [{ type: who.type, value: who.value }] : []), ...(row.user ? [{ type: 'user', value: row.user }] : [])],
        evidence: JSON.parse(row.evidence) as number[],
        details: { group: row.key, events: row.events, isolationScore: score },
        tags: [],
      });
    }
  }

  /** A forest for one kind, learnt from up to TRAINING_ROWS groups, leaving out IPs a pattern caught. */
  private trainKind(kind: GroupKind, n: number, flagged: ReadonlySet<string>): BehaviourModel {
    const stride = Math.ceil(n / TRAINING_ROWS);
    // The kind's groups are walked without their features, and only the chosen ones' are read: at
    // a stride of 7 or more, reading and decoding every vector was most of the cost.
    const page = this.db.prepare(groupPageSql('id, ip, end_ts')).raw();
    const featuresOf = this.db.prepare('SELECT features FROM behaviour_groups WHERE id = ?').pluck();
    const vectors: number[][] = [];
    const clean: number[][] = [];
    let trainedAt = 0;
    let seen = 0;
    for (let after = 0; ; ) {
      const rows = page.all(kind, FEATURE_SET_VERSION, after, SCORE_PAGE) as [id: number, ip: string | null, endTs: number][];
      if (rows.length === 0) break;
      [after, , trainedAt] = rows[rows.length - 1]!;
      for (const [id, ip] of rows) {
        if (seen++ % stride !== 0) continue;
        const v = JSON.parse(featuresOf.get(id) as string) as number[];
        vectors.push(v);
        if (!flagged.has(ip ?? '')) clean.push(v);
      }
    }
    return BehaviourModel.train(kind, clean.length >= MIN_TRAINING_ROWS ? clean : vectors, { trainedAt });
  }
}

/**
 * Scores by feature vector, as stored: groups repeat each other's vectors (a third of a
 * million-line case's were distinct), and a vector's score is the same every time, so each is
 * decoded and walked down the forest once. Bounded: past MEMO_MAX vectors it starts afresh.
 */
class ScoreMemo {
  private static readonly MEMO_MAX = 200_000;
  private readonly known = new Map<string, number>();

  constructor(private readonly model: BehaviourModel) {}

  page(features: readonly string[]): Float64Array {
    if (this.known.size > ScoreMemo.MEMO_MAX) this.known.clear();
    const fresh = new Map<string, number>();
    for (const f of features) if (!this.known.has(f) && !fresh.has(f)) fresh.set(f, fresh.size);
    if (fresh.size > 0) {
      const scored = this.model.scoreMatrix(matrixFromRows([...fresh.keys()].map((f) => JSON.parse(f) as number[])));
      for (const [f, i] of fresh) this.known.set(f, scored[i]!);
    }
    return Float64Array.from(features, (f) => this.known.get(f)!);
  }
}

/** The `k` highest scores seen, kept without holding every candidate. */
class TopScores<T> {
  private items: { score: number; item: T }[] = [];

  constructor(private readonly k: number) {}

  add(score: number, item: T): void {
    this.items.push({ score, item });
    if (this.items.length >= this.k * 4) this.trim();
  }

  /** Highest first; ties keep the order they came in. */
  sorted(): { score: number; item: T }[] {
    this.trim();
    return this.items;
  }

  private trim(): void {
    this.items.sort((a, b) => b.score - a.score);
    this.items.length = Math.min(this.items.length, this.k);
  }
}

interface GroupRow {
  id: number;
  key: string;
  ip: string | null;
  user: string | null;
  start_ts: number;
  end_ts: number;
  events: number;
  features: string;
  evidence: string;
}
