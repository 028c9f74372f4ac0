import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../../test/paths';
import { describeShared } from '../../../test/shared-data';
import { Drain } from './drain';
import { groupingAccuracy, loadLoghubDataset, LOGHUB_DATASETS, parseCsv } from './loghub';

const LOGHUB = join(SHARED_DATA, 'loghub-2k');

describe('parseCsv', () => {
  it('handles quotes, escaped quotes, separators and newlines in fields, CRLF', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\n2,"multi\nline",\n3,,"" \n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'multi\nline', ''],
      ['3', '', ' '],
    ]);
  });
});

describe('groupingAccuracy', () => {
  it('counts a message as correct only when its group equals its true group', () => {
    // Truth groups: {0,1} A, {2} B, {3,4} C. Predicted: {0,1} ok, {2,3} mixes B and C, {4} splits C.
    expect(groupingAccuracy(['p', 'p', 'q', 'q', 'r'], ['A', 'A', 'B', 'C', 'C'])).toBeCloseTo(2 / 5);
    expect(groupingAccuracy(['x', 'y', 'z'], ['A', 'B', 'C'])).toBe(1);
    expect(groupingAccuracy(['x', 'x'], ['A', 'B'])).toBe(0);
  });
});

describeShared('Loghub 2k grouping accuracy (one default configuration)', [LOGHUB], () => {
  it('averages ≥ 0.93 over the six datasets', () => {
    const scores: Record<string, number> = {};
    for (const name of LOGHUB_DATASETS) {
      const ds = loadLoghubDataset(LOGHUB, name);
      expect(ds.contents.length).toBe(2000);
      const drain = new Drain();
      const predicted = ds.contents.map((line) => drain.add(line).clusterId);
      scores[name] = groupingAccuracy(predicted, ds.templates);
    }
    const values = Object.values(scores);
    const average = values.reduce((a, b) => a + b, 0) / values.length;
    console.log(
      `Loghub GA: ${Object.entries(scores)
        .map(([k, v]) => `${k}=${v.toFixed(3)}`)
        .join(' ')} average=${average.toFixed(4)}`,
    );
    expect(average).toBeGreaterThanOrEqual(0.93);
  });
});
