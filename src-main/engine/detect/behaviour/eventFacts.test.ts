/**
 * The facts the behaviour models count come from the event's auth meaning, as the parser set it
 * for whichever program wrote the line: attempts counted once, twins not at all.
 */
import { describe, expect, it } from 'vitest';
import { createParseContext } from '../../parse/parsers/context';
import { parseSyslog3164 } from '../../parse/parsers/syslog3164';
import { DEFAULT_BEHAVIOUR_CONFIG } from './config';
import { EventFactExtractor, UNKNOWN_ACCOUNT, sourceEntity } from './eventFacts';

function facts(lines: string[]) {
  const ctx = createParseContext('auth.log', { referenceTime: Date.UTC(2017, 4, 1) });
  const x = new EventFactExtractor(DEFAULT_BEHAVIOUR_CONFIG.businessHours);
  return lines.map((l, i) => {
    const ev = parseSyslog3164(l, ctx, 'auth')!;
    ev.id = i + 1;
    return x.extract(ev)!;
  });
}

describe('event facts', () => {
  it('counts an attempt on the empty account name once, on the unknown account', () => {
    const [invalid, failed] = facts([
      'Apr  6 20:48:25 host sshd[1]: Invalid user  from 34.204.227.175 port 19074',
      'Apr  6 20:48:27 host sshd[1]: Failed password for invalid user  from 34.204.227.175 port 19074 ssh2',
    ]);
    expect(invalid).toMatchObject({ user: UNKNOWN_ACCOUNT, auth: 'failure', invalidUser: true, source: '34.204.227.175' });
    // The "Failed password" twin of the same attempt is not counted again.
    expect(failed).toMatchObject({ auth: null, source: '34.204.227.175' });
  });

  it('leaves lines that are no attempt alone', () => {
    const [closed] = facts(['Apr  6 20:48:25 host sshd[1]: Connection closed by 34.204.227.175 port 1 [preauth]']);
    expect(closed).toMatchObject({ user: null, auth: null });
  });

  it('names a source the log gave only by host name, and a local caller, as such', () => {
    const [byName, bySu] = facts([
      'Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root',
      'Jun 15 02:05:10 combo su[20999]: FAILED SU (to root) alice on pts/3',
    ]);
    expect(byName).toMatchObject({ source: 'host:220-135-151-1.hinet-ip.hinet.net', user: 'root', auth: 'failure' });
    expect(sourceEntity(byName!.source!)).toEqual({ type: 'host', value: '220-135-151-1.hinet-ip.hinet.net' });
    expect(bySu).toMatchObject({ source: 'user:alice', user: 'root', auth: 'failure' });
  });
});
