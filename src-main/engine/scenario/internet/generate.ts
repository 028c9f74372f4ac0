/**
 * Seeded scenarios of a public host, with ground truth (issue 20): what any internet-facing
 * server sees besides its own users. `mixed`: a few days of a company's SSH and web server with
 * its normal traffic, botnet dictionary noise, credential stuffing through proxies (SSH and web),
 * a distributed brute force on one account, low-and-slow guessing, two worm waves (one probe
 * answered 200), an API outage that hits hundreds of ordinary clients, web login brute force, and
 * one of each single-source attack of the older scenario. `ssh-noise`: a month of one SSH host
 * under botnet background noise (>= 200 addresses, 4 dictionaries) with a couple that get in.
 *
 * TUNING_SEEDS are the seeds the detectors were developed against. HELD_OUT_SEEDS were never
 * looked at while tuning: the bars are measured on them, and nobody may tune on them.
 */
import type { NormalizedEvent } from '../../../../src-shared/event';
import { Prng } from '../../detect/behaviour/prng';
import { TRUTH_CATEGORY } from '../../incidents/scenario-eval';
import { ATTACK_GENERATORS } from '../attacks';
import { IpPool } from '../ipPool';
import { generateNormalTraffic } from '../normal';
import { ScenarioRecorder } from '../recorder';
import { botnetNoise, distributedBruteForce, distributedStuffing, lowAndSlow, webLoginBruteForce } from './auth-attacks';
import { type InternetTruth, truthOf } from './truth';
import { apiClients, outage, wormWave } from './web-attacks';

export const TUNING_SEEDS = { mixed: [1, 2], sshNoise: [7] } as const;
/** Never tuned on: the bars of issue 20 are computed on these. */
export const HELD_OUT_SEEDS = { mixed: [101, 202, 303], sshNoise: [404] } as const;

export type InternetKind = 'mixed' | 'ssh-noise';

export interface InternetScenario {
  seed: number;
  kind: InternetKind;
  start: number;
  end: number;
  host: string;
  events: NormalizedEvent[];
  authLines: string[];
  accessLines: string[];
  truth: InternetTruth[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
export const INTERNET_START = Date.UTC(2024, 4, 6);

export function generateInternetScenario(seed: number, kind: InternetKind, opts: { days?: number; bots?: number } = {}): InternetScenario {
  const start = INTERNET_START;
  const days = opts.days ?? (kind === 'mixed' ? 4 : 30);
  const host = 'edge01';
  const rec = new ScenarioRecorder(host);
  const ips = new IpPool(new Prng(seed * 3 + 1));
  const rng = new Prng(seed * 3 + 2);
  const ctx = (at: number) => ({ rec, rng, ips, start: at });
  const truth: InternetTruth[] = [];
  if (kind === 'ssh-noise') {
    // Staff still log in over SSH; the host has no web traffic worth speaking of.
    generateNormalTraffic(rec, new Prng(seed * 3 + 3), ips, start, days);
    truth.push(...botnetNoise(ctx(start), { bots: opts.bots ?? 230, lists: 4, days, winners: 2 }));
  } else {
    generateNormalTraffic(rec, new Prng(seed * 3 + 3), ips, start, days);
    const at = (d: number) => start + d * DAY + rng.range(2 * HOUR, 20 * HOUR);
    truth.push(...botnetNoise(ctx(start), { bots: opts.bots ?? 60, lists: 3, days, winners: 1 }));
    truth.push(...distributedStuffing(ctx(at(0)), { sources: 25, web: false }));
    truth.push(...distributedStuffing(ctx(at(1)), { sources: 20, web: true }));
    truth.push(...distributedBruteForce(ctx(at(1)), { sources: 30 }));
    truth.push(...lowAndSlow(ctx(start + rng.range(0, DAY)), { days: 3 }));
    truth.push(...wormWave(ctx(start), { bots: 80, days, sequence: 0, hit: true }));
    truth.push(...wormWave(ctx(start + DAY), { bots: 40, days: days - 1, sequence: 1 + (seed % 2), hit: false }));
    const clients = apiClients(ctx(start), { clients: 160, days });
    truth.push(...outage(ctx(at(2)), clients, { minutes: 15 }));
    truth.push(...webLoginBruteForce(ctx(at(2))));
    truth.push(...webLoginBruteForce(ctx(at(3))));
    // One of each single-source attack, as the older scenario plants them.
    for (const [pattern, plant] of Object.entries(ATTACK_GENERATORS)) {
      for (const t of plant({ rec, rng, ip: ips.public(), start: at(rng.int(0, days - 1)) })) {
        truth.push(truthOf(pattern, TRUTH_CATEGORY[t.pattern]!, t.key, t.start, t.end, t.note ?? pattern, `single-${t.key}`));
      }
    }
  }
  truth.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : 1));
  const { events, authLines, accessLines } = rec.finish();
  return { seed, kind, start, end: start + days * DAY, host, events, authLines, accessLines, truth };
}
