import { describe, expect, it } from 'vitest';
import { indexFields, parseQuery, QueryError, type QueryNode } from './query';
import { fieldClause, highlightPatterns } from './query-text';
import { parseTime } from './query-time';
import { EVENT_FIELDS, INCIDENT_FIELDS } from './query-fields';

const EVENTS = indexFields(EVENT_FIELDS);
const parse = (q: string) => parseQuery(q, EVENTS);

/** The tree as a short Lisp-like string, to compare shapes. */
function show(n: QueryNode | null): string {
  if (n === null) return '*';
  switch (n.type) {
    case 'and':
    case 'or':
      return `(${n.type} ${n.children.map(show).join(' ')})`;
    case 'not':
      return `(not ${show(n.child)})`;
    case 'text':
      return `${n.phrase ? `"${n.text}"` : n.text}${n.prefix ? '*' : ''}`;
    case 'field': {
      const t = n.test;
      if (t.op === 'range') return `${n.field}${t.loIncl ? '[' : '{'}${t.lo ?? '*'},${t.hi ?? '*'}${t.hiIncl ? ']' : '}'}`;
      return `${n.field}${t.op === 'cidr' ? '∈' : t.pattern ? '~' : '='}${t.value}`;
    }
  }
}

function errorOf(q: string): { message: string; position: number } {
  try {
    parse(q);
  } catch (e) {
    expect(e).toBeInstanceOf(QueryError);
    return { message: (e as QueryError).message, position: (e as QueryError).position };
  }
  throw new Error(`"${q}" parsed`);
}

