/**
 * Low-and-slow guessing: one source trying logins hours apart over days, each try far below any
 * per-minute rate (the way CrowdSec's slow and very slow brute-force scenarios see it: a bucket
 * that leaks in hours, not seconds). The per-IP episodes of the behaviour models end after half
 * an hour of quiet and never see it. Here a source's tries are kept for `horizonMs` of quiet; it
 * is judged when it goes quiet that long or its record reaches `maxSpanMs`:
 * >= minFailures failures over >= minSpanMs, a failure ratio >= minFailureRatio, and a median gap
 * between tries >= minMedianGapMs, so a bot that comes back for a quick burst every day is not
 * mistaken for a slow one. Times are sorted when judged: slightly out-of-order input is fine.
 */
import { type AlertMember, type MemberStat, addTry, cloneMember, newMember, toAlertMembers } from './members';
import type { AuthTry, TargetFinding } from './auth-targets';
import { spanWords } from './auth-targets';

export interface LowAndSlowConfig {
  horizonMs: number;
  maxSpanMs: number;
  minFailures: number;
  minSpanMs: number;
  minFailureRatio: number;
  minMedianGapMs: number;
  maxOpen: number;
}

export const DEFAULT_LOW_AND_SLOW: LowAndSlowConfig = {
  horizonMs: 36 * 3_600_000,
  maxSpanMs: 14 * 86_400_000,
  minFailures: 8,
  minSpanMs: 4 * 3_600_000,
  minFailureRatio: 0.9,
  minMedianGapMs: 10 * 60_000,
  maxOpen: 50_000,
};

export interface SlowFinding extends Omit<TargetFinding, 'pattern' | 'account' | 'accounts' | 'invalidShare'> {
  pattern: 'low_and_slow';
  ip: string;
  members: AlertMember[];
}

interface Record_ {
  /** Event time it last moved to the back of the open map. */
  moved: number;
  member: MemberStat;
  service: string;
  times: number[];
  evidence: number[];
}

const MAX_TIMES = 500;

export class LowAndSlowDetector {
  private open = new Map<string, Record_>();

  constructor(
    private readonly emit: (f: SlowFinding) => void,
    private readonly c: LowAndSlowConfig = DEFAULT_LOW_AND_SLOW,
  ) {}

  add(t: AuthTry): void {
    let r = this.open.get(t.ip);
    if (r !== undefined && (t.ts - r.member.last >= this.c.horizonMs || t.ts - r.member.first >= this.c.maxSpanMs)) {
      this.open.delete(t.ip);
      this.judge(r);
      r = undefined;
    }
    // Only a source that fails is worth a record; its successes count once it has one.
    if (r === undefined && t.result === 'success') return;
    if (r === undefined) {
      if (this.open.size >= this.c.maxOpen) {
        const [k, stalest] = this.open.entries().next().value as [string, Record_];
        this.open.delete(k);
        this.judge(stalest);
      }
      r = { member: newMember(t.ip, t.ts, t.result), service: t.service, times: [], evidence: [], moved: t.ts };
      this.open.set(t.ip, r);
    } else if (t.ts - r.moved >= 60_000) {
      // Most recently active last (to within a minute), so eviction and expiry start at the stalest.
      this.open.delete(t.ip);
      this.open.set(t.ip, r);
      r.moved = t.ts;
    }
    addTry(r.member, t.id, t.ts, t.user, t.result, t.invalid, t.weight);
    if (r.times.length < MAX_TIMES) r.times.push(t.ts);
    if (t.result === 'failure' && r.evidence.length < 200) r.evidence.push(t.id);
  }

  advance(watermark: number): void {
    for (const [k, r] of this.open) {
      if (watermark - r.member.last < this.c.horizonMs && watermark - r.member.first < this.c.maxSpanMs) break;
      this.open.delete(k);
      this.judge(r);
    }
  }

  flush(): void {
    for (const r of this.open.values()) this.judge(r);
    this.open.clear();
  }

  state(): { open: Record_[] } {
    return {
      open: [...this.open.values()].map((r) => ({ ...r, member: cloneMember(r.member), times: [...r.times], evidence: [...r.evidence] })),
    };
  }

  restore(s: { open: Record_[] } | undefined): void {
    this.open = new Map(
      (s?.open ?? []).map((r) => [
        r.member.ip,
        { ...r, moved: r.moved ?? r.member.last, member: cloneMember(r.member), times: [...r.times], evidence: [...r.evidence] },
      ]),
    );
  }

  private judge(r: Record_): void {
    const m = r.member;
    if (m.failures < this.c.minFailures || m.last - m.first < this.c.minSpanMs) return;
    if (m.failures / (m.failures + m.successes) < this.c.minFailureRatio) return;
    const times = [...r.times].sort((a, b) => a - b);
    const gaps: number[] = [];
    for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
    gaps.sort((a, b) => a - b);
    const median = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0;
    if (median < this.c.minMedianGapMs) return;
    const users = m.users.length + m.moreUsers;
    this.emit({
      pattern: 'low_and_slow',
      key: `ip:${m.ip}`,
      ip: m.ip,
      service: r.service,
      first: m.first,
      last: m.last,
      failures: m.failures,
      successes: m.successes,
      users: m.users,
      members: toAlertMembers([m]),
      evidence: r.evidence,
      score: Math.min(1, 0.6 + 0.4 * (1 - this.c.minFailures / m.failures)),
      summary:
        `low-and-slow guessing: ${m.ip} failed ${m.failures} logins against ${users} account${users === 1 ? '' : 's'} on ${r.service} ` +
        `over ${spanWords(m.last - m.first)}, about one try every ${spanWords(median)}` +
        (m.successes > 0 ? `, then got in` : ', no success'),
    });
  }
}
