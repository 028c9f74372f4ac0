/**
 * The login dialects a scenario can be written in: one list (tests and tools iterate it), each with
 * its writer (dialects-ssh.ts for OpenSSH and Red Hat, dialects-services.ts for FTP, mail and
 * remote login).
 */
import type { DialectWriter } from './dialect-common';
import { keyOnly, openssh, opensshOld, redhatMessages, rhelSecure } from './dialects-ssh';
import { SERVICE_WRITERS } from './dialects-services';

export type { Connection, DialectWriter } from './dialect-common';

export const LOGIN_DIALECTS = [
  'openssh',
  'openssh-old',
  'openssh-key-only',
  'rhel-secure',
  'redhat-messages',
  'vsftpd',
  'proftpd',
  'dovecot',
  'postfix',
  'login',
] as const;
export type LoginDialect = (typeof LOGIN_DIALECTS)[number];

export const DIALECT_WRITERS: Record<LoginDialect, DialectWriter> = {
  openssh,
  'openssh-old': opensshOld,
  'openssh-key-only': keyOnly,
  'rhel-secure': rhelSecure,
  'redhat-messages': redhatMessages,
  ...SERVICE_WRITERS,
};
