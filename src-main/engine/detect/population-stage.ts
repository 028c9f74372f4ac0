/**
 * Detection keyed on targets and populations (DESIGN.md step 7), beside the per-actor behaviour
 * models: per service and per account (distributed brute force and credential stuffing), per
 * source over days (low-and-slow guessing), and per path family (server errors across many
 * clients). Event time throughout, with a watermark `LATENESS_MS` behind the latest event, so
 * lines slightly out of order still count where they belong. Findings are behaviour alerts whose
 * key is the target (`target:sshd@web01`), carrying their member sources in `details.members`
 * for the campaign step of the incident builder.
 */
import { basename } from 'node:path';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { Stage } from './stage';
import { logOf } from '../parse/log-names';
import type { AlertEntity, AlertSink } from '../store/alerts';
import { AUTH_FIELDS } from '../../../src-shared/event';
import { accountEntities, EventFactExtractor, sourceEntity } from './behaviour/eventFacts';
import { DEFAULT_BEHAVIOUR_CONFIG } from './behaviour/config';
import { canonicalPath, isExploitPath } from './behaviour/webSignals';
import { AuthTargetDetector, type AuthTargetState, type TargetFinding } from './population/auth-targets';
import { pathFamily, serviceName } from './population/family';
import { LowAndSlowDetector, type SlowFinding } from './population/low-and-slow';
import { PathErrorDetector, type PathErrorFinding, type PathErrorState } from './population/path-errors';
import { ProbeWaveDetector, type ProbeWaveFinding, type ProbeWaveState } from './population/probe-waves';

const LATENESS_MS = 2 * 60_000;
/** Member addresses named as alert entities (risk, graph); the rest are in details.members. */
const ENTITY_MEMBERS = 40;

const TAGS: Record<string, string[]> = {
  distributed_brute_force: ['attack.credential_access', 'attack.t1110.001'],
  distributed_stuffing: ['attack.credential_access', 'attack.t1110.004'],
  low_and_slow: ['attack.credential_access', 'attack.t1110'],
  service_error_burst: [],
  probe_wave: ['attack.reconnaissance', 'attack.t1595.002'],
};

const TITLES: Record<string, string> = {
  distributed_brute_force: 'Distributed brute force',
  distributed_stuffing: 'Distributed credential stuffing',
  low_and_slow: 'Low-and-slow password guessing',
  service_error_burst: 'Server errors across many clients',
  probe_wave: 'Probe wave',
};

export interface PopulationState {
  version: 1;
  maxTs: number;
  targets: AuthTargetState;
  slow: ReturnType<LowAndSlowDetector['state']>;
  paths: PathErrorState;
  probes: ProbeWaveState;
}

export class PopulationStage implements Stage {
  readonly name = 'population';
  private facts = new EventFactExtractor(DEFAULT_BEHAVIOUR_CONFIG.businessHours);
  private pending: Parameters<AlertSink['add']>[0][] = [];
  private readonly targets = new AuthTargetDetector((f) => this.reportTarget(f));
  private readonly slow = new LowAndSlowDetector((f) => this.reportSlow(f));
  private readonly paths = new PathErrorDetector((f) => this.reportPaths(f));
  private readonly probes = new ProbeWaveDetector((f) => this.reportProbes(f));
  private maxTs = -Infinity;

  consume(events: readonly NormalizedEvent[], sink: AlertSink): void {
    for (const ev of events) this.push(ev);
    const watermark = this.maxTs - LATENESS_MS;
    this.targets.advance(watermark);
    this.slow.advance(watermark);
    this.paths.advance(watermark);
    this.probes.advance(watermark);
    this.drain(sink);
  }

  finish(sink: AlertSink): void {
    this.targets.flush();
    this.slow.flush();
    this.paths.flush();
    this.probes.flush();
    this.drain(sink);
  }

  state(): PopulationState {
    return {
      version: 1,
      maxTs: this.maxTs,
      targets: this.targets.state(),
      slow: this.slow.state(),
      paths: this.paths.state(),
      probes: this.probes.state(),
    };
  }

  restore(state: unknown): void {
    const s = state as PopulationState | null;
    if (!s || s.version !== 1) return;
    this.maxTs = s.maxTs ?? -Infinity;
    this.targets.restore(s.targets);
    this.slow.restore(s.slow);
    this.paths.restore(s.paths);
    this.probes.restore(s.probes);
  }

  private push(ev: NormalizedEvent): void {
    if (ev.ts === null) return;
    const http = ev.action === 'http_request' || (ev.method !== null && ev.status !== null);
    // Most lines are neither a login nor a web answer: skip them before any string work.
    if (!http && ev.fields[AUTH_FIELDS.service] === undefined) return;
    if (!http) {
      if (ev.ts > this.maxTs) this.maxTs = ev.ts;
      const login = this.facts.loginOf(ev);
      // A population is of remote sources: a local caller (su, sudo) is no member of one.
      if (login === null || login.source.startsWith('user:')) return;
      const t = {
        id: ev.id,
        ts: ev.ts,
        ip: login.source,
        user: login.user,
        result: login.result,
        invalid: login.invalid,
        weight: login.weight,
        service: this.authService(login.service, ev.host),
      };
      this.targets.add(t);
      this.slow.add(t);
      return;
    }
    const f = this.facts.extract(ev);
    if (f === null) return;
    if (f.ts > this.maxTs) this.maxTs = f.ts;
    if (f.status !== null && f.path !== null) {
      const service = `${ev.app ?? 'web'}@${hostOf(ev)}`;
      this.paths.add({ id: f.id, ts: f.ts, ip: f.source, status: f.status, service, family: pathFamily(canonicalPath(f.path)) });
      const probe = f.status >= 400 && f.status < 500 && f.auth === null;
      if (f.source !== null && (probe || (f.status >= 200 && f.status < 300 && isExploitPath(f.path))))
        this.probes.add({ id: f.id, ts: f.ts, ip: f.source, path: f.path, status: f.status, exploit: !probe, service });
    }
    if (f.auth === null || f.auth === 'unknown' || f.source === null) return;
    const service = `web ${pathFamily(f.path ?? '/')}@${hostOf(ev)}`;
    const t = { id: f.id, ts: f.ts, ip: f.source, user: f.user, result: f.auth, invalid: f.invalidUser, weight: f.weight, service };
    this.targets.add(t);
    this.slow.add(t);
  }

