import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTACK_PATTERNS } from '../detect/behaviour/detection';
import { generateScenario } from './generate';
import { writeScenario } from './write';

const AUTH_LINE = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d web01 [A-Za-z-]+(\[\d+\])?: .+$/;
const ACCESS_LINE = /^(\S+) - (\S+) \[(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\] "(\S+) (\S+) HTTP\/1\.1" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"$/;

describe('scenario generator', () => {
  const a = generateScenario({ seed: 11, days: 2 });

  it('is deterministic for a seed', () => {
    const b = generateScenario({ seed: 11, days: 2 });
    expect(b.authLines).toEqual(a.authLines);
    expect(b.accessLines).toEqual(a.accessLines);
    expect(b.truth).toEqual(a.truth);
    expect(generateScenario({ seed: 12, days: 2 }).authLines).not.toEqual(a.authLines);
  });

  it('plants every pattern with ground truth', () => {
    for (const p of ATTACK_PATTERNS) expect(a.truth.some((t) => t.pattern === p)).toBe(true);
    for (const t of a.truth) {
      expect(t.end).toBeGreaterThanOrEqual(t.start);
      expect(a.events.some((e) => e.src_ip === t.key && e.ts !== null && e.ts >= t.start && e.ts <= t.end)).toBe(true);
    }
  });

  it('writes well-formed auth.log and Apache combined lines', () => {
    for (const l of a.authLines) expect(l).toMatch(AUTH_LINE);
    for (const l of a.accessLines) expect(l).toMatch(ACCESS_LINE);
    expect(a.authLines.some((l) => /sshd\[\d+\]: Failed password for \S+ from [\d.]+ port \d+ ssh2$/.test(l))).toBe(true);
    expect(a.authLines.some((l) => /sshd\[\d+\]: Accepted password for \S+ from [\d.]+ port \d+ ssh2$/.test(l))).toBe(true);
    expect(a.authLines.some((l) => /sshd\[\d+\]: Invalid user \S+ from [\d.]+ port \d+$/.test(l))).toBe(true);
    expect(a.authLines.some((l) => / CRON\[\d+\]: pam_unix\(cron:session\)/.test(l))).toBe(true);
    expect(a.authLines.some((l) => / sudo: +\S+ : TTY=/.test(l))).toBe(true);
    expect(a.accessLines.some((l) => l.includes('Googlebot'))).toBe(true);
  });

  it('returns events that say what the lines say, in time order', () => {
    expect(a.events).toHaveLength(a.authLines.length + a.accessLines.length);
    let auth = 0;
    let access = 0;
    let prev = -Infinity;
    a.events.forEach((e, i) => {
      expect(e.id).toBe(i + 1);
      expect(e.ts).not.toBeNull();
      expect(e.ts as number).toBeGreaterThanOrEqual(prev);
      prev = e.ts as number;
      if (e.parser === 'auth') {
        expect(e.raw).toBe(a.authLines[auth++]);
        const m = /(?:Failed|Accepted) password for (?:invalid user )?(\S+) from ([\d.]+) port/.exec(e.message);
        if (m) expect([e.user, e.src_ip]).toEqual([m[1], m[2]]);
      } else {
        expect(e.raw).toBe(a.accessLines[access++]);
        const m = ACCESS_LINE.exec(e.raw);
        expect(m).not.toBeNull();
        const [, ip, user, , , , hh, mm, ss, method, path, status, , , ua] = m as RegExpExecArray;
        expect(e.src_ip).toBe(ip);
        expect(e.user).toBe(user === '-' ? null : user);
        expect([e.method, e.path, e.status, e.user_agent]).toEqual([method, path, Number(status), ua]);
        const d = new Date(e.ts as number);
        expect([d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]).toEqual([Number(hh), Number(mm), Number(ss)]);
      }
    });
  });

  it('writes the logs and truth.json to a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-scenario-'));
    try {
      const w = writeScenario(dir, { seed: 3, days: 1, attacksPerPattern: 1 });
      expect(readFileSync(w.authLog, 'utf8').split('\n').filter(Boolean)).toEqual(w.scenario.authLines);
      expect(readFileSync(w.accessLog, 'utf8').split('\n').filter(Boolean)).toEqual(w.scenario.accessLines);
      const truth = JSON.parse(readFileSync(w.truthFile, 'utf8')) as { seed: number; attacks: { pattern: string; key: string }[] };
      expect(truth.seed).toBe(3);
      expect(truth.attacks.map((t) => `${t.pattern}:${t.key}`)).toEqual(w.scenario.truth.map((t) => `${t.pattern}:${t.key}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
