/**
 * Hostile archives through the real engine: one folder import holding a truncated gzip, zip and
 * gzip bombs, path traversal and links in tar and zip, an encrypted zip and empty archives, next
 * to good logs. Each bad one gets a clear note in the import's report; every good line arrives.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventsPage, ImportJob, SourceRow, StartImportResult } from '../../src-shared/dto';
import { TestEngine, tempDir } from '../../src-main/engine/test-support';
import { walkMembers, type MemberSkip } from '../../src-main/engine/ingest/members';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.link.close();
  engine = null;
});

function authLines(tag: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const s = String(i % 60).padStart(2, '0');
    out += `Mar 27 13:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${s} web-1 sshd[${1000 + i}]: Failed password for ${tag}${i % 7} from 203.0.113.${i % 200} port ${40000 + i} ssh2\n`;
  }
  return out;
}

async function makeTar(path: string, entries: { name: string; body?: string; type?: 'symlink' | 'link'; linkname?: string }[], gzip = false) {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type) pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
    else pack.entry({ name: e.name }, e.body ?? '');
  }
  pack.finalize();
  if (gzip) await pipeline(pack, createGzip(), createWriteStream(path));
  else await pipeline(pack, createWriteStream(path));
}

async function makeZip(path: string, entries: { name: string; body: string | Buffer; mode?: number }[], rename: [string, string][] = []) {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(Buffer.from(e.body), e.name, e.mode ? { mode: e.mode } : {});
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  if (rename.length) {
    // yazl refuses hostile names, so write harmless ones of the same length and patch the bytes.
    let buf = readFileSync(path);
    for (const [from, to] of rename) {
      expect(from.length).toBe(to.length);
      let at = buf.indexOf(from);
      while (at >= 0) {
        buf.write(to, at, 'latin1');
        at = buf.indexOf(from, at + 1);
      }
    }
    writeFileSync(path, buf);
    buf = Buffer.alloc(0);
  }
}

async function importAndWait(e: TestEngine, path: string): Promise<ImportJob> {
  const done = e.next<ImportJob>('ingest.finished', () => true, 120_000);
  const started = await e.call<StartImportResult>('ingest.startImport', { paths: [path], force: true });
  expect(started.jobs).toHaveLength(1);
  return done;
}

async function countEvents(e: TestEngine, query = ''): Promise<number> {
  return (await e.call<EventsPage>('events.search', { query, limit: 1 })).total;
}

describe('hostile archives through the engine', () => {
  it('notes every bad archive in the import report and imports every good line', async () => {
    const dir = join(tempDir('vigil-archives-'), 'evidence');
    mkdirSync(dir);
    let goodLines = 0;
    const good = (tag: string, n: number) => {
      goodLines += n;
      return authLines(tag, n);
    };
    writeFileSync(join(dir, 'a-good.log'), good('alice', 120));
    // Truncated gzip: the first part of the stream inflates; what was read before the cut is kept.
    const cut = gzipSync(authLines('cut', 50_000));
    writeFileSync(join(dir, 'b-cut.log.gz'), cut.subarray(0, cut.length >> 1));
    // A gzip bomb: 100 MB of zeros in ~100 KB.
    writeFileSync(join(dir, 'c-bomb.log.gz'), gzipSync(Buffer.alloc(100 * 1024 ** 2), { level: 9 }));
    // A zip bomb member beside a good one.
    await makeZip(join(dir, 'd-bomb.zip'), [
      { name: 'zeros.log', body: Buffer.alloc(100 * 1024 ** 2) },
      { name: 'fine.log', body: good('zipok', 40) },
    ]);
    // Traversal and links in tar.
    await makeTar(join(dir, 'e-hostile.tar'), [
      { name: '../../etc/evil-one.log', body: authLines('evil', 5) },
      { name: '/abs/evil-two.log', body: authLines('evil', 5) },
      { name: 'shadow', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'hard', type: 'link', linkname: 'ok.log' },
      { name: 'logs/ok.log', body: good('tarok', 30) },
    ]);
    // Traversal and a symlink in zip.
    await makeZip(
      join(dir, 'f-hostile.zip'),
      [
        { name: 'xx/xx/evil3.log', body: authLines('evil', 5) },
        { name: 'passwd.log', body: '/etc/passwd', mode: 0o120777 },
        { name: 'ok.log', body: good('zipok2', 25) },
      ],
      [['xx/xx/evil3.log', '../../evil3.log']],
    );
    // Encrypted zip (Info-ZIP's classic encryption) with one plain member.
    writeFileSync(join(dir, 'secret.log'), authLines('evil', 5));
    writeFileSync(join(dir, 'plain.log'), good('plain', 15));
    execFileSync('zip', ['-q', '-P', 'pw', 'g-enc.zip', 'secret.log', 'plain.log'], { cwd: dir });
    // plain.log went in encrypted too: the folder copy counts, the zip copy is refused.
    execFileSync('rm', [join(dir, 'secret.log')]);
    // Empty archives and an empty gzip file.
    await makeZip(join(dir, 'h-empty.zip'), []);
    await makeTar(join(dir, 'i-empty.tar.gz'), [], true);
    writeFileSync(join(dir, 'j-empty.log.gz'), Buffer.alloc(0));
    // Not an archive at all, whatever its name says.
    writeFileSync(join(dir, 'k-fake.zip'), 'PK\x03\x04 not really a zip');
    symlinkSync('/etc/passwd', join(dir, 'l-link.log'));
    writeFileSync(join(dir, 'z-good.log'), good('zed', 80));

    engine = new TestEngine();
    await engine.call('cases.create', { name: 'archives' });
    const job = await importAndWait(engine, dir);
    const notes = job.notes.join('\n');
    console.log(`[archives] import ${job.status}, ${job.lines} lines, notes:\n  ${job.notes.join('\n  ')}`);

    expect(job.status).toBe('done');
    expect(job.error).toBeNull();
    expect(notes).toMatch(/b-cut\.log\.gz: .*truncated.*lines before the damage were imported/);
    expect(notes).toMatch(/c-bomb\.log\.gz: .*bomb/);
    expect(notes).toMatch(/d-bomb\.zip!zeros\.log: .*zip bomb/);
    expect(notes).toMatch(/e-hostile\.tar!\.\.\/\.\.\/etc\/evil-one\.log: .*path traversal/);
    expect(notes).toMatch(/e-hostile\.tar!\/abs\/evil-two\.log: .*path traversal/);
    expect(notes).toMatch(/e-hostile\.tar!shadow: .*never followed/);
    expect(notes).toMatch(/e-hostile\.tar!hard: .*never followed/);
    expect(notes).toMatch(/f-hostile\.zip!\.\.\/\.\.\/evil3\.log: .*path traversal/);
    expect(notes).toMatch(/f-hostile\.zip!passwd\.log: .*never followed/);
    expect(notes).toMatch(/g-enc\.zip!secret\.log: encrypted/);
    expect(notes).toMatch(/h-empty\.zip: the archive holds no files/);
    expect(notes).toMatch(/i-empty\.tar\.gz: the archive holds no files/);
    expect(notes).toMatch(/j-empty\.log\.gz: .*truncated/);
    expect(notes).toMatch(/k-fake\.zip: .*not a readable zip/);
    expect(notes).toMatch(/l-link\.log: .*symbolic link/);

    // Every good line is in the case, nothing from the refused members, some of the cut file, and
    // of the bomb only what inflated before the guard stopped it (NUL bytes: a few capped lines).
    const sources = await engine.call<SourceRow[]>('ingest.listSources');
    const linesOf = (name: string) => sources.filter((s) => s.name === name).reduce((n, s) => n + s.lines, 0);
    const cutKept = linesOf('b-cut.log.gz');
    expect(cutKept).toBeGreaterThan(0);
    expect(cutKept).toBeLessThan(50_000);
    expect(await countEvents(engine, 'cut*')).toBeGreaterThanOrEqual(cutKept - 1);
    const bombKept = linesOf('c-bomb.log.gz');
    expect(bombKept).toBeLessThanOrEqual(64);
    expect(await countEvents(engine, 'evil*')).toBe(0);
    expect(sources.map((s) => s.name).filter((n) => /evil|secret|zeros|passwd|shadow|hard|fake|empty/.test(n))).toEqual([]);
    expect(await countEvents(engine)).toBe(goodLines + cutKept + bombKept);
    expect(job.lines).toBe(goodLines + cutKept + bombKept);
    expect(await countEvents(engine, 'zed*')).toBe(80);
  });

  it('stops inflating at the size limit even when the ratio looks harmless', async () => {
    // The engine's limit is 64 GiB per archive; the same guard is exercised here with a small one.
    const dir = tempDir('vigil-archives-');
    const rnd = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919) % 251));
    await makeZip(join(dir, 'big.zip'), [
      { name: 'a.log', body: rnd(3 * 1024 ** 2) },
      { name: 'b.log', body: rnd(3 * 1024 ** 2) },
      { name: 'c.log', body: rnd(3 * 1024 ** 2) },
    ]);
    writeFileSync(join(dir, 'big.log.gz'), gzipSync(rnd(9 * 1024 ** 2)));
    const limits = { maxInflatedBytes: 5 * 1024 ** 2, maxRatio: 200, ratioGraceBytes: 64 * 1024 ** 2 };
    const skips: MemberSkip[] = [];
    const names: string[] = [];
    for await (const m of walkMembers(dir, { limits, onSkip: (x) => skips.push(x) })) {
      names.push(m.name);
      for await (const _ of m.stream) {
        /* read it all */
      }
    }
    expect(names).toEqual(['big.log.gz', 'big.zip!a.log']);
    expect(skips.map((x) => `${x.name}: ${x.reason}`).join('\n')).toMatch(/big\.log\.gz: inflates to more than 5242880 bytes: refused as a likely decompression bomb/);
    expect(skips.map((x) => `${x.name}: ${x.reason}`).join('\n')).toMatch(/big\.zip: .*more than 5242880 bytes/);
  });

  it('a lone file that is not the archive its name says fails the import with the reason', async () => {
    const dir = tempDir('vigil-archives-');
    const p = join(dir, 'evidence.zip');
    writeFileSync(p, 'this is a text file, not a zip\n');
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'fake' });
    const job = await importAndWait(engine, p);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/evidence\.zip is not a readable zip archive/);
  });

  it('a single truncated gzip ends done with its note, keeping what was readable', async () => {
    const dir = tempDir('vigil-archives-');
    const full = gzipSync(authLines('solo', 20_000));
    const p = join(dir, 'auth.log.gz');
    writeFileSync(p, full.subarray(0, Math.floor(full.length * 0.7)));
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'cut' });
    const job = await importAndWait(engine, p);
    expect(job.status).toBe('done');
    expect(job.notes.join('\n')).toMatch(/auth\.log\.gz: .*truncated/);
    expect(job.lines).toBeGreaterThan(1000);
    expect(await countEvents(engine)).toBe(job.lines);
  });
});

