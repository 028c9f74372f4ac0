/**
 * End-to-end accuracy on generated scenarios: named patterns against ground truth and the
 * Isolation Forest's ranking of attack groups. Matching rule (patternEval.ts): a detection is a
 * true positive when a ground-truth attack has the same pattern and source IP and overlapping time.
 */
import { describe, expect, it } from 'vitest';
import { analyzeEvents } from '../detect/behaviour/analyze';
import { ATTACK_PATTERNS, type PatternDetection } from '../detect/behaviour/detection';
import { rocAuc } from '../detect/behaviour/metrics';
import { type GroundTruthAttack, evaluatePatterns, labelGroups } from '../detect/behaviour/patternEval';
import { generateScenario } from './generate';

const SEEDS = [1, 2, 3, 4, 5];

describe('behaviour detectors on generated scenarios', () => {
  const runs = SEEDS.map((seed) => {
    const sc = generateScenario({ seed });
    return { sc, result: analyzeEvents(sc.events) };
  });

  it('finds every named pattern with precision and recall >= 0.9', () => {
    const detections: PatternDetection[] = [];
    const truth: GroundTruthAttack[] = [];
    runs.forEach(({ sc, result }) => {
      // Keys are made unique per seed so attacks of different seeds never match each other.
      detections.push(...result.detections.map((d) => ({ ...d, key: `${sc.seed}/${d.key}` })));
      truth.push(...sc.truth.map((t) => ({ ...t, key: `${sc.seed}/${t.key}` })));
    });
    const scores = evaluatePatterns(detections, truth);
    const table = ATTACK_PATTERNS.map((p) => `${p.padEnd(20)} P=${scores[p].precision.toFixed(3)} R=${scores[p].recall.toFixed(3)} (${scores[p].tp} tp, ${scores[p].fp} fp, ${scores[p].fn} fn, ${scores[p].truths} truths)`);
    console.log(`pattern accuracy over seeds ${SEEDS.join(',')}\n${table.join('\n')}`);
    for (const p of ATTACK_PATTERNS) {
      expect(scores[p].truths).toBeGreaterThan(0);
      expect(scores[p].precision, p).toBeGreaterThanOrEqual(0.9);
      expect(scores[p].recall, p).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('never flags staff, the office gateway, crawlers or the health probe', () => {
    for (const { sc, result } of runs) {
      const attackIps = new Set(sc.truth.map((t) => t.key));
      const benignFlagged = result.detections.filter((d) => !attackIps.has(d.key));
      expect(benignFlagged.map((d) => d.summary)).toEqual([]);
      const crawlerIps = new Set(sc.events.filter((e) => /Googlebot|bingbot|DuckDuckBot/.test(e.user_agent ?? '')).map((e) => e.src_ip));
      const staffIps = new Set(sc.events.filter((e) => e.src_ip?.startsWith('10.')).map((e) => e.src_ip));
      for (const d of result.detections) {
        expect(crawlerIps.has(d.key)).toBe(false);
        expect(staffIps.has(d.key)).toBe(false);
      }
    }
  });

  it('ranks attack sessions and IP windows above normal ones (Isolation Forest ROC-AUC)', () => {
    const lines: string[] = [];
    for (const { sc, result } of runs) {
      const sLabels = labelGroups(result.sessions, sc.truth);
      const wLabels = labelGroups(result.ipWindows, sc.truth);
      const sAuc = rocAuc(result.sessions.map((g) => g.score as number), sLabels);
      const wAuc = rocAuc(result.ipWindows.map((g) => g.score as number), wLabels);
      lines.push(
        `seed ${sc.seed}: sessions AUC ${sAuc.toFixed(3)} (${sLabels.filter(Boolean).length}/${sLabels.length} attack), ` +
          `IP windows AUC ${wAuc.toFixed(3)} (${wLabels.filter(Boolean).length}/${wLabels.length} attack)`,
      );
      expect(sAuc).toBeGreaterThanOrEqual(0.85);
      expect(wAuc).toBeGreaterThanOrEqual(0.95);
    }
    console.log(lines.join('\n'));
  });
});
