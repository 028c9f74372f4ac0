/**
 * Handlers of the rules domain: Sigma packs, rules, hits and matches. The live SigmaEngine (in the
 * detection's Sigma stage) says what loaded and what failed; the case says what is stored, what is
 * switched off and how many alerts each rule produced (hits survive reopening the case that way).
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import type {
  ImportPackResult,
  RuleIssue,
  RuleLevel,
  RuleLoadError,
  RuleMatchEvent,
  RuleMatchesPage,
  RuleMatchRow,
  RulePackRow,
  RuleRow,
  RulesPage,
} from '../../../src-shared/contract-rules';
import { BUNDLED_PACK } from '../detect/sigma-stage';
import type { DomainHandlers, EngineContext, OpenCase } from '../engine-context';
import { EngineError, ioError } from '../errors';
import { attackFromTags, type FailedRule, type LoadedRuleInfo, type SigmaIssue } from '../sigma';
import { readRulePack } from '../sigma/pack-loader';

/** Evidence lines cross the contract for display; a huge line is cut here. */
const MAX_RAW_CHARS = 8192;
const LEVEL_ORDER: Record<RuleLevel, number> = { critical: 4, high: 3, medium: 2, low: 1, informational: 0 };
const RULE_FILE = /\.ya?ml$/i;

interface PackDbRow {
  id: number;
  name: string;
  origin: string;
  added_at: number;
  files: number;
}

