/**
 * Which log a file or archive member is part of. logrotate leaves the live file (`messages`),
 * then `messages.1`, `messages.2.gz` ... or dated members (`messages-20050621`); they are one log
 * cut in pieces, and whatever keeps a per-log baseline (the ensemble's source series, the
 * population's host of an access log) must see one log, not a new one at every member.
 */

const DAY_MS = 86_400_000;

export interface Rotated {
  /** The live file's name, shared by every member of its rotation. */
  base: string;
  /** 0 for the live file, N for `.N` (newer first); null for a dated member. */
  n: number | null;
  /** The end of the day a dated member (`-YYYYMMDD`) was rotated on, epoch ms; else null. */
  dayEnd: number | null;
}

const NUMBERED = /^(.+?)\.(\d{1,3})(\.(?:gz|bz2))?$/;
const DATED = /^(.+?)-(\d{4})(\d{2})(\d{2})(?:\d{2})?(\.(?:gz|bz2))?$/;

/** A file named after a host's address (`remote/10.0.0.1`): its last number is no rotation. */
const ADDRESS = /(?:^|[/\\!])\d{1,3}(?:\.\d{1,3}){3}(?:\.(?:gz|bz2))?$/;

/** How `name` sits in a rotation; a name with no rotation suffix is a live file (n = 0). */
export function rotationOf(name: string): Rotated {
  if (ADDRESS.test(name)) return { base: name, n: 0, dayEnd: null };
  const numbered = NUMBERED.exec(name);
  if (numbered) return { base: numbered[1]!, n: Number(numbered[2]), dayEnd: null };
  const dated = DATED.exec(name);
  if (dated) {
    const [y, m, d] = [Number(dated[2]), Number(dated[3]), Number(dated[4])];
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31) return { base: dated[1]!, n: null, dayEnd: Date.UTC(y, m - 1, d) + DAY_MS };
  }
  return { base: name, n: 0, dayEnd: null };
}


/** The log `name` is a member of: its rotation base, without a compression suffix. */
export function logOf(name: string): string {
  return rotationOf(name).base.replace(/\.(?:gz|bz2)$/, '');
}
