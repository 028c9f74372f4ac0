/**
 * The Sigma engine façade: load packs, link correlations and filters, dispatch each event only to
 * the rules whose logsource can apply, and feed rule hits into correlation windows.
 */
import { AUTH_FIELDS, type NormalizedEvent } from '../../../src-shared/event';
import { attackFromTags, type AttackRefs } from './attack';
import { compileDetection, type Pred } from './compile';
import { CorrelationWindow, DEFAULT_CORRELATION_LIMITS, type CorrelationFire, type CorrelationHit, type CorrelationLimits } from './correlation';
import { EvalContext, FieldCatalog, type LiteralUse, type ScanPlan } from './eval-context';
import { appService, eventSources, logsourceApplies, normalizeRuleLogsource, type RuleLogsource } from './logsource';
import { ModifierError, type PlaceholderMap } from './modifiers';
import { readRulePack, type PackLimits, type RuleFile } from './pack-loader';
import { parseSigmaDocument } from './rule-parser';
import {
  ruleLabel,
  type CorrelationType,
  type SigmaCorrelation,
  type SigmaFilter,
  type SigmaIssue,
  type SigmaLevel,
  type SigmaLogSource,
  type SigmaRule,
} from './types';
import { loadYamlDocuments } from './yaml-docs';

export interface SigmaEngineOptions {
  /** Values for `|expand` placeholders, e.g. { Administrators: ['root', 'admin*'] }. */
  placeholders?: PlaceholderMap;
  correlationLimits?: Partial<CorrelationLimits>;
  packLimits?: Partial<PackLimits>;
}

export interface SigmaMatch {
  kind: 'rule' | 'correlation';
  /** Rule id; rules without one get `name` or `file#document`. */
  ruleId: string;
  title: string;
  /** Shown with every match: the DRL licence of SigmaHQ rules requires author and title. */
  author: string | null;
  level: SigmaLevel;
  tags: string[];
  attack: AttackRefs;
  pack: string;
  /** The event that produced the match (for correlations: the one that completed it). */
  eventId: number;
  ts: number | null;
  correlation?: {
    type: CorrelationType;
    group: Record<string, string>;
    eventIds: number[];
    firstTs: number;
    lastTs: number;
    value: number;
    /** Names the match across its updates: a later match with the same episode grows this one. */
    episode: string;
    update: boolean;
  };
}

export interface LoadedRuleInfo {
  ruleId: string;
  kind: 'rule' | 'correlation' | 'filter';
  title: string;
  author: string | null;
  level: SigmaLevel | null;
  status: string | null;
  tags: string[];
  pack: string;
  file: string;
  logsource: SigmaLogSource | null;
  enabled: boolean;
  hits: number;
  /** False when the rule only feeds a correlation (`generate: false`). */
  standalone: boolean;
}

export interface FailedRule {
  pack: string;
  file: string;
  title?: string;
  ruleId?: string;
  reasons: SigmaIssue[];
}

export interface PackLoadResult {
  pack: string;
  loaded: LoadedRuleInfo[];
  failed: FailedRule[];
  warnings: SigmaIssue[];
}

interface Consumer {
  corr: CompiledCorrelation;
  index: number;
}

interface Common {
  key: string;
  pack: string;
  enabled: boolean;
  hits: number;
  standalone: boolean;
  attack: AttackRefs;
  consumers: Consumer[];
}

interface CompiledRule extends Common {
  doc: SigmaRule;
  logsource: RuleLogsource;
  base: Pred;
  pred: Pred;
  /** Literals the rule's own predicates ask about, and those of the filters applied to it. */
  baseLits: LiteralUse;
  lits: LiteralUse[];
}

/** What one kind of event (logsource and app) is checked against. */
interface Plan {
  rules: CompiledRule[];
  scan: ScanPlan;
}

interface CompiledCorrelation extends Common {
  doc: SigmaCorrelation;
  window: CorrelationWindow | null;
  /** Referenced rules resolved, in the correlation's order. */
  refs: (CompiledRule | CompiledCorrelation)[];
  depth: number;
  linkError: string | null;
}

