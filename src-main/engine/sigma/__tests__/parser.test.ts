/** Parsing: documents, rule collections, required fields, types and precise error paths. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGMA_SPEC, SHARED_DATA } from '../../../../test/paths';
import { describeShared } from '../../../../test/shared-data';
import { SigmaEngine } from '../engine';
import { parseSigmaDocument } from '../rule-parser';
import { checkRulePack, formatRuleCheckReport } from '../rules-check';
import { loadYamlDocuments } from '../yaml-docs';
import { ev } from './helpers';

const RULE = `title: Base
id: 11111111-1111-4111-8111-111111111111
logsource:
    product: linux
detection:
    sel:
        f: x
    condition: sel
`;

function reasons(text: string): string[] {
  const res = new SigmaEngine().loadText(text, 'r.yml');
  return res.failed.flatMap((f) => f.reasons.map((r) => `${r.field ?? ''}: ${r.reason}`));
}

describe('documents and rule collections', () => {
  it('loads every document of a multi-document file', () => {
    const { documents } = loadYamlDocuments(`${RULE}---\n${RULE.replace('Base', 'Second').replace('11111111-1111', '22222222-2222')}`, 'f.yml');
    expect(documents.map((d) => d.data.title)).toEqual(['Base', 'Second']);
  });
  it('action: global merges into every following document; reset clears it', () => {
    const text = `action: global
title: Shared
logsource:
    product: linux
detection:
    condition: sel
---
id: 11111111-1111-4111-8111-111111111111
detection:
    sel:
        f: a
---
id: 22222222-2222-4222-8222-222222222222
title: Own title
detection:
    sel:
        f: b
---
action: reset
---
title: No global
id: 33333333-3333-4333-8333-333333333333
logsource:
    product: x
detection:
    s:
        f: c
    condition: s
`;
    const { documents, issues } = loadYamlDocuments(text, 'c.yml');
    expect(issues).toEqual([]);
    expect(documents.map((d) => d.data.title)).toEqual(['Shared', 'Own title', 'No global']);
    expect((documents[0]!.data.detection as Record<string, unknown>).condition).toBe('sel');
    expect((documents[2]!.data.detection as Record<string, unknown>).condition).toBe('s');
    const engine = new SigmaEngine();
    expect(engine.loadText(text, 'c.yml').loaded).toHaveLength(3);
    expect(engine.evaluate(ev({ fields: { f: 'b' }, logsource: { product: 'linux', service: null, category: null } }))[0]?.title).toBe('Own title');
  });
  it('action: repeat re-emits the previous rule with changes', () => {
    const text = `${RULE}---\naction: repeat\nid: 22222222-2222-4222-8222-222222222222\ndetection:\n    sel:\n        f: y\n`;
    const { documents } = loadYamlDocuments(text, 'r.yml');
    expect(documents).toHaveLength(2);
    expect((documents[1]!.data.detection as { sel: { f: string } }).sel.f).toBe('y');
    expect(documents[1]!.data.title).toBe('Base');
  });
  it('unknown actions and repeat without a previous rule are errors', () => {
    expect(loadYamlDocuments('action: explode\ntitle: x', 'a.yml').issues[0]?.reason).toMatch(/unknown action 'explode'/);
    expect(loadYamlDocuments('action: repeat\ntitle: x', 'a.yml').issues[0]?.reason).toMatch(/needs a previous rule/);
  });
  it('YAML syntax errors and alias bombs are reported, not thrown', () => {
    expect(reasons('title: [unclosed\n')[0]).toMatch(/YAML syntax error/);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    expect(reasons(bomb.join('\n'))[0]).toMatch(/alias/i);
  });
});

describe('validation', () => {
  it('requires title, logsource and detection with a condition', () => {
    const r = reasons('id: 11111111-1111-4111-8111-111111111111\n');
    expect(r).toContain('title: missing title');
    expect(r).toContain('logsource: missing logsource');
    expect(r).toContain('detection: missing detection');
    expect(reasons(RULE.replace('    condition: sel\n', ''))).toContain('detection.condition: missing condition');
  });
  it('reports bad types with their path', () => {
    expect(reasons(RULE.replace('title: Base', 'title: [a, b]'))).toContain('title: title must be a string');
    expect(reasons(RULE.replace('product: linux', 'product: [a]'))).toContain('logsource.product: logsource.product must be a string');
    expect(reasons(RULE.replace('f: x', 'f:\n            nested: map'))).toContain('detection.sel.f: a field value must be a scalar or a list of scalars');
    expect(reasons(`${RULE}level: urgent\n`)[0]).toMatch(/^level: unknown level 'urgent'/);
    expect(reasons(`${RULE}status: wip\n`)[0]).toMatch(/^status: unknown status 'wip'/);
    expect(reasons(RULE.replace('condition: sel', 'condition: sel and (')).join()).toMatch(/detection\.condition: bad condition/);
  });
  it('names the rule (title and id) in every issue', () => {
    const res = new SigmaEngine().loadText(RULE.replace('f: x', 'f|nope: x'), 'r.yml');
    expect(res.failed[0]!.reasons[0]).toMatchObject({
      file: 'r.yml',
      rule: 'Base (11111111-1111-4111-8111-111111111111)',
      ruleId: '11111111-1111-4111-8111-111111111111',
      field: 'detection.sel.f|nope',
      reason: "unknown modifier 'nope'",
    });
  });
  it('warns (does not fail) on style problems', () => {
    const res = new SigmaEngine().loadText(`${RULE.replace('11111111-1111-4111-8111-111111111111', 'not-a-uuid')}date: 2020/01/01\ntags:\n    - Attack.T1000\n`, 'r.yml');
    expect(res.loaded).toHaveLength(1);
    expect(res.warnings.map((w) => w.field)).toEqual(expect.arrayContaining(['id', 'date', 'tags[0]']));
  });
  it('duplicate ids and names are reported on the later rule', () => {
    const engine = new SigmaEngine();
    engine.loadText(RULE, 'a.yml');
    const res = engine.loadText(RULE.replace('Base', 'Copy'), 'b.yml');
    expect(res.failed[0]!.reasons[0]!.reason).toBe("duplicate id '11111111-1111-4111-8111-111111111111': already defined in a.yml");
  });
  it('correlation documents are validated', () => {
    const corr = (body: string) => `title: C\ncorrelation:\n${body}`;
    expect(reasons(corr('    type: event_count\n    rules: [x]\n    group-by: [a]\n    timespan: 5 minutes\n    condition:\n        gte: 1\n')).join()).toMatch(/timespan must be a number followed by s, m, h or d/);
    expect(reasons(corr('    type: bogus\n')).join()).toMatch(/unknown correlation type 'bogus'/);
    expect(reasons(corr('    type: value_count\n    rules: [x]\n    group-by: [a]\n    timespan: 5m\n    condition:\n        gte: 1\n')).join()).toMatch(/needs condition.field/);
    expect(reasons(corr('    type: event_count\n    rules: [x]\n    group-by: [a]\n    timespan: 5m\n')).join()).toMatch(/needs a condition/);
    expect(reasons(corr('    type: event_count\n    rules: [missing_rule]\n    group-by: [a]\n    timespan: 5m\n    condition:\n        gte: 1\n')).join()).toMatch(/refers to unknown rule 'missing_rule'/);
  });
});

describeShared('specification test documents', [join(SIGMA_SPEC, 'tests', 'schema')], () => {
  const dir = join(SIGMA_SPEC, 'tests', 'schema');
  for (const kind of ['rules', 'correlation', 'filter']) {
    for (const file of readdirSync(join(dir, kind))) {
      it(`${kind}/${file} parses into a ${kind} document`, () => {
        const { documents, issues } = loadYamlDocuments(readFileSync(join(dir, kind, file), 'utf8'), file);
        expect(issues).toEqual([]);
        const parsed = parseSigmaDocument(documents[0]!);
        expect(parsed.issues.filter((i) => i.level === 'error')).toEqual([]);
        expect(parsed.doc?.kind).toBe(kind === 'rules' ? 'rule' : kind);
      });
    }
  }
});

describeShared('shared valid and invalid rule files', [join(SHARED_DATA, 'sigma-rule-files')], () => {
  const root = join(SHARED_DATA, 'sigma-rule-files');
  const load = async (folder: string) => checkRulePack(join(root, folder));

  it('rule_valid loads', async () => {
    const r = await load('rule_valid');
    expect(r.failed).toEqual([]);
    expect(r.loaded.map((x) => x.title)).toEqual(['CodeIntegrity - Unsigned Kernel Module Loaded']);
  });
  it('ruleset_with_errors fails with the unknown modifier named', async () => {
    const r = await load('ruleset_with_errors');
    expect(r.loaded).toEqual([]);
    const why = r.failed[0]!.reasons.map((x) => `${x.field}: ${x.reason}`);
    expect(why).toContain("detection.selection_1.Image|foobar: unknown modifier 'foobar'");
    // The condition also names an identifier the rule does not define.
    expect(why).toContain("detection.condition: condition references undefined search identifier 'selection'");
    expect(r.exitCode).toBe(1);
  });
  it('rule_filename_errors loads but warns about the file name', async () => {
    const r = await load('rule_filename_errors');
    expect(r.failed).toEqual([]);
    expect(r.loaded).toHaveLength(1);
    expect(r.warnings.map((w) => w.reason).join()).toMatch(/file name 'Name.yml' does not follow/);
  });
  it('ruleset_nonduplicate loads both rules of its multi-document file', async () => {
    const r = await load('ruleset_nonduplicate');
    expect(r.failed).toEqual([]);
    expect(r.loaded).toHaveLength(2);
  });
  it('ruleset_duplicate reports the duplicate id', async () => {
    const r = await load('ruleset_duplicate');
    const all = r.failed.flatMap((f) => f.reasons.map((x) => `${f.file}: ${x.reason}`));
    expect(all).toContain("sub2/test_rule.yml: duplicate id '2dcca7b4-4b3a-4db6-9364-a019d54904bf': already defined in sub1/test_rule.yml");
  });
  it('ruleset: the rule whose condition names an undefined identifier fails, the other loads, .txt is ignored', async () => {
    const r = await load('ruleset');
    expect(r.loaded.map((x) => x.file)).toEqual(['subdirectory/test_rule_2.yml']);
    expect(r.failed.map((f) => f.file)).toEqual(['test_rule.yml']);
    expect(r.failed[0]!.reasons[0]!.reason).toMatch(/undefined search identifier 'selection'/);
  });
  it('correlation_rule_valid loads its base rules and event_count, value_count and temporal correlations', async () => {
    const r = await load('correlation_rule_valid');
    expect(r.failed).toEqual([]);
    expect(r.loaded.filter((x) => x.kind === 'correlation').map((x) => x.title)).toEqual([
      'Multiple occurrences of base event',
      'Multiple occurrences of base event with different values',
      'Temporal correlation rule',
    ]);
    expect(r.loaded.filter((x) => x.kind === 'rule')).toHaveLength(3);
  });
  it('filter_valid loads as a filter', async () => {
    const r = await load('filter_valid');
    expect(r.failed).toEqual([]);
    expect(r.loaded.map((x) => x.kind)).toEqual(['filter']);
    // Its target rules live in other folders, so this pack alone cannot apply it.
    expect(r.warnings.map((w) => w.reason).join()).toMatch(/filter refers to unknown rule/);
  });
  it('the report formats for humans', async () => {
    const text = formatRuleCheckReport(await load('ruleset_with_errors'));
    expect(text).toContain('failed 1');
    expect(text).toContain("Image|foobar: unknown modifier 'foobar'");
  });
});
