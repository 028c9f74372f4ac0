import { afterEach, describe, expect, it } from 'vitest';
import type { AlertingSettings, SinkRow } from '../../../src-shared/contract-alerting';
import { TestEngine } from '../test-support';

let engines: TestEngine[] = [];
afterEach(async () => {
  for (const e of engines) await e.link.close();
  engines = [];
});

function engine(): TestEngine {
  const e = new TestEngine();
  engines.push(e);
  return e;
}

describe('alerting methods', () => {
  it('need an open case', async () => {
    expect(await engine().raw('alerting.getSettings')).toMatchObject({ ok: false, error: { code: 'no_case_open' } });
  });

  it('refuse bad input with the field named, and unknown ids as not_found', async () => {
    const e = engine();
    await e.call('cases.create', { name: 'alerts' });
    const cases: [string, unknown, string, RegExp][] = [
      [
        'alerting.saveRule',
        { name: 'r', quietHours: { start: '25:00', end: '07:00' } },
        'invalid_input',
        /quietHours\.start: a time is HH:MM/,
      ],
      ['alerting.saveRule', { name: '' }, 'invalid_input', /name: a rule needs a name/],
      ['alerting.saveRule', { name: 'r', sinkIds: ['missing'] }, 'invalid_input', /Unknown sink: missing/],
      ['alerting.saveRule', { id: 99, name: 'r' }, 'not_found', /No alert rule 99/],
      ['alerting.saveSink', { name: 'x', kind: 'fax' }, 'invalid_input', /kind/],
      [
        'alerting.saveSink',
        { name: 'x', kind: 'webhook', secrets: { headers: { 'Bad Header': 'v' } } },
        'invalid_input',
        /secrets\.headers\.Bad Header/,
      ],
      ['alerting.saveSink', { name: 'x', kind: 'syslog', settings: { host: '127.0.0.1', port: 70000 } }, 'invalid_input', /settings\.port/],
      ['alerting.saveSink', { name: 'x', kind: 'syslog' }, 'invalid_input', /needs a host/],
      ['alerting.testSink', { id: 'nope' }, 'not_found', /No sink nope/],
      ['alerting.retryDead', { ids: [1] }, 'not_found', /dead letters/],
      ['alerting.retryDead', { ids: [] }, 'invalid_input', /ids/],
    ];
    for (const [method, input, code, message] of cases) {
      const reply = await e.raw(method, input);
      expect(reply, `${method} ${JSON.stringify(input)}`).toMatchObject({ ok: false, error: { code } });
      if (!reply.ok) expect(reply.error.message).toMatch(message);
    }
  });

  it('keep secrets write-only: edits without secrets keep them, an empty value removes one', async () => {
    const e = engine();
    await e.call('cases.create', { name: 'alerts' });
    const sink = await e.call<SinkRow>('alerting.saveSink', {
      name: 'hook',
      kind: 'webhook',
      secrets: { url: 'https://hooks.example.org/abc/def?token=zzz', hmacKey: 'k', headers: { 'X-Api-Key': 'v' } },
    });
    expect(sink).toMatchObject({ target: 'https://hooks.example.org/…', hmac: true, headerNames: ['X-Api-Key'], secret: 'stored' });
    const renamed = await e.call<SinkRow>('alerting.saveSink', { id: sink.id, name: 'renamed', kind: 'webhook' });
    expect(renamed).toMatchObject({ name: 'renamed', target: 'https://hooks.example.org/…', hmac: true, headerNames: ['X-Api-Key'] });
    const unsigned = await e.call<SinkRow>('alerting.saveSink', {
      id: sink.id,
      name: 'renamed',
      kind: 'webhook',
      secrets: { hmacKey: '' },
    });
    expect(unsigned).toMatchObject({ hmac: false, headerNames: ['X-Api-Key'], target: 'https://hooks.example.org/…' });
    const settings = await e.call<AlertingSettings>('alerting.getSettings');
    expect(JSON.stringify(settings)).not.toMatch(/zzz|abc\/def/);
    expect(settings.secretStore).toMatchObject({ scheme: 'file', problem: null });
    expect(settings.desktopHost).toBe(false);

    // Deleting the sink removes it from rules and forgets its secret.
    await e.call('alerting.saveRule', { name: 'r', sinkIds: [sink.id] });
    await e.call('alerting.deleteSink', { id: sink.id });
    const after = await e.call<AlertingSettings>('alerting.getSettings');
    expect(after.sinks).toEqual([]);
    expect(after.rules[0]!.sinkIds).toEqual([]);
  });
});
