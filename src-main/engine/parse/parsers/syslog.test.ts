import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SHARED_DATA } from '../../../../test/paths';
import { describeShared } from '../../../../test/shared-data';
import { createParseContext } from './context';
import { parseSyslog5424 } from './syslog5424';
import { parseSyslog3164 } from './syslog3164';

const ctx = (ref = Date.UTC(2024, 5, 1), tz = 0) => createParseContext('test', { referenceTime: ref, tzOffsetMinutes: tz });

describe('RFC 5424', () => {
  test('RFC example with structured data and BOM message', () => {
    const line =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ' +
      '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \ufeffAn application event log entry...';
    const ev = parseSyslog5424(line, ctx())!;
    expect(ev.parser).toBe('syslog5424');
    expect(ev.ts).toBe(Date.UTC(2003, 9, 11, 22, 14, 15, 3));
    expect(ev.severity).toBe(5);
    expect(ev.fields.facility).toBe(20);
    expect(ev.host).toBe('mymachine.example.com');
    expect(ev.app).toBe('evntslog');
    expect(ev.pid).toBeNull();
    expect(ev.fields.msgid).toBe('ID47');
    expect(ev.fields['exampleSDID@32473.iut']).toBe('3');
    expect(ev.fields['exampleSDID@32473.eventSource']).toBe('Application');
    expect(ev.fields['exampleSDID@32473.eventID']).toBe('1011');
    expect(ev.message).toBe('An application event log entry...');
    expect(ev.logsource).toEqual({ product: 'linux', service: 'syslog', category: null });
    expect(ev.raw).toBe(line);
  });

  test('NILVALUE everywhere and no message', () => {
    const ev = parseSyslog5424('<34>1 - - - - - -', ctx())!;
    expect(ev.ts).toBeNull();
    expect(ev.host).toBeNull();
    expect(ev.app).toBeNull();
    expect(ev.severity).toBe(2);
    expect(ev.fields.facility).toBe(4);
    expect(ev.message).toBe('');
  });

  test('time offset, microseconds, numeric and textual PROCID', () => {
    const a = parseSyslog5424('<13>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% Its time to make the do-nuts.', ctx())!;
    expect(a.ts).toBe(Date.UTC(2003, 7, 24, 12, 14, 15));
    expect(a.pid).toBe(8710);
    expect(a.message).toBe('%% Its time to make the do-nuts.');
    const b = parseSyslog5424('<13>1 2024-01-02T03:04:05+05:30 h app worker-1 - - x', ctx())!;
    expect(b.ts).toBe(Date.UTC(2024, 0, 1, 21, 34, 5));
    expect(b.pid).toBeNull();
    expect(b.fields.procid).toBe('worker-1');
  });

  test('several SD elements, escapes, and an element without params', () => {
    const line = '<165>1 2003-10-11T22:14:15Z h app - - [a@1 k="say \\"hi\\" \\\\ \\]"][origin ip="192.0.2.1"][empty@1] msg';
    const ev = parseSyslog5424(line, ctx())!;
    expect(ev.fields['a@1.k']).toBe('say "hi" \\ ]');
    expect(ev.fields['origin.ip']).toBe('192.0.2.1');
    expect(ev.fields['empty@1']).toBe(true);
    expect(ev.message).toBe('msg');
  });

  test('malformed structured data is flagged and kept in the message', () => {
    const ev = parseSyslog5424('<165>1 2003-10-11T22:14:15Z h app - - [a@1 k="unterminated] rest', ctx())!;
    expect(ev.fields.sd_malformed).toBe(true);
    expect(ev.message).toBe('[a@1 k="unterminated] rest');
  });

  test('sshd over 5424 gets the auth fields', () => {
    const ev = parseSyslog5424('<38>1 2024-03-01T10:00:00Z web1 sshd 4242 - - Failed password for root from 203.0.113.9 port 5555 ssh2', ctx())!;
    expect(ev.parser).toBe('syslog5424');
    expect(ev.action).toBe('ssh_login');
    expect(ev.outcome).toBe('failure');
    expect(ev.user).toBe('root');
    expect(ev.src_ip).toBe('203.0.113.9');
    expect(ev.logsource.service).toBe('sshd');
  });

  test('does not fit: 3164, bad PRI, bad version, bad time', () => {
    for (const line of ['<34>Oct 11 22:14:15 host su: x', '<999>1 - - - - - -', '<34>x - - - - - -', '<34>1 yesterday h a - - -', 'plain']) {
      expect(parseSyslog5424(line, ctx())).toBeNull();
    }
  });
});

