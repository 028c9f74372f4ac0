import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SHARED_DATA } from '../../../../test/paths';
import { describeShared } from '../../../../test/shared-data';
import { createParseContext } from './context';
import { parseAccess, parseClfTime } from './access';

const ctx = (source = 'access.log') => createParseContext(source, { referenceTime: Date.UTC(2024, 0, 1) });

describe('access log formats', () => {
  test('common log format (Apache docs example)', () => {
    const ev = parseAccess('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', ctx())!;
    expect(ev).toMatchObject({
      parser: 'access', ts: Date.UTC(2000, 9, 10, 20, 55, 36), src_ip: '127.0.0.1', user: 'frank', method: 'GET',
      path: '/apache_pb.gif', status: 200, bytes: 2326, user_agent: null, outcome: 'success', action: 'http_request',
    });
    expect(ev.fields).toEqual({ protocol: 'HTTP/1.0' });
    expect(ev.logsource).toEqual({ product: null, service: 'access', category: 'webserver' });
  });

  test('combined with referrer and user agent, 4xx is a failure', () => {
    const ev = parseAccess(
      '10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "POST /login HTTP/1.1" 401 12 "https://ex.com/" "curl/8.0"',
      ctx('/var/log/apache2/access.log'),
    )!;
    expect(ev.outcome).toBe('failure');
    expect(ev.user).toBeNull();
    expect(ev.user_agent).toBe('curl/8.0');
    expect(ev.fields.referrer).toBe('https://ex.com/');
    expect(ev.logsource.product).toBe('apache');
  });

  test('vhost_combined and a trailing request time', () => {
    const ev = parseAccess(
      'www.example.com:443 192.0.2.7 - alice [01/Jan/2024:12:00:00 +0100] "GET /a?b=c HTTP/2.0" 304 - "-" "Mozilla/5.0" 0.004',
      ctx(),
    )!;
    expect(ev.fields.vhost).toBe('www.example.com:443');
    expect(ev.src_ip).toBe('192.0.2.7');
    expect(ev.user).toBe('alice');
    expect(ev.ts).toBe(Date.UTC(2024, 0, 1, 11));
    expect(ev.bytes).toBe(0);
    expect(ev.fields.request_time).toBe(0.004);
    expect(ev.logsource.product).toBe('apache');
    const micro = parseAccess('1.2.3.4 - - [01/Jan/2024:12:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua" 1534', ctx('/var/log/nginx/access.log'))!;
    expect(micro.fields.request_time).toBe(1534);
    expect(micro.logsource.product).toBe('nginx');
  });

  test('escaped quotes inside the request and the user agent', () => {
    const ev = parseAccess(
      '1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET /q?x=\\"><script> HTTP/1.1" 400 0 "-" "evil \\"agent\\" 1.0"',
      ctx(),
    )!;
    expect(ev.path).toBe('/q?x="><script>');
    expect(ev.user_agent).toBe('evil "agent" 1.0');
  });

  test('a garbage request keeps the raw request text, IPv6 client', () => {
    const ev = parseAccess('2001:db8::1 - - [01/Jan/2024:00:00:00 +0000] "\\x16\\x03\\x01" 400 226 "-" "-"', ctx())!;
    expect(ev.method).toBeNull();
    expect(ev.fields.request).toBe('\\x16\\x03\\x01');
    expect(ev.src_ip).toBe('2001:db8::1');
    expect(ev.user_agent).toBeNull();
  });

  test('does not fit', () => {
    for (const line of [
      'Mar 27 13:06:56 host sshd[1]: x',
      '{"a":1}',
      '1.2.3.4 - - [not a time at all here] "GET / HTTP/1.1" 200 1',
      '1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] GET / 200 1',
      '',
    ]) {
      expect(parseAccess(line, ctx())).toBeNull();
    }
  });

  test('CLF time with milliseconds and bad zones', () => {
    expect(parseClfTime('10/Oct/2000:13:55:36.250 +0000')).toBe(Date.UTC(2000, 9, 10, 13, 55, 36, 250));
    expect(parseClfTime('10/Oct/2000:13:55:36 +07')).toBeNull();
    expect(parseClfTime('31/Feb/2000:13:55:36 +0000')).toBeNull();
  });
});

describeShared('elastic apache_access.log (10,000 combined lines)', [join(SHARED_DATA, 'elastic', 'apache_access.log')], () => {
  const lines = readFileSync(join(SHARED_DATA, 'elastic', 'apache_access.log'), 'utf8').split('\n').filter((l) => l.length > 0);
  const c = ctx('apache_access.log');
  const events = lines.map((l) => parseAccess(l, c));

  test('every line parses', () => {
    expect(lines.length).toBe(10_000);
    expect(events.every((e) => e !== null)).toBe(true);
  });

  test('exact fields of specific lines', () => {
    expect(events[0]).toMatchObject({
      ts: Date.UTC(2015, 4, 17, 10, 5, 3), src_ip: '83.149.9.216', user: null, method: 'GET',
      path: '/presentations/logstash-monitorama-2013/images/kibana-search.png', status: 200, bytes: 203023,
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36',
      outcome: 'success', action: 'http_request', parser: 'access', source: 'apache_access.log',
      fields: { protocol: 'HTTP/1.1', referrer: 'http://semicomplete.com/presentations/logstash-monitorama-2013/' },
    });
    // Line 63: a 404.
    expect(events[62]).toMatchObject({
      src_ip: '66.249.73.185', path: '/doc/index.html?org/elasticsearch/action/search/SearchResponse.html', status: 404,
      bytes: 294, outcome: 'failure', user_agent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    });
    expect(events[62]!.fields.referrer).toBeUndefined();
    // Line 77: `-` bytes.
    expect(events[76]).toMatchObject({ src_ip: '218.30.103.62', path: '/robots.txt', status: 200, bytes: 0 });
    // Line 688: HEAD; line 5009: POST over HTTP/1.0.
    expect(events[687]).toMatchObject({ method: 'HEAD', path: '/projects/xdotool/' });
    expect(events[5008]).toMatchObject({ method: 'POST', path: '/blog/geekery/xvfb-firefox', status: 200, bytes: 10975, ts: Date.UTC(2015, 4, 19, 4, 5, 16) });
    expect(events[5008]!.fields.protocol).toBe('HTTP/1.0');
    expect(events[9999]).toMatchObject({ src_ip: '46.105.14.53', path: '/blog/tags/puppet?flav=rss20', ts: Date.UTC(2015, 4, 20, 21, 5, 15) });
  });

  test('status and client counts', () => {
    const status = new Map<number, number>();
    for (const e of events) status.set(e!.status!, (status.get(e!.status!) ?? 0) + 1);
    expect(Object.fromEntries(status)).toEqual({ 200: 9126, 304: 445, 404: 213, 301: 164, 206: 45, 500: 3, 416: 2, 403: 2 });
    expect(events.filter((e) => e!.outcome === 'failure').length).toBe(220);
    expect(events.filter((e) => e!.src_ip === '66.249.73.135').length).toBe(482);
    expect(events.filter((e) => e!.method === 'POST').length).toBe(5);
  });
});
