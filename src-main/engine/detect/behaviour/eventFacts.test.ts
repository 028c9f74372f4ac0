import { describe, expect, it } from 'vitest';
import { type NormalizedEvent, emptyEvent } from '../../../../src-shared/event';
import { DEFAULT_BEHAVIOUR_CONFIG } from './config';
import { EMPTY_USER_NAME, EventFactExtractor } from './eventFacts';

function sshd(id: number, ts: number, message: string, action: string, user: string | null): NormalizedEvent {
  const ev = emptyEvent(`Apr  6 20:48:25 host sshd[1]: ${message}`, 'auth.log');
  return { ...ev, id, ts, app: 'sshd', message, action, outcome: 'failure', src_ip: '34.204.227.175', user, parser: 'auth' };
}

describe('event facts', () => {
  it('counts attempts on the empty account name ("Invalid user  from") once each', () => {
    // What the auth parser makes of sshd's lines for an empty user name: no user at all.
    const x = new EventFactExtractor(DEFAULT_BEHAVIOUR_CONFIG.businessHours);
    const invalid = x.extract(sshd(1, 1_000, 'Invalid user  from 34.204.227.175', 'ssh_invalid_user', null))!;
    const failed = x.extract(sshd(2, 3_000, 'Failed password for invalid user  from 34.204.227.175 port 19074 ssh2', 'ssh_login', null))!;
    expect(invalid).toMatchObject({ user: EMPTY_USER_NAME, auth: 'failure', invalidUser: true });
    // The "Failed password" twin of the same attempt is not counted again.
    expect(failed).toMatchObject({ user: EMPTY_USER_NAME, auth: null });
  });

  it('leaves lines without a user that are not invalid-user attempts alone', () => {
    const x = new EventFactExtractor(DEFAULT_BEHAVIOUR_CONFIG.businessHours);
    const closed = x.extract({ ...sshd(1, 1_000, 'Connection closed by 34.204.227.175 port 1 [preauth]', 'ssh_disconnect', null), outcome: 'unknown' })!;
    expect(closed).toMatchObject({ user: null, auth: null });
  });
});
