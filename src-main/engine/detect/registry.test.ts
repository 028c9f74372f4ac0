/**
 * Adding a detector is a file of its own and a line in the registry: a trivial one (every line
 * with "canary" in it is an alert about its source address) runs in every pass once it is listed,
 * and its findings become incidents like any other detector's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../src-shared/event';
import { ROOT } from '../../../test/paths';
import { CaseSession } from '../session/case-session';
import type { AlertSink } from '../store/alerts';
import { CaseDb } from '../store/case-db';
import { tempDir } from '../test-support';
import { ENGINE_STAGES } from './registry';
import type { Stage } from './stage';

/** The whole of a new detector. */
class CanaryStage implements Stage {
  readonly name = 'canary';
  consume(events: readonly NormalizedEvent[], sink: AlertSink): void {
    for (const ev of events) {
      if (!ev.message.includes('canary') || !ev.src_ip) continue;
      sink.add({
        detector: 'behaviour',
        kind: 'canary',
        title: 'Canary touched',
        severity: 'high',
        score: 1,
        firstTs: ev.ts,
        lastTs: ev.ts,
        key: `ip:${ev.src_ip}`,
        entities: [{ type: 'ip', value: ev.src_ip }],
        evidence: [ev.id],
        details: {},
        tags: [],
      });
    }
  }
  finish(): void {}
  state(): unknown {
    return null;
  }
  restore(): void {}
}

const added = (db: Parameters<(typeof ENGINE_STAGES)[number]>[0]) => (void db, new CanaryStage());

afterEach(() => {
  const at = ENGINE_STAGES.indexOf(added);
  if (at >= 0) ENGINE_STAGES.splice(at, 1);
});

describe('the detector registry', () => {
  it('runs a detector added with one line, and its findings become incidents', async () => {
    ENGINE_STAGES.push(added);
    const dir = tempDir();
    const log = join(dir, 'auth.log');
    writeFileSync(
      log,
      [
        'Mar  1 10:00:00 web-01 sshd[1]: Accepted publickey for ana from 10.0.0.5 port 4000 ssh2',
        'Mar  1 10:00:05 web-01 sshd[2]: Connection from 203.0.113.9 port 5000: canary account probed',
      ].join('\n') + '\n',
    );
    const session = new CaseSession(CaseDb.create(join(dir, 'c.vigil'), 'canary'), { rulesDir: join(ROOT, 'resources', 'sigma'), dataDir: dir, emit: () => {} });
    try {
      session.importer.start([log], { force: false, format: 'auto' });
      await session.work.idle();
      const incidents = session.store.db.prepare(`SELECT group_key, title FROM incidents WHERE group_key = 'ip:203.0.113.9'`).all();
      expect(incidents).toHaveLength(1);
    } finally {
      await session.close();
    }
  });
});
