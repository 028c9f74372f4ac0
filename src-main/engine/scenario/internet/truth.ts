/** Ground truth of the internet scenarios: one row per attacking address, or per target for outages. */
import type { IncidentCategory } from '../../../../src-shared/contract-incidents';
import type { Prng } from '../../detect/behaviour/prng';
import { STAFF_USERS, SYSTEM_USERS } from '../catalog';
import type { IpPool } from '../ipPool';
import type { ScenarioRecorder } from '../recorder';

export interface InternetTruth {
  /** botnet, distributed_stuffing, distributed_brute_force, low_and_slow, compromise, worm, exploit_hit, outage, web_brute_force. */
  kind: string;
  category: IncidentCategory;
  /** The attacking address, or for an outage the path family it hit. */
  key: string;
  keyKind: 'ip' | 'target';
  start: number;
  end: number;
  note: string;
  /** Addresses of one group (a botnet's dictionary, one stuffing run) share it. */
  group: string;
}

export interface PlantContext {
  rec: ScenarioRecorder;
  rng: Prng;
  ips: IpPool;
  start: number;
}

export const STAFF: readonly string[] = STAFF_USERS;
export const SYSTEM: readonly string[] = SYSTEM_USERS;

export function truthOf(
  kind: string,
  category: IncidentCategory,
  key: string,
  start: number,
  end: number,
  note: string,
  group: string,
  keyKind: 'ip' | 'target' = 'ip',
): InternetTruth {
  return { kind, category, key, keyKind, start: Math.floor(start / 1000) * 1000, end: Math.floor(end / 1000) * 1000, note, group };
}
