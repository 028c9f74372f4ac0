/**
 * A real-shaped web case of ~190K lines: the shared Apache access log (10,000 real lines over three
 * and a half days) repeated with its dates moved on four days each time, so the timelines and the
 * hit histogram hold weeks of real traffic. For the responsiveness benches and specs (issue 26).
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const STAMP = /\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]/;
const DAY = 86_400_000;

function shifted(line: string, days: number): string {
  return line.replace(STAMP, (_m, d: string, mon: string, y: string, hh: string, mm: string, ss: string, zone: string) => {
    const t = new Date(Date.UTC(Number(y), MONTHS.indexOf(mon), Number(d), Number(hh), Number(mm), Number(ss)) + days * DAY);
    const p = (n: number) => String(n).padStart(2, '0');
    return `[${p(t.getUTCDate())}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} ${zone}]`;
  });
}

/** Write `copies` shifted copies of `source` to `path` (unless it is there already); returns its path. */
export async function writeRepeatedAccessLog(source: string, path: string, copies = 19): Promise<string> {
  if (existsSync(path)) return path;
  const lines = readFileSync(source, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const out = createWriteStream(path);
  for (let c = 0; c < copies; c++) {
    const chunk = lines.map((l) => shifted(l, c * 4)).join('\n') + '\n';
    if (!out.write(chunk)) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res) => out.end(() => res()));
  return path;
}
