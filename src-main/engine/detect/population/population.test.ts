/**
 * Detection keyed on targets and populations, on hand-made streams: what each detector reports,
 * that lines a little out of order give the same findings, that a saved state continues exactly,
 * and that staff and an office gateway never become members.
 */
import { describe, expect, it } from 'vitest';
import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import type { AlertInput } from '../../store/alerts';
import { Prng } from '../behaviour/prng';
import { PopulationStage } from '../population-stage';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2024, 4, 6);

function ssh(ts: number, ip: string, user: string, ok: boolean, invalid = false): NormalizedEvent {
  const msg = ok
    ? `Accepted password for ${user} from ${ip} port 4242 ssh2`
    : `Failed password for ${invalid ? 'invalid user ' : ''}${user} from ${ip} port 4242 ssh2`;
  const e = emptyEvent(`May  6 00:00:00 h1 sshd[1]: ${msg}`, 'auth.log');
  Object.assign(e, {
    ts,
    host: 'h1',
    app: 'sshd',
    message: msg,
    src_ip: ip,
    user,
    outcome: ok ? 'success' : 'failure',
    action: 'ssh_login',
    parser: 'auth',
  });
  return e;
}

function http(ts: number, ip: string, path: string, status: number, method = 'GET'): NormalizedEvent {
  const e = emptyEvent(`${ip} - - [..] "${method} ${path} HTTP/1.1" ${status} 100`, 'access.log');
  Object.assign(e, {
    ts,
    src_ip: ip,
    method,
    path,
    status,
    action: 'http_request',
    parser: 'access',
    message: `${method} ${path} HTTP/1.1`,
  });
  return e;
}

function run(events: NormalizedEvent[], opts: { splitAt?: number } = {}): AlertInput[] {
  const sorted = events.map((e, i) => ({ ...e, id: i + 1 }));
  const alerts: AlertInput[] = [];
  const sink = { add: (a: AlertInput) => alerts.push(a) };
  let stage = new PopulationStage();
  for (let i = 0; i < sorted.length; i += 100) {
    if (opts.splitAt !== undefined && i === opts.splitAt) {
      // A checkpoint: the state as JSON, into a new stage.
      const saved = JSON.parse(JSON.stringify(stage.state())) as unknown;
      stage = new PopulationStage();
      stage.restore(saved);
    }
    stage.consume(sorted.slice(i, i + 100), sink);
  }
  stage.finish(sink);
  return alerts;
}

/** 30 sources, a few failures each against root, within two hours; staff logging in meanwhile. */
function distributedOnRoot(rng: Prng): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let s = 0; s < 30; s++) {
    let t = T0 + rng.range(0, 2 * HOUR);
    for (let k = rng.int(3, 6); k > 0; k--) {
      out.push(ssh(t, `198.51.100.${s + 1}`, 'root', false));
      t += rng.int(2000, 8000);
    }
  }
  // The office gateway: many staff log in, a few mistype.
  for (let k = 0; k < 200; k++) {
    const t = T0 + rng.range(0, 3 * HOUR);
    const user = `staff${k % 12}`;
    if (rng.chance(0.1)) out.push(ssh(t, '10.20.0.1', user, false));
    out.push(ssh(t + 3000, '10.20.0.1', user, true));
  }
  return out.sort((a, b) => a.ts! - b.ts!);
}

const members = (a: AlertInput) => ((a.details['members'] as { ip: string }[]) ?? []).map((m) => m.ip).sort();