export function rulesHandlers(ctx: EngineContext): DomainHandlers<'rules'> {
  /**
   * Problems found while reading a pack (invalid UTF-8, oversized files, unsafe zip names) concern
   * files that were never stored, so they live only as long as the engine: keyed by case and pack.
   */
  const readIssues = new Map<string, SigmaIssue[]>();
  const issueKey = (c: OpenCase, pack: string): string => `${c.store.path}\0${pack}`;

  const settings = (db: Database): Map<string, { enabled: boolean; hits: number }> => {
    const rows = db.prepare('SELECT rule_id, enabled, hits FROM rule_settings').all() as { rule_id: string; enabled: number; hits: number }[];
    return new Map(rows.map((r) => [r.rule_id, { enabled: r.enabled !== 0, hits: r.hits }]));
  };

  const toRuleRow = (info: LoadedRuleInfo, hits: number): RuleRow => ({
    id: info.ruleId,
    kind: info.kind,
    title: info.title,
    author: info.author,
    level: info.level,
    status: info.status,
    tags: info.tags,
    attack: attackFromTags(info.tags),
    logsource: info.logsource
      ? { product: info.logsource.product ?? null, service: info.logsource.service ?? null, category: info.logsource.category ?? null }
      : null,
    pack: info.pack,
    file: info.file,
    enabled: info.enabled,
    hits,
    standalone: info.standalone,
  });

  const toLoadError = (f: FailedRule): RuleLoadError => ({
    pack: f.pack,
    file: f.file,
    title: f.title ?? null,
    ruleId: f.ruleId ?? null,
    reasons: f.reasons.map(toIssue),
  });

  const listRules = (c: OpenCase): RuleRow[] => {
    const s = settings(c.store.db);
    return c.detection.sigma.engine.rules().map((info) => toRuleRow(info, s.get(info.ruleId)?.hits ?? 0));
  };

  const listPacks = (c: OpenCase): RulePackRow[] => {
    const engine = c.detection.sigma.engine;
    const rules = listRules(c);
    const failures = engine.errors();
    const warnings = engine.warnings();
    const stored = c.store.db
      .prepare('SELECT p.id, p.name, p.origin, p.added_at, (SELECT count(*) FROM rule_files f WHERE f.pack_id = p.id) AS files FROM rule_packs p ORDER BY p.id')
      .all() as PackDbRow[];
    const storedFiles = c.store.db.prepare('SELECT path FROM rule_files WHERE pack_id = ?').pluck();
    const packOfRule = new Map(rules.map((r) => [r.id, r.pack]));

    const build = (name: string, base: Pick<RulePackRow, 'id' | 'bundled' | 'origin' | 'addedAt'>, files: Set<string>): RulePackRow => {
      const mine = rules.filter((r) => r.pack === name);
      const errors = failures.filter((f) => f.pack === name).map(toLoadError);
      for (const i of readIssues.get(issueKey(c, name)) ?? []) {
        if (!errors.some((e) => e.file === i.file && e.reasons.some((r) => r.reason === i.reason))) errors.push({ pack: name, file: i.file, title: null, ruleId: null, reasons: [toIssue(i)] });
      }
      for (const f of mine) files.add(f.file);
      for (const e of errors) files.add(e.file);
      // Warnings do not name their pack: attribute them by rule id, else by file.
      const packWarnings = warnings.filter((w) => (w.ruleId && packOfRule.has(w.ruleId) ? packOfRule.get(w.ruleId) === name : files.has(w.file))).map(toIssue);
      return {
        ...base,
        name,
        files: files.size,
        rules: mine.filter((r) => r.kind === 'rule').length,
        correlations: mine.filter((r) => r.kind === 'correlation').length,
        filters: mine.filter((r) => r.kind === 'filter').length,
        disabled: mine.filter((r) => !r.enabled).length,
        hits: mine.reduce((n, r) => n + r.hits, 0),
        errors,
        warnings: packWarnings,
      };
    };

    const out: RulePackRow[] = [];
    const rulesDir = ctx.options().rulesDir;
    if (rulesDir) out.push(build(BUNDLED_PACK, { id: null, bundled: true, origin: rulesDir, addedAt: null }, new Set()));
    for (const p of stored) {
      const files = new Set(storedFiles.all(p.id) as string[]);
      out.push(build(p.name, { id: p.id, bundled: false, origin: p.origin, addedAt: p.added_at }, files));
    }
    return out;
  };

  /** Detection over the whole case, after whatever import runs (the case does one thing at a time). */
  const scheduleRerun = (c: OpenCase): boolean => {
    const hasEvents = c.store.db.prepare('SELECT EXISTS (SELECT 1 FROM events)').pluck().get() === 1;
    if (!hasEvents) return false;
    c.detection.rerun();
    return true;
  };

  return {
    'rules.listPacks': () => listPacks(ctx.open()),

    'rules.listRules': ({ pack, query, level, enabled, kind, sort, offset, limit }) => {
      const needle = query.trim().toLowerCase();
      let rows = listRules(ctx.open()).filter(
        (r) =>
          (pack === undefined || r.pack === pack) &&
          (level === undefined || r.level === level) &&
          (enabled === undefined || r.enabled === enabled) &&
          (kind === undefined || r.kind === kind) &&
          (!needle || searchText(r).includes(needle)),
      );
      const byTitle = (a: RuleRow, b: RuleRow): number => a.title.localeCompare(b.title) || a.id.localeCompare(b.id);
      const levelOf = (r: RuleRow): number => (r.level ? LEVEL_ORDER[r.level] : -1);
      rows = rows.sort(
        sort === 'hits' ? (a, b) => b.hits - a.hits || byTitle(a, b) : sort === 'level' ? (a, b) => levelOf(b) - levelOf(a) || byTitle(a, b) : byTitle,
      );
      const page: RulesPage = { rows: rows.slice(offset, offset + limit), offset, total: rows.length };
      return page;
    },

    'rules.setEnabled': ({ ruleId, enabled }) => {
      const c = ctx.open();
      const info = c.detection.sigma.engine.rules().find((r) => r.ruleId === ruleId);
      if (!info) throw new EngineError('not_found', `No loaded rule has the id '${ruleId}'.`);
      if (info.kind === 'filter') throw new EngineError('invalid_input', `'${info.title}' is a filter: it narrows other rules and cannot be switched off on its own; remove its pack instead.`);
      c.store.db
        .prepare('INSERT INTO rule_settings (rule_id, enabled, hits) VALUES (?, ?, 0) ON CONFLICT(rule_id) DO UPDATE SET enabled = excluded.enabled')
        .run(ruleId, enabled ? 1 : 0);
      c.detection.sigma.engine.setEnabled(ruleId, enabled);
      ctx.emit('rules.changed', { reason: 'enabled' });
      const row = listRules(c).find((r) => r.id === ruleId);
      if (!row) throw new EngineError('not_found', `No loaded rule has the id '${ruleId}'.`);
      return row;
    },

    'rules.importPack': async ({ path, name }) => {
      const c = ctx.open();
      const target = resolve(path);
      let isDir: boolean;
      try {
        isDir = (await stat(target)).isDirectory();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new EngineError('not_found', `${target} does not exist.`);
        throw ioError(err, target);
      }
      if (!isDir && !/\.zip$/i.test(target) && !RULE_FILE.test(target)) {
        throw new EngineError('invalid_input', `${target} is not a rule pack: choose a folder, a .zip, or a .yml/.yaml rule file.`);
      }
      const packName = (name ?? basename(target).replace(/\.(zip|ya?ml)$/i, '')).trim() || 'rules';
      if (packName === BUNDLED_PACK) throw new EngineError('invalid_input', `'${BUNDLED_PACK}' is the name of the rules Vigil ships with; choose another name.`);

      let read: Awaited<ReturnType<typeof readRulePack>>;
      try {
        read = await readRulePack(target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code) throw ioError(err, target);
        throw new EngineError('bad_format', (err as Error).message);
      }
      if (read.files.length === 0) {
        if (read.issues.length === 0) throw new EngineError('invalid_input', `${target} holds no .yml or .yaml rule files.`);
        const first = read.issues[0]!;
        throw new EngineError('bad_format', `No rule file of ${target} could be read: ${first.file}: ${first.reason}`, { issues: read.issues.map(toIssue) });
      }

      const db = c.store.db;
      let replaced = false;
      db.transaction(() => {
        const existing = db.prepare('SELECT id FROM rule_packs WHERE name = ?').pluck().get(packName) as number | undefined;
        if (existing !== undefined) {
          replaced = true;
          db.prepare('DELETE FROM rule_packs WHERE id = ?').run(existing);
        }
        const id = db.prepare('INSERT INTO rule_packs (name, origin, added_at) VALUES (?, ?, ?) RETURNING id').pluck().get(packName, target, Date.now()) as number;
        const add = db.prepare('INSERT INTO rule_files (pack_id, path, text) VALUES (?, ?, ?)');
        // A zip can name one path twice; the later entry wins, as unzipping would do.
        const byPath = new Map(read.files.map((f) => [f.path, f.text]));
        for (const [p, text] of byPath) add.run(id, p, text);
      })();
      readIssues.set(issueKey(c, packName), read.issues);

      c.detection.sigma.reload();
      const rerunScheduled = scheduleRerun(c);
      ctx.emit('rules.changed', { reason: 'imported' });
      const pack = listPacks(c).find((p) => p.name === packName && !p.bundled)!;
      const result: ImportPackResult = {
        pack,
        loaded: pack.rules + pack.correlations + pack.filters,
        failed: pack.errors.length,
        replaced,
        rerunScheduled,
      };
      return result;
    },

    'rules.removePack': ({ packId }) => {
      const c = ctx.open();
      const db = c.store.db;
      const name = db.prepare('SELECT name FROM rule_packs WHERE id = ?').pluck().get(packId) as string | undefined;
      if (name === undefined) throw new EngineError('not_found', `No imported rule pack has the id ${packId}.`);
      db.prepare('DELETE FROM rule_packs WHERE id = ?').run(packId);
      readIssues.delete(issueKey(c, name));
      c.detection.sigma.reload();
      // Its alerts go with it: the next full pass no longer has the rules.
      scheduleRerun(c);
      ctx.emit('rules.changed', { reason: 'removed' });
      return listPacks(c);
    },

    'rules.listMatches': ({ ruleId, offset, limit, eventsPerMatch }) => {
      const c = ctx.open();
      const db = c.store.db;
      const info = c.detection.sigma.engine.rules().find((r) => r.ruleId === ruleId);
      const total = db.prepare(`SELECT count(*) FROM alerts WHERE detector = 'sigma' AND kind = ?`).pluck().get(ruleId) as number;
      if (!info && total === 0) throw new EngineError('not_found', `No loaded rule has the id '${ruleId}', and no alert names it.`);
      const alerts = db
        .prepare(
          `SELECT id, title, severity, first_ts, last_ts, entities, evidence, details FROM alerts
           WHERE detector = 'sigma' AND kind = ? ORDER BY first_ts, id LIMIT ? OFFSET ?`,
        )
        .all(ruleId, limit, offset) as {
        id: number;
        title: string;
        severity: string;
        first_ts: number | null;
        last_ts: number | null;
        entities: string;
        evidence: string;
        details: string;
      }[];
      const parsed = alerts.map((a) => ({ a, evidence: JSON.parse(a.evidence) as number[], details: JSON.parse(a.details) as Record<string, unknown> }));
      const wanted = [...new Set(parsed.flatMap((p) => p.evidence.slice(0, eventsPerMatch)))];
      const events = new Map<number, RuleMatchEvent>();
      if (wanted.length > 0) {
        const rows = db
          .prepare(
            `SELECT e.id, e.ts, e.line_no AS lineNo, substr(e.raw, 1, ${MAX_RAW_CHARS}) AS raw, coalesce(s.name, i.name) AS source
             FROM events e JOIN imports i ON i.id = e.import_id LEFT JOIN sources s ON s.id = e.source_id
             WHERE e.id IN (SELECT value FROM json_each(?))`,
          )
          .all(JSON.stringify(wanted)) as RuleMatchEvent[];
        for (const r of rows) events.set(r.id, r);
      }
      const storedAuthor = (d: Record<string, unknown>): string | null => (typeof d.author === 'string' ? d.author : null);
      const first = parsed[0];
      const rule = {
        id: ruleId,
        title: info?.title ?? first?.a.title ?? ruleId,
        author: info ? info.author : first ? storedAuthor(first.details) : null,
        loaded: !!info,
      };
      const rows: RuleMatchRow[] = parsed.map(({ a, evidence, details }) => ({
        alertId: a.id,
        ruleId,
        title: info?.title ?? a.title,
        author: info ? info.author : storedAuthor(details),
        severity: a.severity,
        firstTs: a.first_ts,
        lastTs: a.last_ts,
        entities: JSON.parse(a.entities) as { type: string; value: string }[],
        correlation:
          typeof details.correlation === 'string'
            ? {
                type: details.correlation,
                group: (details.group as Record<string, string> | undefined) ?? {},
                value: typeof details.value === 'number' ? details.value : null,
              }
            : null,
        evidenceCount: evidence.length,
        events: evidence
          .slice(0, eventsPerMatch)
          .map((id) => events.get(id))
          .filter((e): e is RuleMatchEvent => e !== undefined),
      }));
      const page: RuleMatchesPage = { rule, rows, offset, total };
      return page;
    },
  };
}

function toIssue(i: SigmaIssue): RuleIssue {
  return {
    file: i.file,
    reason: i.reason,
    level: i.level,
    ...(i.rule !== undefined ? { rule: i.rule } : {}),
    ...(i.ruleId !== undefined ? { ruleId: i.ruleId } : {}),
    ...(i.field !== undefined ? { field: i.field } : {}),
  };
}

function searchText(r: RuleRow): string {
  return [r.title, r.id, r.author ?? '', r.file, r.pack, r.status ?? '', ...r.tags, ...r.attack.techniques, ...r.attack.tactics.map((t) => t.name)].join('\n').toLowerCase();
}
