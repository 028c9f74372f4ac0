import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IncidentDetail, IncidentsPage, LlmSettings, RiskRow, SampleCase } from '../../../src-shared/contract-incidents';
import type { StartImportResult } from '../../../src-shared/dto';
import { TestEngine } from '../test-support';

describe('incidents handlers on the bundled sample', () => {
  it('opens the sample archive and serves the queue, a detail, risk and LLM settings', async () => {
    const engine = new TestEngine();
    try {
      const sample = await engine.call<SampleCase>('incidents.getSample');
      expect(sample.archiveExists).toBe(true);
      expect(existsSync(sample.archive)).toBe(true);
      expect(sample.caseExists).toBe(false);
      await engine.call('cases.create', { name: 'Sample', path: sample.casePath });
      expect((await engine.call<SampleCase>('incidents.getSample')).caseExists).toBe(true);
      const started = await engine.call<StartImportResult>('ingest.startImport', { paths: [sample.archive] });
      await engine.next<{ importId: number | null }>('detect.finished', (r) => r.importId === started.jobs[0]!.id, 60_000);

      const page = await engine.call<IncidentsPage>('incidents.list', {});
      expect(page.rows.map((r) => `${r.category}/${r.pattern}`)).toEqual([
        'auth_attack/credential_stuffing',
        'auth_attack/possible_compromise',
        'auth_attack/possible_compromise',
        'auth_attack/password_spraying',
        // The internet's background guessing: one campaign row.
        'auth_attack/distributed_brute_force',
        'scanner/scanning',
        'app_error/error_burst',
      ]);
      expect(page.counts.category).toMatchObject({ auth_attack: 5, scanner: 1, app_error: 1 });
      expect(page.counts.kind).toMatchObject({ campaign: 1, incident: 6 });
      const searched = await engine.call<IncidentsPage>('incidents.list', { query: '145.57.18.110' });
      expect(searched.rows.map((r) => r.category)).toEqual(['scanner']);
      const bySeverity = await engine.call<IncidentsPage>('incidents.list', { severity: 'critical', sort: 'first', desc: false });
      expect(bySeverity.rows.every((r) => r.severity === 'critical')).toBe(true);

      const top = page.rows[0]!;
      const detail = await engine.call<IncidentDetail>('incidents.get', { id: top.id, evidenceLimit: 20 });
      expect(detail.explanation.summary).toMatch(/^Credential stuffing: 131\.233\.55\.242 tried \d+ accounts/);
      expect(detail.explanation.facts.join(' ')).toMatch(/first seen in the case/);
      expect(detail.evidence).toHaveLength(20);
      expect(detail.evidenceTotal).toBeGreaterThan(20);
      expect(detail.evidence[0]!.raw).toContain('131.233.55.242');
      expect(detail.entities[0]).toMatchObject({ type: 'ip', value: '131.233.55.242', role: 'actor' });
      expect(detail.entities[0]!.risk).toBeGreaterThan(0);
      expect(detail.contributions.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 1);
      expect(detail.timelines.length).toBeGreaterThan(1);
      expect(detail.graph.nodes.find((n) => n.actor)?.value).toBe('131.233.55.242');
      expect(detail.graph.edges.length).toBeGreaterThan(0);
      expect(detail.incident.tags).toContain('attack.t1110.004');

      const risk = await engine.call<RiskRow[]>('incidents.listRisk', { type: 'ip', limit: 5 });
      expect(risk.length).toBeGreaterThan(0);
      expect(risk[0]!.risk).toBeGreaterThanOrEqual(risk[risk.length - 1]!.risk);
      expect(await engine.call<RiskRow[]>('incidents.listRisk', { values: ['131.233.55.242'] })).toHaveLength(1);

      const missing = await engine.raw('incidents.get', { id: 'inc_nope' });
      expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });

      expect(await engine.call<LlmSettings>('incidents.getLlmSettings')).toMatchObject({ enabled: false, hasApiKey: false });
      const saved = await engine.call<LlmSettings>('incidents.setLlmSettings', {
        enabled: true,
        provider: 'openai',
        baseUrl: 'http://127.0.0.1:9/v1',
        model: 'm',
        apiKey: 'k',
      });
      expect(saved).toEqual({
        enabled: true,
        provider: 'openai',
        baseUrl: 'http://127.0.0.1:9/v1',
        model: 'm',
        timeoutMs: 15_000,
        hasApiKey: true,
      });
      expect(JSON.stringify(saved)).not.toContain('"k"');
      const r = await engine.call<{ source: string; text: string }>('incidents.rephrase', { id: top.id });
      expect(r.source).toBe('deterministic');
      expect(r.text).toContain(detail.explanation.summary);
    } finally {
      await engine.link.close();
    }
  }, 90_000);
});
