/**
 * Issue 20: an outage that turns every answer of /api/v1/* into a 502 for hundreds of ordinary
 * clients, at the traffic's usual rate. An access log's template is the request line, so neither
 * the source's nor the template's request count moves, and before the per-template 5xx series no
 * detector of the ensemble saw it.
 */
import { describe, expect, it } from 'vitest';
import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import { Prng } from '../behaviour/prng';
import { EnsembleSet } from './ensemble-set';
import { SERVER_ERROR_SUFFIX } from './ensemble';

const MIN = 60_000;
const START = Date.UTC(2024, 4, 6);

function apiTraffic(outage: { from: number; to: number } | null): NormalizedEvent[] {
  const rng = new Prng(5);
  const clients = Array.from({ length: 300 }, (_, i) => `198.51.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  const events: NormalizedEvent[] = [];
  // Eight hours at ~40 requests a minute, each client every few minutes.
  for (let t = START; t < START + 8 * 60 * MIN; t += rng.exp(1500)) {
    const status = outage && t >= outage.from && t < outage.to ? 502 : 200;
    const ev = emptyEvent(`GET /api/v1/orders HTTP/1.1`, 'access.log');
    ev.ts = Math.floor(t);
    ev.parser = 'access';
    ev.action = 'http_request';
    ev.method = 'GET';
    ev.path = '/api/v1/orders';
    ev.status = status;
    ev.src_ip = rng.pick(clients);
    ev.template_id = 't_api';
    ev.severity = status >= 500 ? 3 : 6;
    events.push(ev);
  }
  events.forEach((e, i) => (e.id = i + 1));
  return events;
}

describe('server errors in the ensemble', () => {
  it('raises an alert on the template’s 5xx series when an outage flips answers at the usual rate', () => {
    const outage = { from: START + 6 * 60 * MIN, to: START + 6 * 60 * MIN + 15 * MIN };
    const set = new EnsembleSet();
    set.pushAll(apiTraffic(outage));
    set.advanceTo(START + 9 * 60 * MIN);
    const { alerts } = set.drain();
    const onErrors = alerts.filter((a) => a.key.kind === 'template' && a.key.value === `t_api ${SERVER_ERROR_SUFFIX}`);
    expect(onErrors.length, JSON.stringify(alerts.map((a) => [a.key, new Date(a.bucket).toISOString()]))).toBeGreaterThan(0);
    expect(onErrors[0]!.bucket).toBeGreaterThanOrEqual(outage.from - MIN);
    expect(onErrors[0]!.bucket).toBeLessThanOrEqual(outage.from + 5 * MIN);
    // The request counts did not move: nothing else in the ensemble stands for the outage.
    const others = alerts.filter((a) => a.bucket >= outage.from && a.bucket < outage.to && a.key.value !== `t_api ${SERVER_ERROR_SUFFIX}`);
    expect(others.filter((a) => a.key.kind === 'source' || a.key.value === 't_api')).toEqual([]);
  });

  it('stays quiet on the same traffic without an outage', () => {
    const set = new EnsembleSet();
    set.pushAll(apiTraffic(null));
    expect(set.drain().alerts.filter((a) => a.key.value.endsWith(` ${SERVER_ERROR_SUFFIX}`))).toEqual([]);
  });
});