interface LoadedFilter {
  key: string;
  pack: string;
  doc: SigmaFilter;
  pred: Pred;
  lits: LiteralUse;
  logsource: RuleLogsource;
}

function levelOf(doc: { level?: SigmaLevel }): SigmaLevel {
  return doc.level ?? 'medium';
}

export class SigmaEngine {
  private readonly catalog = new FieldCatalog();
  private readonly ctx = new EvalContext(this.catalog);
  private readonly placeholders: PlaceholderMap;
  private readonly corrLimits: CorrelationLimits;
  private readonly packLimits: Partial<PackLimits>;
  private readonly rulesByKey = new Map<string, CompiledRule>();
  private readonly corrByKey = new Map<string, CompiledCorrelation>();
  private readonly filters: LoadedFilter[] = [];
  /** id and name -> key, over everything loaded (for duplicate checks and references). */
  private readonly refIndex = new Map<string, { key: string; file: string }>();
  /** Every id and name seen, loaded or not, so duplicates are caught even among broken rules. */
  private readonly declared = new Map<string, string>();
  private readonly failures: FailedRule[] = [];
  private readonly warningList: SigmaIssue[] = [];
  private dispatch = new Map<string | null, Map<string | null, Map<string | null, Map<string | null, Plan>>>>();
  /** The plan of the previous event, reused while events keep the same logsource and app. */
  private lastPlan: Plan | null = null;
  private lastProduct: string | null = null;
  private lastService: string | null = null;
  private lastCategory: string | null = null;
  private lastApp: string | null = null;
  private lastAuth = false;
  private orderedCorrelations: CompiledCorrelation[] = [];
  private watermark = -Infinity;
  private evaluated = 0;
  private tumbling = false;

  constructor(options: SigmaEngineOptions = {}) {
    this.placeholders = options.placeholders ?? {};
    this.corrLimits = { ...DEFAULT_CORRELATION_LIMITS, ...options.correlationLimits };
    this.packLimits = options.packLimits ?? {};
  }

  /** Load every .yml/.yaml under a folder, a .zip, or a single rule file. */
  async loadPack(path: string, options: { name?: string } = {}): Promise<PackLoadResult> {
    const pack = options.name ?? path;
    const { files, issues } = await readRulePack(path, this.packLimits);
    const result = this.loadFiles(files, pack);
    for (const i of issues) {
      const f: FailedRule = { pack, file: i.file, reasons: [i] };
      result.failed.push(f);
      this.failures.push(f);
    }
    return result;
  }

  /** Load rule text directly (tests, rules pasted in the UI). */
  loadText(text: string, file = 'inline.yml', pack = 'inline'): PackLoadResult {
    return this.loadFiles([{ path: file, text }], pack);
  }

