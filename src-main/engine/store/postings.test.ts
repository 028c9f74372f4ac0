import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { decodeIds, encodeIds, Postings, postingTableSql } from './postings';

describe('posting lists', () => {
  it('encode ascending ids, large gaps included, and decode them back', () => {
    const ids = [5, 5, 6, 133, 20_000, 2 ** 40, 2 ** 40 + 1];
    const blob = encodeIds(ids, 5);
    const out: number[] = [];
    decodeIds(blob, 5, out);
    expect(out).toEqual(ids);
    // Consecutive ids cost a byte each.
    expect(encodeIds([100, 101, 102, 103], 100).length).toBe(4);
    expect(() => encodeIds([3, 2], 0)).toThrow(RangeError);
  });

  it('drop a varint cut off at the end instead of inventing an id', () => {
    const blob = encodeIds([1, 300], 0);
    const out: number[] = [];
    decodeIds(blob.subarray(0, blob.length - 1), 0, out);
    expect(out).toEqual([1]);
  });

  it('store lists per key and batch, answer ranges, and take events back', () => {
    const db = new Database(':memory:');
    db.exec(postingTableSql('entity_events', 'INTEGER'));
    const p = new Postings(db, 'entity_events');
    p.add(1, [1, 2, 3]);
    p.add(2, [2]);
    p.add(1, [10, 12, 14]);
    p.add(1, []);
    expect(p.ids(1)).toEqual([1, 2, 3, 10, 12, 14]);
    expect(p.countBetween(1, 3, 12)).toBe(3);
    const lost = p.remove(2, new Set([3, 12, 14]));
    expect([...lost]).toEqual([[1, 3]]);
    expect(p.ids(1)).toEqual([1, 2, 10]);
    expect(p.ids(2)).toEqual([2]);
    p.remove(1, new Set([2, 10]));
    expect(p.ids(1)).toEqual([1]);
    expect(p.ids(2)).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM entity_events').pluck().get()).toBe(1);
  });
});
