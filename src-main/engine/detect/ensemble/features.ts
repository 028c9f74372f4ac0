import type { NormalizedEvent } from '../../../../src-shared/event';

/**
 * Content features for Half-Space Trees, each scaled to [0, 1] because HST splits a fixed
 * [0, 1] work space per dimension (values outside it all fall into the edge half-spaces).
 *
 *  0 template rarity  log((N+1)/(c+1)) / log(N+1): c = events seen with this template, N = all
 *                     events. 0 = the only template ever seen, 1 = never seen before. Log scale
 *                     because rarity spans orders of magnitude (1 in 10 vs 1 in 100 000).
 *  1 entity count     non-null of src_ip, dst_ip, user, host, path, user_agent, divided by 6.
 *  2 severity         (7 - severity) / 7 so emergencies are 1; null reads as informational (6).
 *  3 parameter count  p / (p + 4): saturating instead of capped, so 12 and 40 still differ.
 *  4 message length   L / (L + 160): same idea; 160 chars (a typical log line) maps to 0.5.
 */
export const FEATURE_COUNT = 5;

export interface ContentFeaturesConfig {
  /** Distinct templates tracked before counts are halved (forgetting) and zeros dropped. */
  maxTemplates: number;
  /** Total count at which all counts are halved, so rarity follows a changing mix. */
  maxTotal: number;
}

export const DEFAULT_CONTENT_FEATURES: ContentFeaturesConfig = { maxTemplates: 4096, maxTotal: 1_000_000 };

export interface ContentFeaturesState {
  total: number;
  counts: [string, number][];
}

export class ContentFeatures {
  private counts = new Map<string, number>();
  private total = 0;

  constructor(private readonly config: ContentFeaturesConfig = DEFAULT_CONTENT_FEATURES) {}

  extract(e: NormalizedEvent, out: Float64Array): Float64Array {
    const c = this.counts.get(e.template_id ?? '') ?? 0;
    out[0] = this.total === 0 ? 1 : Math.log((this.total + 1) / (c + 1)) / Math.log(this.total + 1);
    let entities = 0;
    if (e.src_ip !== null) entities++;
    if (e.dst_ip !== null) entities++;
    if (e.user !== null) entities++;
    if (e.host !== null) entities++;
    if (e.path !== null) entities++;
    if (e.user_agent !== null) entities++;
    out[1] = entities / 6;
    const sev = e.severity === null ? 6 : Math.min(7, Math.max(0, e.severity));
    out[2] = (7 - sev) / 7;
    const p = e.params.length;
    out[3] = p / (p + 4);
    const len = e.message.length;
    out[4] = len / (len + 160);
    return out;
  }

  learn(e: NormalizedEvent): void {
    const key = e.template_id ?? '';
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
    if (this.total >= this.config.maxTotal || this.counts.size > this.config.maxTemplates) this.halve();
  }

  private halve(): void {
    this.total = 0;
    for (const [k, v] of this.counts) {
      const h = Math.floor(v / 2);
      if (h === 0) this.counts.delete(k);
      else {
        this.counts.set(k, h);
        this.total += h;
      }
    }
    // Halving alone cannot shrink a vocabulary of frequent templates; drop the rarest then.
    if (this.counts.size > this.config.maxTemplates) {
      const keep = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, Math.floor(this.config.maxTemplates * 0.9));
      this.counts = new Map(keep);
      this.total = keep.reduce((acc, kv) => acc + kv[1], 0);
    }
  }

  state(): ContentFeaturesState {
    return { total: this.total, counts: [...this.counts] };
  }

  restore(s: ContentFeaturesState): void {
    this.total = s.total;
    this.counts = new Map(s.counts);
  }
}