  loadFiles(files: RuleFile[], pack: string): PackLoadResult {
    const failed: FailedRule[] = [];
    const warnings: SigmaIssue[] = [];
    const newKeys: string[] = [];
    const fail = (f: Omit<FailedRule, 'pack'>): void => {
      failed.push({ pack, ...f });
    };
    for (const file of files) {
      const { documents, issues } = loadYamlDocuments(file.text, file.path);
      for (const i of issues) fail({ file: file.path, reasons: [i] });
      for (const raw of documents) {
        const parsed = parseSigmaDocument(raw);
        const errors = parsed.issues.filter((i) => i.level === 'error');
        warnings.push(...parsed.issues.filter((i) => i.level === 'warning'));
        const label = ruleLabel(parsed.title, parsed.id);
        const issue = (reason: string, field?: string): SigmaIssue => ({
          file: file.path,
          reason,
          level: 'error',
          ...(label ? { rule: label } : {}),
          ...(parsed.id ? { ruleId: parsed.id } : {}),
          ...(field ? { field } : {}),
        });
        for (const [ref, field] of [
          [parsed.id, 'id'],
          [parsed.name, 'name'],
        ] as const) {
          if (!ref) continue;
          const prev = this.declared.get(ref);
          if (prev) errors.push(issue(`duplicate ${field} '${ref}': already defined in ${prev}`, field));
          else this.declared.set(ref, file.path);
        }
        const failedDoc = (): void => fail({ file: file.path, title: parsed.title, ruleId: parsed.id, reasons: errors });
        if (errors.length > 0 || !parsed.doc) {
          failedDoc();
          continue;
        }
        const doc = parsed.doc;
        const key = doc.id ?? doc.name ?? `${file.path}#${raw.index}`;
        const common = { key, pack, enabled: true, hits: 0, standalone: true, attack: attackFromTags(doc.tags), consumers: [] };
        try {
          if (doc.kind === 'rule') {
            const { result: base, used } = this.catalog.track(() => compileDetection(doc.detection, this.catalog, this.placeholders));
            this.rulesByKey.set(key, { ...common, doc, logsource: normalizeRuleLogsource(doc.logsource), base, pred: base, baseLits: used, lits: [used] });
          } else if (doc.kind === 'correlation') {
            this.corrByKey.set(key, { ...common, doc, window: null, refs: [], depth: 0, linkError: null });
          } else {
            const { result: pred, used } = this.catalog.track(() => compileDetection(doc.detection, this.catalog, this.placeholders));
            this.filters.push({ key, pack, doc, pred, lits: used, logsource: normalizeRuleLogsource(doc.logsource) });
          }
        } catch (err) {
          if (!(err instanceof ModifierError)) throw err;
          errors.push(issue(err.message, 'detection'));
          failedDoc();
          continue;
        }
        if (doc.id) this.refIndex.set(doc.id, { key, file: file.path });
        if (doc.name) this.refIndex.set(doc.name, { key, file: file.path });
        newKeys.push(key);
      }
    }
    warnings.push(...this.link());
    // Correlations whose references do not resolve fail now; they stay registered so a later
    // pack that provides the referenced rules can complete them.
    for (const key of newKeys) {
      const c = this.corrByKey.get(key);
      if (c?.linkError) fail({ file: c.doc.file, title: c.doc.title, ruleId: c.doc.id, reasons: [{ file: c.doc.file, rule: ruleLabel(c.doc.title, c.doc.id), ...(c.doc.id ? { ruleId: c.doc.id } : {}), field: 'correlation.rules', reason: c.linkError, level: 'error' }] });
    }
    this.failures.push(...failed);
    this.warningList.push(...warnings);
    const loaded = newKeys.map((k) => this.info(k)).filter((i): i is LoadedRuleInfo => i !== null && !(i.kind === 'correlation' && this.corrByKey.get(i.ruleId)?.linkError));
    return { pack, loaded, failed, warnings };
  }

  private lookupRef(ref: string): CompiledRule | CompiledCorrelation | undefined {
    const key = this.refIndex.get(ref)?.key ?? ref;
    return this.rulesByKey.get(key) ?? this.corrByKey.get(key);
  }

