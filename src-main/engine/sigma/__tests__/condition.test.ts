/** Conformance: the condition grammar (spec: Condition) and keyword searches. */
import { describe, expect, it } from 'vitest';
import { ConditionError, parseCondition, selectIdentifiers } from '../condition';
import { SigmaEngine } from '../engine';
import { engineWith, ev, ruleYaml } from './helpers';

/** Rule with identifiers a, b, c each matching field of the same name = 1. */
function evalCond(condition: string, fields: Record<string, number>, extraIdents = ''): boolean {
  const det = `a:\n    a: 1\nb:\n    b: 1\nc:\n    c: 1\n${extraIdents}condition: ${condition}`;
  return engineWith(ruleYaml(det)).evaluate(ev({ fields })).length > 0;
}

describe('condition grammar', () => {
  it('and / or / not', () => {
    expect(evalCond('a and b', { a: 1, b: 1 })).toBe(true);
    expect(evalCond('a and b', { a: 1 })).toBe(false);
    expect(evalCond('a or b', { b: 1 })).toBe(true);
    expect(evalCond('a and not b', { a: 1 })).toBe(true);
    expect(evalCond('a and not b', { a: 1, b: 1 })).toBe(false);
    expect(evalCond('not a', {})).toBe(true);
  });
  it('and binds tighter than or', () => {
    // a or (b and c)
    expect(evalCond('a or b and c', { a: 1 })).toBe(true);
    expect(evalCond('a or b and c', { b: 1 })).toBe(false);
    expect(parseCondition('a or b and c')).toEqual({ kind: 'or', items: [{ kind: 'ref', name: 'a' }, { kind: 'and', items: [{ kind: 'ref', name: 'b' }, { kind: 'ref', name: 'c' }] }] });
  });
  it('not binds tighter than and', () => {
    // (not a) and b
    expect(evalCond('not a and b', { b: 1 })).toBe(true);
    expect(evalCond('not a and b', { a: 1, b: 1 })).toBe(false);
    expect(evalCond('not a and b', {})).toBe(false);
  });
  it('parentheses override precedence', () => {
    expect(evalCond('(a or b) and c', { a: 1 })).toBe(false);
    expect(evalCond('(a or b) and c', { a: 1, c: 1 })).toBe(true);
    expect(evalCond('not (a or b)', { b: 1 })).toBe(false);
    expect(evalCond('((a))', { a: 1 })).toBe(true);
  });
  it('keywords are case-insensitive', () => {
    expect(evalCond('a AND NOT b', { a: 1 })).toBe(true);
  });
  it('1 of / all of a pattern', () => {
    const extra = 'sel_x:\n    x: 1\nsel_y:\n    y: 1\n';
    expect(evalCond('1 of sel_*', { y: 1 }, extra)).toBe(true);
    expect(evalCond('all of sel_*', { y: 1 }, extra)).toBe(false);
    expect(evalCond('all of sel_*', { x: 1, y: 1 }, extra)).toBe(true);
    expect(evalCond('a and not 1 of sel_*', { a: 1, x: 1 }, extra)).toBe(false);
    expect(evalCond('not 1 of sel_* and a', { a: 1 }, extra)).toBe(true);
  });
  it('x of binds tighter than not/and/or', () => {
    const extra = 'sel_x:\n    x: 1\nsel_y:\n    y: 1\n';
    expect(parseCondition('not 1 of sel_* or a')).toEqual({
      kind: 'or',
      items: [{ kind: 'not', item: { kind: 'of', quantifier: 'one', pattern: 'sel_*' } }, { kind: 'ref', name: 'a' }],
    });
    expect(evalCond('all of sel_* or a', { a: 1 }, extra)).toBe(true);
  });
  it('1 of them / all of them skip identifiers starting with _', () => {
    const extra = '_ignored:\n    z: 1\n';
    expect(evalCond('1 of them', { c: 1 }, extra)).toBe(true);
    expect(evalCond('1 of them', { z: 1 }, extra)).toBe(false);
    expect(evalCond('all of them', { a: 1, b: 1, c: 1 }, extra)).toBe(true);
    expect(evalCond('all of them', { a: 1, b: 1 }, extra)).toBe(false);
    expect(selectIdentifiers(null, ['a', '_b'])).toEqual(['a']);
    expect(selectIdentifiers('_*', ['a', '_b'])).toEqual(['_b']);
  });
  it('wildcards anywhere in the pattern', () => {
    expect(selectIdentifiers('*_main_*', ['filter_main_a', 'filter_optional_b', 'main'])).toEqual(['filter_main_a']);
  });
  it('a list of conditions is OR-ed', () => {
    const engine = engineWith(ruleYaml('a:\n    a: 1\nb:\n    b: 1\ncondition:\n    - a\n    - b'));
    expect(engine.evaluate(ev({ fields: { b: 1 } }))).toHaveLength(1);
  });
  it('rejects bad syntax with the position', () => {
    expect(() => parseCondition('a and')).toThrow(ConditionError);
    expect(() => parseCondition('(a or b')).toThrow(/missing \)/);
    expect(() => parseCondition('a b')).toThrow(/unexpected 'b' at position 2/);
    expect(() => parseCondition('2 of sel*')).toThrow(/only '1 of' and 'all of'/);
    expect(() => parseCondition('sel* and a')).toThrow(/wildcards/);
    expect(() => parseCondition('selection | count() > 5')).toThrow(/correlation rule/);
  });
  it('undefined identifiers and empty patterns fail the rule', () => {
    const engine = new SigmaEngine();
    const res = engine.loadText(ruleYaml('a:\n    a: 1\ncondition: a and missing or 1 of nothing*'));
    const reasons = res.failed[0]!.reasons.map((r) => r.reason);
    expect(reasons).toContain("condition references undefined search identifier 'missing'");
    expect(reasons).toContain("'nothing*' in the condition matches no search identifier");
    expect(res.failed[0]!.reasons[0]!.field).toBe('detection.condition');
  });
});

