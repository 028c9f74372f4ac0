import { describe, expect, it } from 'vitest';
import { emptyEvent, type NormalizedEvent } from '../../../src-shared/event';
import { entityId, extractEntities, type Entity } from './entities';
import {
  canonicalDomain,
  canonicalFile,
  canonicalHost,
  canonicalIp,
  canonicalProcess,
  canonicalUrl,
  canonicalUser,
  canonicalUserAgent,
} from './entities-canonical';
import { NAMESPACE_DNS, uuidV5, VIGIL_ENTITY_NAMESPACE } from './entities-uuid';
import { maskMessage } from './mask';

function event(message: string, patch: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return { ...emptyEvent(message, 'test'), ...patch };
}

function pairs(entities: Entity[]): string[] {
  return entities.map((e) => `${e.type}:${e.value}`);
}

describe('uuidV5', () => {
  it('matches the RFC 9562 Appendix A.4 example', () => {
    expect(uuidV5('www.example.com', NAMESPACE_DNS)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derives the Vigil namespace from the URL namespace, as documented', () => {
    expect(uuidV5('urn:vigil:entity', '6ba7b811-9dad-11d1-80b4-00c04fd430c8')).toBe(VIGIL_ENTITY_NAMESPACE);
  });

  it('gives entity ids over type:canonical', () => {
    const id = entityId('ip', '10.0.0.1');
    expect(id).toBe(uuidV5('ip:10.0.0.1', VIGIL_ENTITY_NAMESPACE));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(entityId('user', '10.0.0.1')).not.toBe(id);
  });
});

describe('canonical forms', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['010.000.001.002', '10.0.1.2'],
    ['10.0.0.1:22', '10.0.0.1'],
    ['256.1.1.1', null],
    ['1.2.3', null],
    ['2001:DB8::1', '2001:0db8:0000:0000:0000:0000:0000:0001'],
    ['[2001:db8::1]:443', '2001:0db8:0000:0000:0000:0000:0000:0001'],
    ['fe80::1%eth0', 'fe80:0000:0000:0000:0000:0000:0000:0001'],
    ['::', '0000:0000:0000:0000:0000:0000:0000:0000'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::FFFF:0a01:0203', '10.1.2.3'],
    ['64:ff9b::192.0.2.33', '0064:ff9b:0000:0000:0000:0000:c000:0221'],
    ['1:2:3:4:5:6:7:8:9', null],
    ['12:30:45', null],
    ['<IP>', null],
  ])('ip %s → %s', (raw, want) => {
    expect(canonicalIp(raw)).toBe(want);
  });

  it('users', () => {
    expect(canonicalUser('CORP\\Alice')).toBe('corp\\Alice');
    expect(canonicalUser('Bob@Example.COM')).toBe('Bob@example.com');
    expect(canonicalUser('"root"')).toBe('root');
    expect(canonicalUser('Root')).toBe('Root');
    expect(canonicalUser('-')).toBeNull();
    expect(canonicalUser('<*>')).toBeNull();
    expect(canonicalUser('two words')).toBeNull();
  });

  it('hosts and domains', () => {
    expect(canonicalHost('WEB-01.Example.COM.')).toBe('web-01.example.com');
    expect(canonicalHost('bad host')).toBeNull();
    expect(canonicalDomain('ns.Marryaldkfaczcz.com')).toBe('ns.marryaldkfaczcz.com');
    expect(canonicalDomain('mapred.job.id')).toBeNull();
    expect(canonicalDomain('libc.so')).toBeNull();
    expect(canonicalDomain('localhost')).toBeNull();
  });

  it('urls', () => {
    expect(canonicalUrl('HTTP://Example.COM:80/A/b?x=1#frag')).toEqual({ url: 'http://example.com/A/b?x=1', host: 'example.com' });
    expect(canonicalUrl('https://user:secret@Example.com:443')).toEqual({ url: 'https://example.com/', host: 'example.com' });
    expect(canonicalUrl('https://example.com:8443/x')?.url).toBe('https://example.com:8443/x');
    expect(canonicalUrl('http://[2001:DB8::1]:80/')).toEqual({ url: 'http://[2001:db8::1]/', host: '2001:db8::1' });
    expect(canonicalUrl('/index.php?id=1')).toEqual({ url: '/index.php', host: '' });
    expect(canonicalUrl('not a url')).toBeNull();
    expect(canonicalUrl('http://host:99999/')).toBeNull();
  });

  it('files, processes and user agents', () => {
    expect(canonicalFile('/var/log/auth.log')).toBe('/var/log/auth.log');
    expect(canonicalFile('C:\\Windows\\System32\\CMD.EXE')).toBe('c:\\windows\\system32\\cmd.exe');
    expect(canonicalFile('relative/path')).toBeNull();
    expect(canonicalProcess('sshd[123]')).toBe('sshd');
    expect(canonicalProcess('/usr/sbin/cron')).toBe('cron');
    expect(canonicalUserAgent('  Mozilla/5.0   (X11) ')).toBe('Mozilla/5.0 (X11)');
    expect(canonicalUserAgent('-')).toBeNull();
  });
});