describe('population detectors', () => {
  it('sees a distributed brute force on one account, and never the office gateway', () => {
    const alerts = run(distributedOnRoot(new Prng(1)));
    const onRoot = alerts.find((a) => a.kind === 'distributed_brute_force' && a.key === 'target:sshd@h1 user root')!;
    expect(onRoot).toBeDefined();
    expect(members(onRoot)).toHaveLength(30);
    expect(onRoot.details['summary']).toMatch(/^distributed brute force: 30 addresses failed \d+ logins as root on sshd@h1/);
    for (const a of alerts) expect(members(a)).not.toContain('10.20.0.1');
  });

  it('gives the same findings when lines arrive up to a minute out of order', () => {
    const ordered = distributedOnRoot(new Prng(2));
    const rng = new Prng(3);
    // Each line written up to a minute late: sorted by when it was written, not by its time.
    const disordered = ordered
      .map((e) => ({ e, at: e.ts! + rng.int(0, 60_000) }))
      .sort((a, b) => a.at - b.at)
      .map((x) => x.e);
    const a = run(ordered).map((x) => [x.kind, x.key, members(x)]);
    const b = run(disordered).map((x) => [x.kind, x.key, members(x)]);
    expect(b).toEqual(a);
    expect(a.length).toBeGreaterThan(0);
  });

  it('continues from a saved state exactly as if it had never stopped', () => {
    const events = distributedOnRoot(new Prng(4));
    const whole = run(events);
    const resumed = run(events, { splitAt: Math.floor(events.length / 200) * 100 });
    expect(resumed).toEqual(whole);
  });

  it('sees low-and-slow guessing hours apart over days, not a bot that comes back for quick bursts', () => {
    const slow: NormalizedEvent[] = [];
    for (let t = T0, k = 0; t < T0 + 3 * 24 * HOUR; t += 3 * HOUR, k++)
      slow.push(ssh(t, '203.0.113.7', ['admin', 'oracle'][k % 2]!, false, true));
    const bursts: NormalizedEvent[] = [];
    for (let d = 0; d < 3; d++)
      for (let k = 0; k < 5; k++) bursts.push(ssh(T0 + d * 24 * HOUR + k * 3000, '203.0.113.8', 'admin', false, true));
    const alerts = run([...slow, ...bursts].sort((a, b) => a.ts! - b.ts!)).filter((a) => a.kind === 'low_and_slow');
    expect(alerts.map((a) => a.key)).toEqual(['ip:203.0.113.7']);
    expect(alerts[0]!.details['summary']).toMatch(/about one try every 3\.0 hours/);
  });

  it('sees server errors across many known clients of one path family, not a botnet crashing a handler', () => {
    const rng = new Prng(5);
    const events: NormalizedEvent[] = [];
    const clients = Array.from({ length: 80 }, (_, i) => `192.0.2.${i + 1}`);
    for (let t = T0; t < T0 + 4 * HOUR; t += rng.int(2000, 6000)) {
      const outage = t > T0 + 2 * HOUR && t < T0 + 2 * HOUR + 15 * MIN;
      events.push(http(t, rng.pick(clients), `/api/v1/orders/${rng.int(1, 900)}`, outage ? 502 : 200));
    }
    // New addresses whose exploit requests crash another handler.
    for (let k = 0; k < 60; k++) events.push(http(T0 + 3 * HOUR + k * 5000, `203.0.113.${k + 1}`, '/cgi/upload.php', 500, 'POST'));
    const alerts = run(events.sort((a, b) => a.ts! - b.ts!)).filter((a) => a.kind === 'service_error_burst');
    expect(alerts.map((a) => a.key)).toEqual(['target:web@access.log /api/v1/*']);
    expect(alerts[0]!.firstTs).toBeGreaterThanOrEqual(T0 + 2 * HOUR - 5 * MIN);
    expect(alerts[0]!.lastTs).toBeLessThanOrEqual(T0 + 2 * HOUR + 25 * MIN);
  });

  it('groups a worm wave by its probe sequence and marks the source a probe answered', () => {
    const seq = [
      '/scripts/root.exe',
      '/msadc/root.exe',
      '/c/winnt/system32/cmd.exe',
      '/d/winnt/system32/cmd.exe',
      '/scripts/..%5c../cmd.exe',
    ];
    const events: NormalizedEvent[] = [];
    for (let b = 0; b < 12; b++)
      seq.forEach((p, i) => events.push(http(T0 + b * 4 * HOUR + i * 500, `198.18.0.${b + 1}`, p, b === 3 && i === 0 ? 200 : 404)));
    const waves = run(events.sort((a, b) => a.ts! - b.ts!)).filter((a) => a.kind === 'probe_wave');
    expect(waves).toHaveLength(1);
    expect(members(waves[0]!)).toHaveLength(12);
    const hit = (waves[0]!.details['members'] as { ip: string; outcome: string }[]).find((m) => m.outcome === 'got_in');
    expect(hit?.ip).toBe('198.18.0.4');
  });
});