describe('RFC 3164', () => {
  test('RFC example with PRI and no pid', () => {
    const ev = parseSyslog3164("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", ctx(Date.UTC(2024, 11, 1)))!;
    expect(ev.ts).toBe(Date.UTC(2024, 9, 11, 22, 14, 15));
    expect(ev.severity).toBe(2);
    expect(ev.fields.facility).toBe(4);
    expect(ev.host).toBe('mymachine');
    expect(ev.app).toBe('su');
    expect(ev.pid).toBeNull();
    expect(ev.message).toBe("'su root' failed for lonvick on /dev/pts/8");
  });

  test('space-padded day, pid, no PRI', () => {
    const ev = parseSyslog3164('Jun  9 06:06:20 combo kernel: Linux version 2.6.5-1.358', ctx(Date.UTC(2005, 6, 1)))!;
    expect(ev.ts).toBe(Date.UTC(2005, 5, 9, 6, 6, 20));
    expect(ev.host).toBe('combo');
    expect(ev.app).toBe('kernel');
    expect(ev.severity).toBeNull();
    expect(ev.logsource).toEqual({ product: 'linux', service: 'syslog', category: null });
    const e2 = parseSyslog3164('Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown', ctx())!;
    expect(e2.app).toBe('sshd(pam_unix)');
    expect(e2.pid).toBe(19939);
    expect(e2.logsource.service).toBe('sshd');
  });

  test('no host: the token after the time is the tag', () => {
    const ev = parseSyslog3164('<13>Feb  5 17:32:18 sshd[123]: Server listening on :: port 22.', ctx())!;
    expect(ev.host).toBeNull();
    expect(ev.app).toBe('sshd');
    expect(ev.pid).toBe(123);
    expect(ev.message).toBe('Server listening on :: port 22.');
  });

  test('no tag: the rest is the message', () => {
    const ev = parseSyslog3164('Feb  5 17:32:18 host last message repeated 3 times', ctx())!;
    expect(ev.host).toBe('host');
    expect(ev.app).toBeNull();
    expect(ev.message).toBe('last message repeated 3 times');
  });

  test('app with a space, as old syslogd writes it', () => {
    const ev = parseSyslog3164('Jun 15 04:06:18 combo syslogd 1.4.1: restart.', ctx())!;
    expect(ev.app).toBe('syslogd 1.4.1');
    expect(ev.message).toBe('restart.');
  });

  test('RFC 3339 timestamp as rsyslog writes by default', () => {
    const ev = parseSyslog3164('2024-02-29T10:11:12.345678+01:00 web1 sshd[77]: Accepted publickey for ann from 10.0.0.5 port 5000 ssh2', ctx())!;
    expect(ev.ts).toBe(Date.UTC(2024, 1, 29, 9, 11, 12, 345));
    expect(ev.host).toBe('web1');
    expect(ev.action).toBe('ssh_login');
    expect(ev.outcome).toBe('success');
  });

  test('default time zone offset applies to yearless times', () => {
    const ev = parseSyslog3164('Mar  1 10:00:00 h app: x', ctx(Date.UTC(2024, 5, 1), 120))!;
    expect(ev.ts).toBe(Date.UTC(2024, 2, 1, 8, 0, 0));
  });

  test('fractional seconds after the time', () => {
    const ev = parseSyslog3164('Mar  1 10:00:00.25 h app: x', ctx())!;
    expect(ev.ts).toBe(Date.UTC(2024, 2, 1, 10, 0, 0, 250));
  });

  test('invalid dates do not fit or have no time', () => {
    expect(parseSyslog3164('Foo  1 10:00:00 h app: x', ctx())).toBeNull();
    expect(parseSyslog3164('Mar 1 10:00:00 h app: x', ctx())).toBeNull();
    expect(parseSyslog3164('Mar  1 25:00:00 h app: x', ctx())).toBeNull();
    expect(parseSyslog3164('Feb 30 10:00:00 h app: x', ctx())!.ts).toBeNull();
  });
});

