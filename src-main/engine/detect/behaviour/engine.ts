/**
 * The behavioural half of the pipeline (DESIGN.md step 7) as one streaming object.
 *
 * Per event: push(ev). Events must come in (near) event-time order; the watermark is the largest
 * event time seen minus allowedLatenessMs, and sessions, IP windows and pattern episodes close
 * when it passes them. drain() hands over what closed since the last drain: feature vectors
 * (scored when a model for their kind is loaded) and pattern detections. flush() closes
 * everything, e.g. at the end of an import. state()/restore() carry what should outlive a run:
 * entity history (first-seen, baselines, path rarity) and the models.
 */
import type { NormalizedEvent } from '../../../../src-shared/event';
import { BehaviourModel, type BehaviourModelJson } from './behaviourModel';
import { type BehaviourConfig, type BehaviourConfigInput, resolveConfig } from './config';
import type { PatternDetection } from './detection';
import { EntityHistory, type EntityHistoryState } from './entityHistory';
import { EventFactExtractor } from './eventFacts';
import { FEATURE_SET_VERSION, type GroupKind, computeFeatures } from './features';
import { type CloseReason, IpWindowTracker, type OpenGroup, SessionTracker } from './groups';
import { PatternDetector } from './patternDetector';
import type { RiskLevel } from './riskLevel';

export interface BehaviourGroup {
  kind: GroupKind;
  /** Sessions: "ip|user|agent"; IP windows: "ip@windowStart". */
  key: string;
  ip: string;
  user: string | null;
  userAgent: string | null;
  start: number;
  end: number;
  events: number;
  /** Bounded evidence event ids. */
  evidence: number[];
  featureSetVersion: string;
  /** In FEATURE_NAMES order. */
  features: number[];
  closeReason: CloseReason;
  /** Isolation Forest score and level, null while no model for this kind is loaded. */
  score: number | null;
  level: RiskLevel | null;
}

export interface BehaviourOutput {
  groups: BehaviourGroup[];
  detections: PatternDetection[];
}

export interface BehaviourEngineState {
  version: 1;
  featureSetVersion: string;
  history: EntityHistoryState;
  models: Partial<Record<GroupKind, BehaviourModelJson>>;
}

export class BehaviourEngine {
  readonly config: BehaviourConfig;
  private readonly facts: EventFactExtractor;
  private readonly history: EntityHistory;
  private readonly sessions: SessionTracker;
  private readonly windows: IpWindowTracker;
  private readonly patterns: PatternDetector;
  private readonly models: Partial<Record<GroupKind, BehaviourModel>> = {};
  private maxTs = -Infinity;
  private watermarkTs = -Infinity;
  private pending: BehaviourOutput = { groups: [], detections: [] };
  private skippedNoTime = 0;

  constructor(config: BehaviourConfigInput = {}, state?: BehaviourEngineState) {
    this.config = resolveConfig(config);
    const c = this.config;
    this.facts = new EventFactExtractor(c.businessHours);
    this.history = new EntityHistory(c.maxHistoryEntries, c.rarePathMaxIps, c.contextHorizonMs, c.maxDistinctPerItem);
    const limits = (maxOpen: number) => ({ maxDistinct: c.maxDistinctPerItem, maxEvidence: c.maxEvidence, maxOpen });
    const sink = (g: OpenGroup, reason: CloseReason) => this.closeGroup(g, reason);
    this.sessions = new SessionTracker(c.sessionGapMs, c.maxGroupMs, limits(c.maxOpenSessions), sink);
    this.windows = new IpWindowTracker(c.ipWindowMs, limits(c.maxOpenIps), sink);
    this.patterns = new PatternDetector(c, (d) => this.pending.detections.push(d));
    if (state) this.restore(state);
  }

  /** Feed one event. Events without event time are counted and ignored. */
  push(ev: NormalizedEvent): void {
    const f = this.facts.extract(ev);
    if (f === null) {
      this.skippedNoTime++;
      return;
    }
    if (f.ts > this.maxTs) this.maxTs = f.ts;
    this.history.observe(f.ts, f.source, f.user, f.http ? f.path : null);
    this.sessions.add(f);
    this.windows.add(f);
    this.patterns.add(f);
    this.advanceWatermark(this.maxTs - this.config.allowedLatenessMs);
  }

  /**
   * Move event time forward without an event, e.g. from a per-source watermark when a live source
   * is idle. Never moves backwards.
   */
  advanceWatermark(ts: number): void {
    if (!(ts > this.watermarkTs)) return;
    this.watermarkTs = ts;
    this.sessions.advance(ts);
    this.windows.advance(ts);
    this.patterns.advance(ts);
  }

  get watermark(): number {
    return this.watermarkTs;
  }

  /** Close every open group and episode (end of import). */
  flush(): void {
    this.sessions.flush();
    this.windows.flush();
    this.patterns.flush();
  }

  /** Everything that closed since the last drain. */
  drain(): BehaviourOutput {
    const out = this.pending;
    this.pending = { groups: [], detections: [] };
    return out;
  }

  get stats(): { openSessions: number; openIpWindows: number; openEpisodes: number; skippedNoTime: number } {
    return {
      openSessions: this.sessions.openCount,
      openIpWindows: this.windows.openCount,
      openEpisodes: this.patterns.openCount,
      skippedNoTime: this.skippedNoTime,
    };
  }

  setModel(kind: GroupKind, model: BehaviourModel | null): void {
    if (model === null) delete this.models[kind];
    else {
      if (model.kind !== kind) throw new Error(`model scores ${model.kind}, not ${kind}`);
      this.models[kind] = model;
    }
  }

  getModel(kind: GroupKind): BehaviourModel | null {
    return this.models[kind] ?? null;
  }

  state(): BehaviourEngineState {
    const models: Partial<Record<GroupKind, BehaviourModelJson>> = {};
    for (const [k, m] of Object.entries(this.models) as [GroupKind, BehaviourModel][]) models[k] = m.toJSON();
    return { version: 1, featureSetVersion: FEATURE_SET_VERSION, history: this.history.state(), models };
  }

  private restore(s: BehaviourEngineState): void {
    if (s.version !== 1) throw new Error(`unsupported behaviour state version ${String(s.version)}`);
    // History baselines are per feature set: a changed definition would compare apples to pears.
    if (s.featureSetVersion === FEATURE_SET_VERSION) this.history.restore(s.history);
    for (const [k, m] of Object.entries(s.models) as [GroupKind, BehaviourModelJson][]) {
      if (m.featureSetVersion === FEATURE_SET_VERSION) this.setModel(k, BehaviourModel.fromJSON(m));
    }
  }

  private closeGroup(g: OpenGroup, reason: CloseReason): void {
    const features = computeFeatures({ kind: g.kind, ip: g.ip, user: g.user }, g.stats, this.history);
    const model = this.models[g.kind];
    const scored = model ? model.score(features) : null;
    this.pending.groups.push({
      kind: g.kind,
      key: g.kind === 'session' ? `${g.ip}|${g.user ?? ''}|${g.userAgent ?? ''}` : `${g.ip}@${g.windowStart}`,
      ip: g.ip,
      user: g.user,
      userAgent: g.userAgent,
      start: g.kind === 'ip_window' ? g.windowStart : g.stats.first,
      end: g.stats.last,
      events: g.stats.events,
      // The group is closed: its stats are not touched again, so the list is handed over as it is.
      evidence: g.stats.evidence,
      featureSetVersion: FEATURE_SET_VERSION,
      features,
      closeReason: reason,
      score: scored ? scored.score : null,
      level: scored ? scored.level : null,
    });
  }
}
