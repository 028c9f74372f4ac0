import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../../test/paths';
import { tempDir } from '../test-support';
import { archiveKind, walkMembers, type MemberSkip, type WalkOptions } from './members';

async function collect(path: string, opts: WalkOptions = {}) {
  const out: { index: number; name: string; text: string }[] = [];
  for await (const m of walkMembers(path, opts)) {
    const chunks: Buffer[] = [];
    for await (const c of m.stream) chunks.push(Buffer.from(c));
    out.push({ index: m.index, name: m.name, text: Buffer.concat(chunks).toString('utf8') });
  }
  return out;
}

async function makeTar(path: string, files: Record<string, string | Buffer>, extra?: (pack: tar.Pack) => void, gzip = false) {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name }, body);
  extra?.(pack);
  pack.finalize();
  const sink = createWriteStream(path);
  if (gzip) {
    const { createGzip } = await import('node:zlib');
    await pipeline(pack, createGzip(), sink);
  } else await pipeline(pack, sink);
}

async function makeZip(path: string, files: Record<string, string | Buffer>, compress = true) {
  const zip = new yazl.ZipFile();
  for (const [name, body] of Object.entries(files)) {
    if (name.endsWith('/')) zip.addEmptyDirectory(name);
    else zip.addBuffer(Buffer.from(body), name, { compress });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

describe('walkMembers', () => {
  it('knows archive kinds by name', () => {
    expect(['a.log', 'a.gz', 'a.bz2', 'a.tar', 'a.tar.gz', 'a.tgz', 'a.tar.bz2', 'a.ZIP'].map(archiveKind)).toEqual(['plain', 'gzip', 'bzip2', 'tar', 'tar.gz', 'tar.gz', 'tar.bz2', 'zip']);
  });

  it('reads a plain file and a gzip file', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'a.log'), 'one\ntwo\n');
    writeFileSync(join(d, 'b.log.gz'), gzipSync('three\nfour\n'));
    expect(await collect(join(d, 'a.log'))).toEqual([{ index: 0, name: 'a.log', text: 'one\ntwo\n' }]);
    expect(await collect(join(d, 'b.log.gz'))).toEqual([{ index: 0, name: 'b.log.gz', text: 'three\nfour\n' }]);
  });

  it('reads bzip2', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'c.log'), 'bz line\n'.repeat(1000));
    execFileSync('bzip2', [join(d, 'c.log')]);
    const [m] = await collect(join(d, 'c.log.bz2'));
    expect(m!.text).toBe('bz line\n'.repeat(1000));
  });

  it('walks a tar.gz member by member, inflating .gz members and skipping links', async () => {
    const d = tempDir();
    const p = join(d, 'logs.tar.gz');
    await makeTar(
      p,
      { 'var/log/auth.log': 'auth 1\nauth 2\n', 'var/log/auth.log.1.gz': gzipSync('old auth\n'), 'var/log/nested.zip': 'PK...' },
      (pack) => pack.entry({ name: 'var/log/link', type: 'symlink', linkname: '/etc/shadow' }),
      true,
    );
    const skips: MemberSkip[] = [];
    const got = await collect(p, { onSkip: (s) => skips.push(s) });
    expect(got.map((m) => [m.name, m.text])).toEqual([
      ['logs.tar.gz!var/log/auth.log', 'auth 1\nauth 2\n'],
      ['logs.tar.gz!var/log/auth.log.1.gz', 'old auth\n'],
    ]);
    expect(skips.map((s) => s.name)).toEqual(['logs.tar.gz!var/log/nested.zip', 'logs.tar.gz!var/log/link']);
    expect(skips[1]!.reason).toMatch(/never followed/);
  });

  it('resumes at a member index', async () => {
    const d = tempDir();
    const p = join(d, 'logs.tar');
    await makeTar(p, { a: 'A\n', b: 'B\n', c: 'C\n' });
    expect((await collect(p, { fromIndex: 2 })).map((m) => m.name)).toEqual(['logs.tar!c']);
  });

  it('walks a zip and a folder holding archives, in a stable order', async () => {
    const d = tempDir();
    const folder = join(d, 'case');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'z.log'), 'z\n');
    await makeZip(join(folder, 'sub', 'web.zip'), { 'access.log': 'GET /\n', 'dir/': '', 'error.log.gz': gzipSync('err\n') });
    symlinkSync('/etc/passwd', join(folder, 'passwd-link'));
    const got = await collect(folder);
    expect(got.map((m) => [m.index, m.name, m.text])).toEqual([
      [0, 'sub/web.zip!access.log', 'GET /\n'],
      [1, 'sub/web.zip!error.log.gz', 'err\n'],
      [2, 'z.log', 'z\n'],
    ]);
  });

  it('refuses a gzip bomb with a clear error before inflating it all', async () => {
    const d = tempDir();
    const p = join(d, 'bomb.log.gz');
    writeFileSync(p, gzipSync(Buffer.alloc(300 * 1024 * 1024), { level: 9 }));
    await expect(collect(p)).rejects.toThrow(/decompression bomb/);
  });

  it('refuses a bzip2 bomb inside a tar and inside a zip, and reads the members beside it', async () => {
    const d = tempDir();
    const bomb = readFileSync(join(ROOT, 'test', 'faults', 'fixtures', 'zeros-200mib.bz2'));
    await makeTar(join(d, 'a.tar'), { 'bomb.log.bz2': bomb, 'ok.log': 'fine\n' });
    await makeZip(join(d, 'b.zip'), { 'bomb.log.bz2': bomb, 'ok.log': 'fine too\n' });
    const skips: MemberSkip[] = [];
    const got = await collect(d, { onSkip: (s) => skips.push(s) });
    expect(got.filter((m) => m.name.endsWith('ok.log')).map((m) => m.text)).toEqual(['fine\n', 'fine too\n']);
    expect(skips.map((s) => `${s.name}: ${s.reason}`)).toEqual([
      expect.stringMatching(/^a\.tar!bomb\.log\.bz2: inflates \d+x: refused as a likely decompression bomb/),
      expect.stringMatching(/^b\.zip!bomb\.log\.bz2: inflates \d+x: refused as a likely decompression bomb/),
    ]);
  });

  it('skips a zip bomb member and goes on with the others', async () => {
    const d = tempDir();
    const p = join(d, 'bomb.zip');
    await makeZip(p, { 'zeros.log': Buffer.alloc(100 * 1024 * 1024), 'ok.log': 'fine\n' });
    const skips: MemberSkip[] = [];
    const got = await collect(p, { onSkip: (s) => skips.push(s) });
    expect(got.map((m) => m.name)).toEqual(['bomb.zip!ok.log']);
    expect(skips[0]!.reason).toMatch(/zip bomb/);
  });

  it('says a truncated gzip is truncated', async () => {
    const d = tempDir();
    const p = join(d, 'cut.log.gz');
    const full = gzipSync('line\n'.repeat(100_000));
    writeFileSync(p, full.subarray(0, full.length >> 1));
    await expect(collect(p)).rejects.toThrow(/truncated/);
  });

  it('says a broken zip is not a readable zip', async () => {
    const d = tempDir();
    const p = join(d, 'broken.zip');
    writeFileSync(p, 'PK\x03\x04 this is not really a zip');
    await expect(collect(p)).rejects.toThrow(/not a readable zip/);
  });

  it('skips an encrypted zip entry with the reason', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'secret.log'), 'top secret\n');
    writeFileSync(join(d, 'plain.log'), 'plain\n');
    execFileSync('zip', ['-q', '-P', 'pw', 'enc.zip', 'secret.log'], { cwd: d });
    execFileSync('zip', ['-q', 'enc.zip', 'plain.log'], { cwd: d });
    const skips: MemberSkip[] = [];
    const got = await collect(join(d, 'enc.zip'), { onSkip: (s) => skips.push(s) });
    expect(got.map((m) => m.name)).toEqual(['enc.zip!plain.log']);
    expect(skips[0]).toMatchObject({ name: 'enc.zip!secret.log', reason: expect.stringMatching(/encrypted/) });
  });
});
