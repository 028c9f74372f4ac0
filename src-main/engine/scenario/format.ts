/** Timestamp formats of the two log files. The scenario's clock is UTC. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Traditional syslog stamp, "Mar  4 09:15:02" (day padded with a space, no year, no zone). */
export function syslogStamp(ts: number): string {
  const d = new Date(ts);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** Apache %t, "[04/Mar/2024:09:15:02 +0000]". */
export function apacheStamp(ts: number): string {
  const d = new Date(ts);
  return `[${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000]`;
}

/** Lines carry whole seconds; events carry the same truncated time so both always agree. */
export function wholeSecond(ts: number): number {
  return Math.floor(ts / 1000) * 1000;
}