  /** Resolve correlation references and filters; recompute suppression and dispatch. */
  private link(): SigmaIssue[] {
    const warnings: SigmaIssue[] = [];
    for (const r of this.rulesByKey.values()) {
      r.consumers = [];
      r.standalone = true;
      r.pred = r.base;
      r.lits = [r.baseLits];
    }
    for (const c of this.corrByKey.values()) {
      c.consumers = [];
      c.standalone = true;
      c.refs = [];
      c.linkError = null;
    }
    for (const c of this.corrByKey.values()) {
      const missing = c.doc.rules.filter((ref) => !this.lookupRef(ref));
      if (missing.length > 0) {
        c.linkError = `refers to unknown rule${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`;
        continue;
      }
      c.refs = c.doc.rules.map((ref) => this.lookupRef(ref)!);
      if (c.refs.includes(c)) c.linkError = 'refers to itself';
    }
    // Chains must be acyclic; depth orders flushing (inner correlations first).
    const visiting = new Set<CompiledCorrelation>();
    const depthOf = (c: CompiledCorrelation): number => {
      if (visiting.has(c)) {
        c.linkError = 'correlation chain has a cycle';
        return 0;
      }
      visiting.add(c);
      let d = 0;
      for (const r of c.refs) if ('window' in r) d = Math.max(d, depthOf(r) + 1);
      visiting.delete(c);
      c.depth = d;
      return d;
    };
    for (const c of this.corrByKey.values()) depthOf(c);
    // A correlation that refers to a broken one is broken too.
    let changed = true;
    while (changed) {
      changed = false;
      for (const c of this.corrByKey.values())
        if (!c.linkError && c.refs.some((r) => 'window' in r && r.linkError)) {
          c.linkError = 'refers to a correlation that failed to load';
          changed = true;
        }
    }
    const generateWanted = new Set<Common>();
    for (const c of this.corrByKey.values()) {
      if (c.linkError) {
        c.window = null;
        continue;
      }
      if (!c.window) c.window = new CorrelationWindow(c.doc, this.corrLimits);
      c.refs.forEach((r, index) => {
        r.consumers.push({ corr: c, index });
        if (c.doc.generate) generateWanted.add(r);
      });
    }
    // Spec (generate): referenced rules only produce the correlation unless generate is true.
    for (const c of this.corrByKey.values()) {
      if (c.linkError) continue;
      for (const r of c.refs) if (!generateWanted.has(r)) r.standalone = false;
    }
    this.orderedCorrelations = [...this.corrByKey.values()].filter((c) => !c.linkError).sort((a, b) => a.depth - b.depth);
    this.tumbling = this.orderedCorrelations.some((c) => c.doc.type !== 'value_percentile' && (c.doc.condition?.ops.some((o) => o.op !== 'gt' && o.op !== 'gte') ?? false));
    for (const f of this.filters) {
      for (const ref of f.doc.rules) {
        const target = this.lookupRef(ref);
        if (!target || !('logsource' in target)) {
          warnings.push({ file: f.doc.file, rule: ruleLabel(f.doc.title, f.doc.id), field: 'filter.rules', reason: `filter refers to unknown rule '${ref}'`, level: 'warning' });
          continue;
        }
        const fl = f.logsource;
        const tl = target.logsource;
        if ((fl.product && fl.product !== tl.product) || (fl.service && fl.service !== tl.service) || (fl.category && fl.category !== tl.category)) {
          warnings.push({ file: f.doc.file, rule: ruleLabel(f.doc.title, f.doc.id), field: 'logsource', reason: `filter logsource does not match rule '${ref}'; not applied`, level: 'warning' });
          continue;
        }
        // Spec (filters): the rule matches only when the filter's condition holds too.
        const inner = target.pred;
        const filt = f.pred;
        target.pred = (ctx) => inner(ctx) && filt(ctx);
        target.lits.push(f.lits);
      }
    }
    this.dispatch.clear();
    this.lastPlan = null;
    return warnings;
  }