describe('extractEntities', () => {
  it('reads the event columns', () => {
    const ev = event('GET /admin', {
      src_ip: '203.0.113.9',
      dst_ip: '::ffff:198.51.100.1',
      user: 'CORP\\Alice',
      host: 'WEB-01',
      app: 'nginx',
      method: 'GET',
      path: '/admin/login.php?u=1',
      user_agent: 'curl/8.0',
    });
    expect(pairs(extractEntities(ev))).toEqual([
      'ip:203.0.113.9',
      'ip:198.51.100.1',
      'user:corp\\Alice',
      'host:web-01',
      'process:nginx',
      'url:/admin/login.php',
      'user_agent:curl/8.0',
    ]);
  });

  it('turns an IP in the host column into an ip entity, and a non-HTTP path into a file', () => {
    expect(pairs(extractEntities(event('x', { host: '10.0.0.5', path: '/etc/passwd' })))).toEqual(['ip:10.0.0.5', 'file:/etc/passwd']);
  });

  it('reads ECS fields', () => {
    const ev = event('x', { fields: { 'source.ip': '10.9.8.7', 'user.name': 'bob', 'url.full': 'https://Evil.example.com/p', n: 3 } });
    expect(pairs(extractEntities(ev))).toEqual(['ip:10.9.8.7', 'user:bob', 'url:https://evil.example.com/p', 'domain:evil.example.com']);
  });

  it.each([
    ['Failed password for root from 10.0.0.1 port 22 ssh2', ['user:root', 'ip:10.0.0.1']],
    ['Failed password for invalid user oracle from 10.0.0.1 port 22 ssh2', ['user:oracle', 'ip:10.0.0.1']],
    ['Invalid user admin from 10.0.0.2', ['user:admin', 'ip:10.0.0.2']],
    ['Invalid user  from 10.0.0.2', ['ip:10.0.0.2']],
    ['input_userauth_request: invalid user test [preauth]', ['user:test']],
    ['pam_unix(sshd:session): session opened for user ubuntu by (uid=0)', ['user:ubuntu']],
    ['pam_unix(sudo:session): session opened for user root by alice(uid=0)', ['user:root', 'user:alice']],
    ['session opened for user root by LOGIN(uid=0)', ['user:root']],
    ['New session 12 of user bob.', ['user:bob']],
    ['Connection closed by authenticating user git 10.1.1.1 port 5 [preauth]', ['user:git', 'ip:10.1.1.1']],
    ['authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.3  user=guest', ['ip:10.0.0.3', 'user:guest']],
    ['Successful su for root by alice', ['user:root', 'user:alice']],
    ['  alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls', ['file:/home/alice', 'user:root', 'file:/bin/ls', 'user:alice']],
    ['reverse mapping checking getaddrinfo for ns.Example.com [173.234.31.186] failed', ['domain:ns.example.com', 'ip:173.234.31.186']],
    ['connection from 82.252.162.81 (lns-vlq-45-tou-82-252-162-81.adsl.proxad.net) at Sat', ['ip:82.252.162.81', 'domain:lns-vlq-45-tou-82-252-162-81.adsl.proxad.net']],
    ['fetch https://Download.Example.org:443/a.tgz done', ['url:https://download.example.org/a.tgz', 'domain:download.example.org']],
    ['peer [2001:db8::7]:443 via ::ffff:10.0.0.9', ['ip:2001:0db8:0000:0000:0000:0000:0000:0007', 'ip:10.0.0.9']],
    ['mail from bob@example.com', ['user:bob@example.com']],
    ['resolved example.org, then (ns1.Example.net).', ['domain:example.org', 'domain:ns1.example.net']],
    ['Server listening on 0.0.0.0 port 22.', []],
    ['Linux version 2.6.5.1 and kernel 4.19.0.1', []],
    ['GET /index.php HTTP/1.1', ['file:/index.php']],
    ['version 1.2.3.4 released', []],
    ['template Invalid user <*> from <IP>', []],
    ['Watching system buttons on /dev/input/event0 (Power Button)', ['file:/dev/input/event0']],
    ['ok /etc/httpd/conf/workers2.properties', ['file:/etc/httpd/conf/workers2.properties']],
    ['mapred.job.id is deprecated. Instead, use mapreduce.job.id', []],
  ])('%s', (message, want) => {
    expect(pairs(extractEntities(event(message)))).toEqual(want);
  });

  it('takes sshd[123] as process sshd when the parser found no app', () => {
    expect(pairs(extractEntities(event('sshd[123]: Accepted publickey for bob from 10.0.0.1 port 1 ssh2')))).toEqual([
      'process:sshd',
      'user:bob',
      'ip:10.0.0.1',
    ]);
    expect(pairs(extractEntities(event('x', { app: 'sshd', pid: 123 })))).toEqual(['process:sshd']);
  });

  it('deduplicates and gives the same id for the same canonical entity everywhere', () => {
    const a = extractEntities(event('from 010.0.0.1 and 10.0.0.1', { src_ip: '10.0.0.1' }));
    expect(pairs(a)).toEqual(['ip:10.0.0.1']);
    const b = extractEntities(event('x', { dst_ip: '::ffff:10.0.0.1' }));
    expect(b[0]?.id).toBe(a[0]?.id);
    expect(a[0]?.id).toBe(entityId('ip', '10.0.0.1'));
  });

  it('accepts the masker output from the caller', () => {
    const msg = 'Invalid user admin from 10.0.0.2';
    const ev = event(msg);
    expect(extractEntities(ev, maskMessage(msg))).toEqual(extractEntities(ev));
  });
});
