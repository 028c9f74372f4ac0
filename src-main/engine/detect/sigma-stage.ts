/**
 * Sigma in the pipeline: the bundled rules and the case's imported packs, evaluated on every
 * stored event; matches become alerts (author and title kept: SigmaHQ's licence asks for both).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Database } from 'better-sqlite3';
import { type NormalizedEvent, authSourceOf } from '../../../src-shared/event';
import { isIpLiteral } from '../parse/parsers/net';
import type { Stage } from './stage';
import { SigmaEngine, type SigmaMatch } from '../sigma';
import type { AlertEntity, AlertInput, AlertSink, Severity } from '../store/alerts';

export const BUNDLED_PACK = 'vigil-bundled';

export class SigmaStage implements Stage {
  readonly name = 'sigma';
  engine: SigmaEngine;
  private pendingHits = new Map<string, number>();

  /**
   * With `storeHits: false` (a pass's worker, whose connection is read-only) rule hits are kept
   * for takeHits() instead of being counted in the case.
   */
  constructor(
    private readonly db: Database,
    private readonly rulesDir: string | null,
    private readonly options: { storeHits: boolean } = { storeHits: true },
  ) {
    this.engine = this.build();
  }

  /** Rebuild from the bundled rules and the packs stored in the case (after an import or removal). */
  reload(): void {
    this.engine = this.build();
  }

  consume(events: readonly NormalizedEvent[], sink: AlertSink): void {
    for (const ev of events) {
      for (const m of this.engine.evaluate(ev)) this.report(m, ev, sink);
    }
    this.saveHits();
  }

  finish(sink: AlertSink): void {
    for (const m of this.engine.flush()) this.report(m, null, sink);
    this.saveHits();
    // A pass's end: its windows are judged. The next pass (another import, perhaps of earlier
    // lines) starts afresh, as a pass's worker does; kept, the watermark of this one would expire
    // every window of the next before it could fire.
    this.engine.resetState();
  }

  state(): unknown {
    // Correlation windows are not serialisable yet: a resumed import starts them afresh.
    return null;
  }

  restore(): void {
    this.engine.resetState();
  }

  private build(): SigmaEngine {
    return buildSigmaEngine(this.db, this.rulesDir);
  }

  private report(m: SigmaMatch, ev: NormalizedEvent | null, sink: AlertSink): void {
    // A correlation's match that grew is the same hit of its rule.
    if (!m.correlation?.update) this.pendingHits.set(m.ruleId, (this.pendingHits.get(m.ruleId) ?? 0) + 1);
    sink.add(sigmaAlert(m, ev));
  }

  /** Hits counted since the last call, when they are not stored (see the constructor). */
  takeHits(): Map<string, number> {
    const hits = this.pendingHits;
    this.pendingHits = new Map();
    return hits;
  }

  /** Rule hits counted elsewhere (a pass's worker); call inside a transaction. */
  addHits(hits: Iterable<[string, number]>): void {
    for (const [rule, n] of hits) this.pendingHits.set(rule, (this.pendingHits.get(rule) ?? 0) + n);
    this.saveHits();
  }

  private saveHits(): void {
    if (!this.options.storeHits || this.pendingHits.size === 0) return;
    const up = this.db.prepare(
      'INSERT INTO rule_settings (rule_id, enabled, hits) VALUES (?, 1, ?) ON CONFLICT(rule_id) DO UPDATE SET hits = hits + excluded.hits',
    );
    for (const [rule, n] of this.pendingHits) up.run(rule, n);
    this.pendingHits.clear();
  }
}

/** The bundled rules and the packs stored in the case, with the rules the analyst switched off. */
function buildSigmaEngine(db: Database, rulesDir: string | null): SigmaEngine {
  const engine = new SigmaEngine();
  if (rulesDir && existsSync(rulesDir)) engine.loadFiles(readRuleFiles(rulesDir), BUNDLED_PACK);
  const packs = db.prepare('SELECT id, name FROM rule_packs ORDER BY id').all() as { id: number; name: string }[];
  const files = db.prepare('SELECT path, text FROM rule_files WHERE pack_id = ? ORDER BY path');
  for (const p of packs) engine.loadFiles(files.all(p.id) as { path: string; text: string }[], p.name);
  for (const r of db.prepare('SELECT rule_id, enabled FROM rule_settings WHERE enabled = 0').all() as { rule_id: string }[]) {
    engine.setEnabled(r.rule_id, false);
  }
  return engine;
}

/** A match as an alert: a correlation is about its group, a single event about its address, user and host. */
function sigmaAlert(m: SigmaMatch, ev: NormalizedEvent | null): AlertInput {
  const corr = m.correlation;
  const entities: AlertEntity[] = [];
  if (corr) {
    for (const [field, value] of Object.entries(corr.group)) entities.push({ type: entityTypeOf(field, value, ev), value });
  } else if (ev) {
    // Who acted: the address, else the host name or local caller the log gave (pam's rhost=, su's
    // caller); never the logging host, unless the attempt came from its own console.
    const src = authSourceOf(ev);
    if (src) entities.push({ type: src.kind, value: src.value });
    if (ev.user && !(src?.kind === 'user' && src.value === ev.user)) entities.push({ type: 'user', value: ev.user });
    if (ev.host) entities.push({ type: 'host', value: ev.host.toLowerCase() });
  }
  const key = entities.length ? `${entities[0]!.type}:${entities[0]!.value}` : null;
  return {
    detector: 'sigma',
    kind: m.ruleId,
    title: m.title,
    severity: (m.level ?? 'medium') as Severity,
    score: null,
    firstTs: corr?.firstTs ?? m.ts,
    lastTs: corr?.lastTs ?? m.ts,
    key,
    entities,
    evidence: corr ? corr.eventIds : [m.eventId],
    details: {
      author: m.author,
      pack: m.pack,
      kind: m.kind,
      ...(corr ? { correlation: corr.type, value: corr.value, group: corr.group, events: corr.eventIds.length } : {}),
    },
    tags: m.tags,
    ...(corr ? { ref: corr.episode } : {}),
  };
}

function entityTypeOf(field: string, value: string, ev: NormalizedEvent | null): string {
  const f = field.toLowerCase();
  // An attempt's source: an address, or the host name or local caller the log gave (the event says which).
  if (f === 'auth_source') {
    const s = ev !== null ? authSourceOf(ev) : null;
    return s !== null && s.value === value ? s.kind : isIpLiteral(value) ? 'ip' : 'host';
  }
  if (f.includes('ip') || f === 'c-ip' || f.includes('address')) return 'ip';
  if (f.includes('user')) return 'user';
  if (f.includes('host') || f.includes('computer')) return 'host';
  return f;
}

function readRuleFiles(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/i.test(e.name)) out.push({ path: relative(dir, p), text: readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}
