/**
 * The risk register: every alert adds points to each entity it names; points decay
 * exponentially on event time (a half-life), never on the wall clock, so a replay gives the same
 * risk. Risk is reported as of the case's latest alert.
 */
import type { ClassifiedAlert } from './classify';

export const RISK_HALF_LIFE_MS = 24 * 3_600_000;

export interface EntityRisk {
  type: string;
  value: string;
  risk: number;
  peak: number;
  peakTs: number | null;
  alerts: number;
  firstTs: number | null;
  lastTs: number | null;
}

export function decay(points: number, fromTs: number, toTs: number, halfLifeMs = RISK_HALF_LIFE_MS): number {
  if (toTs <= fromTs) return points;
  return points * Math.pow(2, -(toTs - fromTs) / halfLifeMs);
}

export function riskRegister(
  alerts: readonly ClassifiedAlert[],
  halfLifeMs = RISK_HALF_LIFE_MS,
): { asOf: number | null; entities: Map<string, EntityRisk> } {
  const timed = alerts
    .map((a) => ({ a, t: a.alert.lastTs ?? a.alert.firstTs }))
    .filter((x): x is { a: ClassifiedAlert; t: number } => x.t !== null)
    .sort((x, y) => x.t - y.t || x.a.alert.id - y.a.alert.id);
  const out = new Map<string, EntityRisk>();
  let asOf: number | null = null;
  for (const { a, t } of timed) {
    asOf = t;
    const named = new Map<string, { type: string; value: string }>();
    for (const e of a.alert.entities) named.set(`${e.type}:${e.value}`, e);
    if (a.actor && !named.has(a.actor)) {
      const at = a.actor.indexOf(':');
      named.set(a.actor, { type: a.actor.slice(0, at), value: a.actor.slice(at + 1) });
    }
    for (const [k, e] of named) {
      let r = out.get(k);
      if (!r) out.set(k, (r = { type: e.type, value: e.value, risk: 0, peak: 0, peakTs: null, alerts: 0, firstTs: t, lastTs: t }));
      r.risk = decay(r.risk, r.lastTs ?? t, t, halfLifeMs) + a.points;
      r.lastTs = t;
      r.alerts++;
      if (r.risk > r.peak) {
        r.peak = r.risk;
        r.peakTs = t;
      }
    }
  }
  if (asOf !== null) for (const r of out.values()) r.risk = decay(r.risk, r.lastTs ?? asOf, asOf, halfLifeMs);
  return { asOf, entities: out };
}