describe('parseQuery', () => {
  it('reads free text, phrases and prefixes, ANDed', () => {
    expect(show(parse('failed password'))).toBe('(and failed password)');
    expect(show(parse('"invalid user" admin*'))).toBe('(and "invalid user" admin*)');
    expect(show(parse('   '))).toBe('*');
    expect(show(parse('*'))).toBe('*');
    expect(show(parse('failed OR *'))).toBe('*');
    expect(show(parse('failed *'))).toBe('failed');
    expect(show(parse('(a OR *) b'))).toBe('b');
  });

  it('gives NOT and -term, then AND, then OR their usual precedence', () => {
    expect(show(parse('failed password -invalid'))).toBe('(and failed password (not invalid))');
    expect(show(parse('a b OR c NOT d'))).toBe('(or (and a b) (and c (not d)))');
    expect(show(parse('Failed AND root'))).toBe('(and Failed root)');
    expect(show(parse('(a OR b) c'))).toBe('(and (or a b) c)');
    expect(show(parse('NOT (a OR b)'))).toBe('(not (or a b))');
    // Lower-case and/or/not are words; so is ORACLE.
    expect(show(parse('ORACLE or not'))).toBe('(and ORACLE or not)');
  });

  it('reads field values, comparisons, ranges, wildcards and networks', () => {
    expect(show(parse('ip:131.233.55.242 status:404'))).toBe('(and ip=131.233.55.242 status[404,404])');
    expect(show(parse('status:>=500 bytes:>1000000'))).toBe('(and status[500,*} bytes{1000000,*})');
    expect(show(parse('status:<400'))).toBe('status{*,400}');
    expect(show(parse('status:4xx'))).toBe('status[400,500}');
    expect(show(parse('status:[200 TO 299]'))).toBe('status[200,299]');
    expect(show(parse('bytes:{100 TO *}'))).toBe('bytes{100,*}');
    expect(show(parse('path:/api/* user:adm?n'))).toBe('(and path~/api/* user~adm?n)');
    expect(show(parse('ip:10.0.0.0/8'))).toBe('ip∈10.0.0.0/8');
    expect(show(parse('src_ip:2001:db8::1'))).toBe('src_ip=2001:db8::1');
    expect(show(parse('user:"john smith"'))).toBe('user=john smith');
    expect(show(parse('severity:<=err'))).toBe('severity{*,3]');
    expect(show(parse('method:get host:WEB-1'))).toBe('(and method=get host=web-1)');
    expect(show(parse('status:(401 OR 403)'))).toBe('(or status[401,401] status[403,403])');
    expect(show(parse('-status:404'))).toBe('(not status[404,404])');
  });

  it('reads times in UTC with the span their precision names', () => {
    const day = Date.UTC(2015, 4, 17);
    expect(show(parse('time:2015-05-17'))).toBe(`time[${day},${day + 86_400_000}}`);
    expect(show(parse('time:>=2015-05-17T10:00'))).toBe(`time[${day + 36_000_000},*}`);
    expect(show(parse('time:<=2015-05-17'))).toBe(`time[*,${day + 86_400_000}}`);
    expect(show(parse('time:[2015-05-17T10 TO 2015-05-17T11]'))).toBe(`time[${day + 36_000_000},${day + 43_200_000}}`);
    expect(parseTime('2015-05-17T10:05:03+02:00')).toEqual({ lo: Date.UTC(2015, 4, 17, 8, 5, 3), hi: Date.UTC(2015, 4, 17, 8, 5, 4) });
    expect(parseTime('1431857103000')).toEqual({ lo: 1431857103000, hi: 1431857103001 });
    expect(parseTime('2015-13-01')).toBeNull();
    expect(parseTime('yesterday')).toBeNull();
  });

  it('says where a query is wrong', () => {
    expect(errorOf('status:abc')).toMatchObject({ position: 7, message: expect.stringMatching(/number/) });
    expect(errorOf('failed (root')).toMatchObject({ position: 7, message: expect.stringMatching(/never closed/) });
    expect(errorOf('failed root)')).toMatchObject({ position: 11 });
    expect(errorOf('colour:red')).toMatchObject({ position: 0, message: expect.stringMatching(/unknown field "colour"/) });
    expect(errorOf('a OR')).toMatchObject({ position: 2, message: 'OR needs a term after it' });
    expect(errorOf('OR a')).toMatchObject({ position: 0 });
    expect(errorOf('a AND')).toMatchObject({ position: 2 });
    expect(errorOf('a NOT')).toMatchObject({ position: 2 });
    expect(errorOf('"unterminated')).toMatchObject({ position: 0 });
    expect(errorOf('x ()')).toMatchObject({ position: 2, message: 'empty parentheses' });
    expect(errorOf('path:>/a')).toMatchObject({ message: expect.stringMatching(/no comparison/) });
    expect(errorOf('outcome:maybe')).toMatchObject({ position: 8 });
    expect(errorOf('ip:10.0.0.0/99')).toMatchObject({ position: 3 });
    expect(errorOf('time:tomorrow')).toMatchObject({ position: 5 });
    expect(errorOf('status:[1 TO')).toMatchObject({ position: 7 });
    expect(errorOf('adm*n')).toMatchObject({ position: 3 });
    expect(errorOf('user:')).toMatchObject({ position: 0 });
    expect(errorOf('a -*')).toMatchObject({ position: 2, message: 'NOT * would match nothing' });
    const deep = `${'('.repeat(100)}a${')'.repeat(100)}`;
    expect(errorOf(deep).message).toContain('nest deeper');
  });

  it('takes a word ending in a colon as text unless it names a field', () => {
    expect(show(parse('error: refused'))).toBe('(and error: refused)');
    expect(show(parse('sshd[1291]: Accepted'))).toBe('(and sshd[1291]: Accepted)');
  });

  it('checks incident fields against their own list', () => {
    const incidents = indexFields(INCIDENT_FIELDS);
    const q = parseQuery('severity:>=high category:auth_attack priority:>70', incidents);
    expect(show(q)).toBe('(and severity[3,*} category=auth_attack priority{70,*})');
    expect(() => parseQuery('status:404', incidents)).toThrow(/status is one of open, investigating, closed/);
  });
});

describe('highlightPatterns', () => {
  it('marks searched words, phrases and field values but not negated ones', () => {
    const re = new RegExp(highlightPatterns(parse('"failed password" root* -invalid ip:1.2.3.4')).join('|'), 'giu');
    const line = 'Failed password for rootkit from 1.2.3.4; invalid user';
    expect(line.match(re)).toEqual(['Failed password', 'rootkit', '1.2.3.4']);
  });
});

describe('fieldClause', () => {
  it('quotes values that would not read back as one exact value', () => {
    expect(fieldClause('ip', '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(fieldClause('path', '/a b')).toBe('path:"/a b"');
    expect(fieldClause('path', '/x*')).toBe('path:"/x*"');
    for (const v of ['/a b', '/x*', 'say "hi"', '>5']) {
      const n = parse(fieldClause('path', v));
      expect(n).toMatchObject({ type: 'field', test: { op: 'match', value: v, pattern: false } });
    }
  });
});