  /**
   * Nested maps rather than a joined string key: no allocation per event. Consecutive events of
   * the same kind (the usual case: one log file at a time) skip the lookups altogether.
   */
  private planFor(event: NormalizedEvent): Plan {
    const ls = event.logsource;
    const app = event.app;
    // An authentication attempt is also in Vigil's `authentication` category (logsource.ts).
    const auth = event.fields[AUTH_FIELDS.service] !== undefined;
    const last = this.lastPlan;
    if (
      last !== null &&
      app === this.lastApp &&
      auth === this.lastAuth &&
      ls.product === this.lastProduct &&
      ls.service === this.lastService &&
      ls.category === this.lastCategory
    )
      return last;
    let byService = this.dispatch.get(ls.product);
    if (byService === undefined) {
      byService = new Map();
      this.dispatch.set(ls.product, byService);
    }
    let byCategory = byService.get(ls.service);
    if (byCategory === undefined) {
      byCategory = new Map();
      byService.set(ls.service, byCategory);
    }
    let byApp = byCategory.get(ls.category);
    if (byApp === undefined) {
      byApp = new Map();
      byCategory.set(ls.category, byApp);
    }
    const appKey = auth ? `${appService(app) ?? ''}\u0000auth` : appService(app);
    let plan = byApp.get(appKey);
    if (plan === undefined) {
      const src = eventSources(ls, app, auth);
      const rules = [...this.rulesByKey.values()].filter((r) => logsourceApplies(r.logsource, src));
      plan = { rules, scan: this.catalog.scanPlan(rules.flatMap((r) => r.lits)) };
      byApp.set(appKey, plan);
    }
    this.lastPlan = plan;
    this.lastProduct = ls.product;
    this.lastService = ls.service;
    this.lastCategory = ls.category;
    this.lastApp = app;
    this.lastAuth = auth;
    return plan;
  }

  private baseMatch(c: Common & { doc: SigmaRule | SigmaCorrelation }, event: NormalizedEvent): SigmaMatch {
    const d = c.doc;
    return {
      kind: d.kind === 'rule' ? 'rule' : 'correlation',
      ruleId: c.key,
      title: d.title,
      author: d.author ?? null,
      level: levelOf(d),
      tags: d.tags,
      attack: c.attack,
      pack: c.pack,
      eventId: event.id,
      ts: event.ts,
    };
  }

