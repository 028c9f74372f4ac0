/** Hands out addresses so that no two actors of a scenario share one by accident. */
import type { Prng } from '../detect/behaviour/prng';

export class IpPool {
  private readonly used = new Set<string>();

  constructor(private readonly rng: Prng) {}

  reserve(ip: string): string {
    this.used.add(ip);
    return ip;
  }

  /** A fresh routable-looking IPv4 outside private, loopback, multicast and the crawler nets. */
  public(): string {
    for (;;) {
      const a = this.rng.int(1, 223);
      if (a === 10 || a === 127 || a === 0 || a === 100 || a === 66 || a === 157 || a === 20) continue;
      const b = this.rng.int(0, 255);
      if ((a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) continue;
      const ip = `${a}.${b}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
      if (!this.used.has(ip)) return this.reserve(ip);
    }
  }

  /** A fresh address inside a /24 given as "a.b.c." (crawler networks). */
  inNet(prefix: string): string {
    for (let tries = 0; tries < 1000; tries++) {
      const ip = `${prefix}${this.rng.int(1, 254)}`;
      if (!this.used.has(ip)) return this.reserve(ip);
    }
    throw new Error(`network ${prefix}0/24 exhausted`);
  }
}
