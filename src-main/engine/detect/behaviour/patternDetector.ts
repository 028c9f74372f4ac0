/**
 * Streams events into per-IP episodes and judges each episode when it closes (after
 * `episodeGapMs` of silence on the watermark, at `maxGroupMs`, on eviction or on flush).
 * possible_compromise is the exception: it is raised on the success event itself, because a
 * likely break-in should not wait half an hour for the attacker to go quiet.
 */
import type { BehaviourConfig } from './config';
import { type PatternDetection } from './detection';
import { IpEpisode } from './episode';
import { type EventFacts, sourceEntity } from './eventFacts';
import { judgeEpisode } from './patternRules';

export class PatternDetector {
  private readonly open = new Map<string, IpEpisode>();

  constructor(
    private readonly config: BehaviourConfig,
    private readonly emit: (d: PatternDetection) => void,
  ) {}

  get openCount(): number {
    return this.open.size;
  }

  add(f: EventFacts): void {
    const source = f.source;
    if (source === null) return;
    let ep = this.open.get(source);
    if (ep !== undefined && (f.ts - ep.last >= this.config.episodeGapMs || f.ts - ep.first >= this.config.maxGroupMs)) {
      this.open.delete(source);
      this.close(ep);
      ep = undefined;
    }
    if (ep === undefined) {
      ep = new IpEpisode(source, this.config.maxDistinctPerItem, this.config.maxEvidence);
      this.open.set(source, ep);
      ep.moved = f.ts;
    } else if (f.ts - ep.moved >= 1000) {
      // Keep the map ordered by activity (to within a second) for expiry and eviction.
      this.open.delete(source);
      this.open.set(source, ep);
      ep.moved = f.ts;
    }
    const ended = ep.add(f);
    const t = this.config.patterns;
    if (ended !== null && ended.failuresBefore >= t.compromiseMinFailureStreak && !ep.compromised.has(ended.user)) {
      ep.compromised.add(ended.user);
      const who = sourceEntity(source);
      this.emit({
        pattern: 'possible_compromise',
        keyType: who.type,
        key: who.value,
        users: [ended.user],
        firstTs: ended.run.streakStart,
        lastTs: f.ts,
        evidence: [...ended.run.streakIds, f.id].slice(-this.config.maxEvidence),
        facts: {
          user: ended.user,
          failures_before_success: ended.failuresBefore,
          failures_total: ended.run.failures,
          seconds_to_success: Math.round((f.ts - ended.run.streakStart) / 1000),
        },
        score: Math.min(1, 0.8 + 0.2 * (1 - t.compromiseMinFailureStreak / ended.failuresBefore)),
        summary: `possible compromise: ${ended.user} logged in ${who.type === 'user' ? 'by' : 'from'} ${who.value} after ${ended.failuresBefore} failed attempts`,
      });
    }
    if (this.open.size > this.config.maxOpenIps) {
      const [k, stalest] = this.open.entries().next().value as [string, IpEpisode];
      this.open.delete(k);
      this.close(stalest);
    }
  }

  advance(watermark: number): void {
    for (const [k, ep] of this.open) {
      if (watermark - ep.last < this.config.episodeGapMs && watermark - ep.first < this.config.maxGroupMs) break;
      this.open.delete(k);
      this.close(ep);
    }
  }

  flush(): void {
    for (const ep of this.open.values()) this.close(ep);
    this.open.clear();
  }

  private close(ep: IpEpisode): void {
    for (const d of judgeEpisode(ep, this.config.patterns)) this.emit(d);
  }
}