  evaluate(event: NormalizedEvent): SigmaMatch[] {
    this.catalog.prepare();
    const plan = this.planFor(event);
    const ctx = this.ctx;
    ctx.reset(event, plan.scan);
    if (event.ts !== null && event.ts > this.watermark) this.watermark = event.ts;
    const ts = event.ts ?? (this.watermark === -Infinity ? null : this.watermark);
    const out: SigmaMatch[] = [];
    const rules = plan.rules;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (!r.enabled || !r.pred(ctx)) continue;
      r.hits++;
      if (r.standalone) out.push(this.baseMatch(r, event));
      if (r.consumers.length > 0 && ts !== null) {
        const hit: CorrelationHit = { ts, eventIds: [event.id], lookup: this.lookupField };
        const consumers = r.consumers;
        for (let k = 0; k < consumers.length; k++) this.feed(consumers[k]!, hit, event, out);
      }
    }
    // Tumbling windows close as event time passes; sliding ones only need an occasional sweep.
    if (this.tumbling || (++this.evaluated & 1023) === 0) this.expireAll(event, out);
    return out;
  }

  private expireAll(event: NormalizedEvent, out: SigmaMatch[]): void {
    if (this.watermark === -Infinity) return;
    const corrs = this.orderedCorrelations;
    for (let i = 0; i < corrs.length; i++) {
      const c = corrs[i]!;
      if (!c.window || !c.enabled) continue;
      const fires = c.window.expire(this.watermark);
      for (let k = 0; k < fires.length; k++) this.emitFire(c, fires[k]!, event, out);
    }
  }

  /** Field lookup for hits of the current event (one closure for the engine's lifetime). */
  private readonly lookupField = (field: string): string | undefined => this.fieldString(field);

  private fieldString(field: string): string | undefined {
    const xs = this.ctx.strings(this.catalog.slot(field));
    return xs[0];
  }

  private feed(consumer: Consumer, hit: CorrelationHit, event: NormalizedEvent, out: SigmaMatch[]): void {
    const c = consumer.corr;
    if (!c.enabled || !c.window) return;
    const fires = c.window.feed(consumer.index, hit, this.watermark);
    for (let k = 0; k < fires.length; k++) this.emitFire(c, fires[k]!, event, out);
  }

  private emitFire(c: CompiledCorrelation, fire: CorrelationFire, event: NormalizedEvent, out: SigmaMatch[]): void {
    if (!fire.update) c.hits++;
    if (c.standalone) {
      out.push({
        ...this.baseMatch(c, event),
        ts: fire.lastTs,
        correlation: {
          type: c.doc.type,
          group: fire.group,
          eventIds: fire.eventIds,
          firstTs: fire.firstTs,
          lastTs: fire.lastTs,
          value: fire.value,
          episode: `${c.key}#${fire.episode}`,
          update: fire.update,
        },
      });
    }
    // A correlation over this one counts its matches, not how often one grew.
    if (c.consumers.length === 0 || fire.update) return;
    const base = (f: string): string | undefined => (this.ctx.event === event ? this.fieldString(f) : undefined);
    const hit: CorrelationHit = { ts: fire.lastTs, eventIds: fire.eventIds, lookup: (f) => fire.group[f] ?? base(f) };
    for (const next of c.consumers) this.feed(next, hit, event, out);
  }

  /** End of input: judge open windows of correlations whose condition needs the window to end. */
  flush(): SigmaMatch[] {
    const out: SigmaMatch[] = [];
    const event = this.ctx.event ?? ({ id: 0, ts: null } as NormalizedEvent);
    for (const c of this.orderedCorrelations) {
      if (!c.window || !c.enabled) continue;
      for (const fire of c.window.flush()) this.emitFire(c, fire, event, out);
    }
    return out;
  }

  /** Forget correlation state and the watermark (e.g. before replaying another import). */
  resetState(): void {
    for (const c of this.corrByKey.values()) if (c.window) c.window = new CorrelationWindow(c.doc, this.corrLimits);
    this.watermark = -Infinity;
  }

  setEnabled(ruleIdOrName: string, enabled: boolean): boolean {
    const target = this.lookupRef(ruleIdOrName);
    if (!target) return false;
    target.enabled = enabled;
    return true;
  }

  /** What the correlation windows hold: open groups, entries in them, entries in memory. */
  correlationMemory(): { groups: number; live: number; held: number } {
    const out = { groups: 0, live: 0, held: 0 };
    for (const c of this.corrByKey.values()) {
      if (!c.window) continue;
      const e = c.window.entryCounts();
      out.groups += c.window.groupCount;
      out.live += e.live;
      out.held += e.held;
    }
    return out;
  }

  hitCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.rulesByKey.values()) out[r.key] = r.hits;
    for (const c of this.corrByKey.values()) out[c.key] = c.hits;
    return out;
  }

  private info(key: string): LoadedRuleInfo | null {
    const r = this.rulesByKey.get(key) ?? this.corrByKey.get(key);
    if (r) {
      const d = r.doc;
      return {
        ruleId: r.key,
        kind: d.kind,
        title: d.title,
        author: d.author ?? null,
        level: d.level ?? null,
        status: d.status ?? null,
        tags: d.tags,
        pack: r.pack,
        file: d.file,
        logsource: d.kind === 'rule' ? d.logsource : null,
        enabled: r.enabled,
        hits: r.hits,
        standalone: r.standalone,
      };
    }
    const f = this.filters.find((x) => x.key === key);
    if (!f) return null;
    const d = f.doc;
    return { ruleId: f.key, kind: 'filter', title: d.title, author: d.author ?? null, level: null, status: d.status ?? null, tags: d.tags, pack: f.pack, file: d.file, logsource: d.logsource, enabled: true, hits: 0, standalone: false };
  }

  rules(): LoadedRuleInfo[] {
    const keys = [...this.rulesByKey.keys(), ...[...this.corrByKey.values()].filter((c) => !c.linkError).map((c) => c.key), ...this.filters.map((f) => f.key)];
    return keys.map((k) => this.info(k)).filter((i): i is LoadedRuleInfo => i !== null);
  }

  /** Every rule that failed to load, with its reasons. */
  errors(): FailedRule[] {
    return [...this.failures];
  }

  warnings(): SigmaIssue[] {
    return [...this.warningList];
  }
}
