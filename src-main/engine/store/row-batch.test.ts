import { describe, expect, it } from 'vitest';
import { emptyEvent } from '../../../src-shared/event';
import { EntityPacker, eventValues, ROW_WIDTH, RowPacker, unpackRow } from './row-batch';

describe('packed event rows', () => {
  it('unpack to the very values eventValues gave, whatever repeats and whatever is null', () => {
    const lines = ['a line', 'another line', 'a third, whose raw text differs from the input'];
    const rows = lines.map((line, i) => {
      const ev = emptyEvent(line, 'test');
      ev.ts = i === 1 ? null : 1_700_000_000_000 + i;
      ev.host = 'web-01';
      ev.app = i === 2 ? null : 'sshd';
      ev.pid = i;
      ev.status = i === 0 ? 0 : null;
      ev.user = `user${i % 2}`;
      ev.params = i === 0 ? ['x', 'y'] : [];
      ev.fields = i === 2 ? { sender: '127.0.0.1' } : {};
      if (i === 2) ev.raw = `${line}!`;
      const out: unknown[] = new Array(ROW_WIDTH);
      eventValues(ev, out, 0);
      return out;
    });
    const packer = new RowPacker(lines.length);
    rows.forEach((r, i) => packer.add(r, lines[i]!));
    const packed = packer.finish();
    expect(packed.n).toBe(3);
    // Repeated strings cross once.
    expect(packed.dict.filter((s) => s === 'web-01')).toHaveLength(1);
    rows.forEach((r, i) => {
      const out: unknown[] = ['x', 'y'];
      unpackRow(packed, i, lines[i]!, out, 2);
      expect(out.slice(2)).toEqual(r);
    });
  });

  it('list each entity of a batch once, with its lines and times', () => {
    const p = new EntityPacker();
    p.add(0, 'e1', 'ip', '10.0.0.1', 5);
    p.add(0, 'e1', 'ip', '10.0.0.1', 5); // twice on one line counts once
    p.add(1, 'e2', 'user', 'root', null);
    p.add(2, 'e1', 'ip', '10.0.0.1', 3);
    const e = p.finish();
    expect(e.ids).toEqual(['e1', 'e2']);
    expect([...e.at.subarray(0, e.ends[0])]).toEqual([0, 2]);
    expect([...e.at.subarray(e.ends[0], e.ends[1])]).toEqual([1]);
    expect([e.first[0], e.last[0]]).toEqual([3, 5]);
    expect(Number.isNaN(e.first[1]!)).toBe(true);
  });
});