describe('keyword searches (spec: Keywords search, Lists)', () => {
  it('a list of strings matches anywhere in the message, OR-ed', () => {
    const engine = engineWith(ruleYaml("keywords:\n    - 'event::clear'\n    - 'event::drop'\ncondition: keywords"));
    expect(engine.evaluate(ev({ message: 'mimikatz # EVENT::Clear done' }))).toHaveLength(1);
    expect(engine.evaluate(ev({ message: 'nothing here' }))).toHaveLength(0);
  });
  it('keywords also search the raw line', () => {
    const engine = engineWith(ruleYaml("keywords:\n    - 'srv-42 sshd'\ncondition: keywords"));
    expect(engine.evaluate(ev({ message: 'Accepted', raw: 'Mar 1 srv-42 sshd[1]: Accepted' }))).toHaveLength(1);
  });
  it("'|all' makes keywords AND", () => {
    const engine = engineWith(ruleYaml("keywords:\n    '|all':\n        - 'OabVirtualDirectory'\n        - ' -ExternalUrl '\ncondition: keywords"));
    expect(engine.evaluate(ev({ message: 'Set-OabVirtualDirectory -ExternalUrl http://x' }))).toHaveLength(1);
    expect(engine.evaluate(ev({ message: 'Set-OabVirtualDirectory' }))).toHaveLength(0);
  });
  it('keyword wildcards and many keywords through the automaton', () => {
    const words = Array.from({ length: 40 }, (_, i) => `    - 'needle${i}x'`).join('\n');
    const engine = engineWith(ruleYaml(`keywords:\n${words}\n    - 'chown root*chmod 4777 '\ncondition: keywords`));
    expect(engine.evaluate(ev({ message: 'a NEEDLE33X b' }))).toHaveLength(1);
    expect(engine.evaluate(ev({ message: 'chown root x; chmod 4777 /tmp/sh' }))).toHaveLength(1);
    expect(engine.evaluate(ev({ message: 'chmod 4777 then chown root' }))).toHaveLength(0);
    expect(engine.evaluate(ev({ message: 'needle3' }))).toHaveLength(0);
  });
  it('a list of maps is OR-ed', () => {
    const engine = engineWith(ruleYaml("selection:\n    - Image|endswith: '\\example.exe'\n    - Description|contains: 'Test executable'\ncondition: selection"));
    expect(engine.evaluate(ev({ fields: { Description: 'a Test executable' } }))).toHaveLength(1);
    expect(engine.evaluate(ev({ fields: { Image: 'c:\\example.exe' } }))).toHaveLength(1);
    expect(engine.evaluate(ev({ fields: { Image: 'c:\\other.exe' } }))).toHaveLength(0);
  });
});