describe('a zip with one damaged member', () => {
  it('notes and skips the member whose sizes disagree, and imports the good members before and after it', async () => {
    const dir = tempDir('vigil-archives-');
    const p = join(dir, 'rotated.zip');
    // Stored (not deflated) members, as some tools write logs; the middle one's central directory
    // entry then claims 5,000 bytes more than it holds.
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(authLines('first', 300)), 'auth.log', { compress: false });
    zip.addBuffer(Buffer.from(authLines('broken', 300)), 'auth.log.1', { compress: false });
    zip.addBuffer(Buffer.from(authLines('third', 200)), 'auth.log.2', { compress: false });
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(p));
    const buf = readFileSync(p);
    const central = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
    let patched = 0;
    for (let at = buf.indexOf(central); at >= 0; at = buf.indexOf(central, at + 1)) {
      if (buf.toString('latin1', at + 46, at + 46 + buf.readUInt16LE(at + 28)) !== 'auth.log.1') continue;
      buf.writeUInt32LE(buf.readUInt32LE(at + 24) + 5000, at + 24);
      patched++;
    }
    expect(patched).toBe(1);
    writeFileSync(p, buf);

    engine = new TestEngine();
    await engine.call('cases.create', { name: 'damaged zip' });
    const job = await importAndWait(engine, p);
    console.log(`[archives] damaged zip: ${job.status}, ${job.lines} lines, notes: ${job.notes.join(' | ')}`);
    expect(job.status).toBe('done');
    expect(job.notes.join('\n')).toMatch(/rotated\.zip!auth\.log\.1: damaged: .*sizes disagree.*skipped/);
    expect(await countEvents(engine, 'first*')).toBe(300);
    expect(await countEvents(engine, 'third*')).toBe(200);
    expect(await countEvents(engine, 'broken*')).toBe(0);
    expect(job.lines).toBe(500);
  });
});