  /** ssh@web01 for the attempt's service and host; runs of one service on one host are the rule, so the last is kept. */
  private authService(service: string, host: string | null): string {
    const last = this.lastService;
    if (last !== null && last.service === service && last.host === host) return last.name;
    const name = serviceName(service, host);
    this.lastService = { service, host, name };
    return name;
  }

  private lastService: { service: string; host: string | null; name: string } | null = null;

  private drain(sink: AlertSink): void {
    for (const a of this.pending) sink.add(a);
    this.pending = [];
  }

  private reportTarget(f: TargetFinding): void {
    const entities: AlertEntity[] = [
      ...accountEntities(f.account !== null ? [f.account] : f.users, 20),
      ...f.members.slice(0, ENTITY_MEMBERS).map((m) => sourceEntity(m.ip)),
    ];
    this.pending.push({
      detector: 'behaviour',
      kind: f.pattern,
      title: `${TITLES[f.pattern]} on ${f.account !== null ? `${f.account} at ` : ''}${f.service}`,
      severity: f.pattern === 'distributed_stuffing' || f.successes > 0 ? 'high' : 'medium',
      score: f.score,
      firstTs: f.first,
      lastTs: f.last,
      key: f.key,
      entities,
      evidence: f.evidence,
      details: {
        summary: f.summary,
        target: { service: f.service, account: f.account },
        facts: {
          sources: f.members.length,
          failures: f.failures,
          successes: f.successes,
          accounts: f.accounts,
          invalid_share: round2(f.invalidShare),
        },
        users: f.users,
        members: named(f.members),
      },
      tags: TAGS[f.pattern] ?? [],
    });
  }

  private reportSlow(f: SlowFinding): void {
    this.pending.push({
      detector: 'behaviour',
      kind: f.pattern,
      title: `${TITLES[f.pattern]} from ${f.ip}`,
      severity: f.successes > 0 ? 'high' : 'medium',
      score: f.score,
      firstTs: f.first,
      lastTs: f.last,
      key: f.key,
      entities: [{ type: f.key.slice(0, f.key.indexOf(':')), value: f.ip }, ...accountEntities(f.users, 20)],
      evidence: f.evidence,
      details: {
        summary: f.summary,
        target: { service: f.service, account: null },
        facts: { failures: f.failures, successes: f.successes },
        users: f.users,
        members: named(f.members),
      },
      tags: TAGS[f.pattern] ?? [],
    });
  }

  private reportPaths(f: PathErrorFinding): void {
    this.pending.push({
      detector: 'behaviour',
      kind: f.pattern,
      title: `${TITLES[f.pattern]}: ${f.family} on ${f.service}`,
      severity: 'medium',
      score: f.score,
      firstTs: f.first,
      lastTs: f.last,
      key: f.key,
      entities: [{ type: 'url', value: f.family }],
      evidence: f.evidence,
      details: {
        summary: f.summary,
        target: { service: f.service, family: f.family },
        facts: { errors: f.errors, requests: f.requests, clients: f.clients },
        statuses: f.statuses,
      },
      tags: [],
    });
  }

  private reportProbes(f: ProbeWaveFinding): void {
    this.pending.push({
      detector: 'behaviour',
      kind: f.pattern,
      title: `${TITLES[f.pattern]} on ${f.service}: ${f.members.length} addresses`,
      severity: f.members.some((m) => m.outcome === 'got_in') ? 'high' : 'low',
      score: f.score,
      firstTs: f.first,
      lastTs: f.last,
      key: f.key,
      entities: f.members.slice(0, ENTITY_MEMBERS).map((m) => sourceEntity(m.ip)),
      evidence: f.evidence,
      details: {
        summary: f.summary,
        target: { service: f.service },
        facts: { sources: f.members.length, requests: f.requests },
        paths: f.paths,
        members: named(f.members),
      },
      tags: TAGS[f.pattern] ?? [],
    });
  }
}

/** Members as the incident layer reads them: each source by its address or host name (no key prefix). */
function named<M extends { ip: string }>(members: M[]): M[] {
  return members.map((m) => (m.ip.startsWith('host:') ? { ...m, ip: m.ip.slice(5) } : m));
}

/** The host a line is about; access logs name none, so their file stands for it (rotation suffixes dropped). */
function hostOf(ev: NormalizedEvent): string {
  if (ev.host) return ev.host;
  return basename(logOf(ev.source)) || 'unknown';
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