describe('year inference', () => {
  test('a file from December into January rolls the year once', () => {
    const c = ctx(Date.UTC(2025, 0, 3, 12));
    const lines = ['Dec 30 23:59:58 h a: 1', 'Dec 31 23:59:59 h a: 2', 'Jan  1 00:00:01 h a: 3', 'Jan  2 08:00:00 h a: 4'];
    const ts = lines.map((l) => parseSyslog3164(l, c)!.ts);
    expect(ts).toEqual([
      Date.UTC(2024, 11, 30, 23, 59, 58),
      Date.UTC(2024, 11, 31, 23, 59, 59),
      Date.UTC(2025, 0, 1, 0, 0, 1),
      Date.UTC(2025, 0, 2, 8, 0, 0),
    ]);
  });

  test('a late December straggler after January keeps the old year', () => {
    const c = ctx(Date.UTC(2025, 0, 3));
    parseSyslog3164('Dec 31 23:59:59 h a: 1', c);
    parseSyslog3164('Jan  1 00:00:01 h a: 2', c);
    expect(parseSyslog3164('Dec 31 23:59:59 h a: 3', c)!.ts).toBe(Date.UTC(2024, 11, 31, 23, 59, 59));
    expect(parseSyslog3164('Jan  1 00:00:02 h a: 4', c)!.ts).toBe(Date.UTC(2025, 0, 1, 0, 0, 2));
  });

  test('out-of-order lines within a few months keep the year', () => {
    const c = ctx(Date.UTC(2017, 4, 1));
    expect(parseSyslog3164('Apr  2 00:00:00 h a: 1', c)!.ts).toBe(Date.UTC(2017, 3, 2));
    expect(parseSyslog3164('Mar 30 00:00:00 h a: 2', c)!.ts).toBe(Date.UTC(2017, 2, 30));
  });

  test('the first line after the reference time belongs to the year before', () => {
    expect(parseSyslog3164('Nov 20 00:00:00 h a: 1', ctx(Date.UTC(2024, 2, 1)))!.ts).toBe(Date.UTC(2023, 10, 20));
    // Never in the future: days past the reference is the year before; within a day (a local
    // time ahead of UTC) stays in the reference year.
    expect(parseSyslog3164('Mar  5 00:00:00 h a: 1', ctx(Date.UTC(2024, 2, 1)))!.ts).toBe(Date.UTC(2023, 2, 5));
    expect(parseSyslog3164('Mar  1 13:00:00 h a: 1', ctx(Date.UTC(2024, 2, 1)))!.ts).toBe(Date.UTC(2024, 2, 1, 13));
  });

  test('state is per context: two sources infer independently', () => {
    const a = ctx(Date.UTC(2025, 0, 5));
    const b = ctx(Date.UTC(2025, 0, 5));
    parseSyslog3164('Dec 31 10:00:00 h a: x', a);
    expect(parseSyslog3164('Jan  1 10:00:00 h a: x', a)!.ts).toBe(Date.UTC(2025, 0, 1, 10));
    expect(parseSyslog3164('Jan  1 10:00:00 h a: x', b)!.ts).toBe(Date.UTC(2025, 0, 1, 10));
    expect(b.state.year).toBe(2025);
  });
});

/** Minimal RFC 4180 reader for the Loghub ground-truth CSVs. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell.length > 0 || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describeShared('Loghub syslog samples against their ground truth', [join(SHARED_DATA, 'loghub-2k')], () => {
  const cases = [
    { name: 'Linux', host: 4, app: 5, pid: 6, content: 7 },
    { name: 'OpenSSH', host: 4, app: -1, pid: 5, content: 6 },
  ];
  for (const c of cases) {
    test(`${c.name}: host, app, pid and message of all 2000 lines`, () => {
      const dir = join(SHARED_DATA, 'loghub-2k', c.name);
      const raw = readFileSync(join(dir, `${c.name}_2k.log`), 'utf8').split(/\r?\n/);
      if (raw[raw.length - 1] === '') raw.pop();
      const truth = readCsv(readFileSync(join(dir, `${c.name}_2k.log_structured_corrected.csv`), 'utf8')).slice(1);
      expect(raw.length).toBe(2000);
      expect(truth.length).toBe(2000);
      const context = ctx(Date.UTC(2006, 0, 1));
      raw.forEach((line, i) => {
        const ev = parseSyslog3164(line, context);
        expect(ev, line).not.toBeNull();
        const row = truth[i]!;
        if (c.name === 'OpenSSH') {
          // This CSV names the host "Component" and the app is always sshd.
          expect(ev!.host).toBe(row[4]);
          expect(ev!.app).toBe('sshd');
        } else {
          expect(ev!.host).toBe(row[c.host]);
          expect(ev!.app).toBe(row[c.app]);
        }
        const pid = row[c.pid]!;
        expect(ev!.pid).toBe(pid === '' ? null : Number(pid));
        expect(ev!.message.trim()).toBe(row[c.content]!.trim());
        expect(ev!.ts).not.toBeNull();
      });
    });
  }
});
