/**
 * An IP episode: everything one source IP did until it went quiet for `episodeGapMs`. Attack
 * patterns are judged per episode because attacks are defined by a source's whole run (how many
 * users, how many tries each, did anything succeed), not by a session of one user or a fixed
 * window that could cut a spray in half.
 */
import { ActivityStats, BoundedSet } from './activity';
import { type AuthResult, type EventFacts, UNKNOWN_ACCOUNT } from './eventFacts';
import { SlidingMaxCount } from './slidingCount';
import { isExploitPath } from './webSignals';

/** The window in which attempts of unknown result are counted as one run. */
const UNKNOWN_BURST_MS = 5 * 60_000;

export interface UserAuthRun {
  failures: number;
  successes: number;
  /** Result of the first attempt: a first-try success means the attacker knew the password. */
  firstResult: AuthResult;
  /** Consecutive failures right now, and when that run started. */
  streak: number;
  streakStart: number;
  /** Recent failure ids of the current run (for compromise evidence). */
  streakIds: number[];
  invalid: boolean;
}

const NO_USERS: ReadonlyMap<string, UserAuthRun> = new Map();

export class IpEpisode {
  readonly stats: ActivityStats;
  /** Made on the first login attempt: most episodes (page views) never see one. */
  private users: Map<string, UserAuthRun> | null = null;
  usersOverflow = 0;
  readonly authAgents: BoundedSet<string>;
  authAttempts = 0;
  /** Attempts whose answer does not say how they went (a login form answering 200 either way), and their densest run. */
  unknownAttempts = 0;
  readonly unknownBurst = new SlidingMaxCount(UNKNOWN_BURST_MS);
  authFirst = Infinity;
  authLast = -Infinity;
  readonly authEvidence: number[] = [];
  webFirst = Infinity;
  webLast = -Infinity;
  readonly webEvidence: number[] = [];
  readonly burst404 = new SlidingMaxCount();
  sensitiveFirst = Infinity;
  sensitiveLast = -Infinity;
  readonly sensitiveEvidence: number[] = [];
  readonly sensitiveBurst = new SlidingMaxCount();
  readonly sensitivePaths: BoundedSet<string>;
  /** 2xx answers to exploit-only paths: a probe that may have worked. */
  exploitOk = 0;
  /** Event time the episode last moved to the back of the detector's open map. */
  moved = 0;
  private reported: Set<string> | null = null;

  constructor(
    readonly ip: string,
    private readonly maxDistinct: number,
    private readonly maxEvidence: number,
  ) {
    this.stats = new ActivityStats(maxDistinct, maxEvidence);
    this.authAgents = new BoundedSet(256);
    this.sensitivePaths = new BoundedSet(64);
  }

  get authUsers(): ReadonlyMap<string, UserAuthRun> {
    return this.users ?? NO_USERS;
  }

  /** Users already reported as possibly compromised in this episode. */
  get compromised(): Set<string> {
    return (this.reported ??= new Set<string>());
  }

  get first(): number {
    return this.stats.first;
  }

  get last(): number {
    return this.stats.last;
  }

  /** Add an event; returns the user's run when this event is a success that ended a failure run. */
  add(f: EventFacts): { user: string; run: UserAuthRun; failuresBefore: number } | null {
    this.stats.add(f);
    let ended: { user: string; run: UserAuthRun; failuresBefore: number } | null = null;
    if (f.auth !== null && f.user !== null) ended = this.addAuth(f, f.user, f.auth);
    if (f.http && f.status !== null && f.status >= 200 && f.status < 300 && f.path !== null && isExploitPath(f.path)) this.exploitOk++;
    if (f.http && (f.scanner !== null || f.status === 404)) {
      if (f.status === 404) this.burst404.add(f.ts);
      this.webFirst = Math.min(this.webFirst, f.ts);
      this.webLast = Math.max(this.webLast, f.ts);
      pushBounded(this.webEvidence, f.id, this.maxEvidence);
    }
    if (f.sensitiveError && f.path !== null) {
      this.sensitiveBurst.add(f.ts);
      this.sensitivePaths.add(f.path);
      this.sensitiveFirst = Math.min(this.sensitiveFirst, f.ts);
      this.sensitiveLast = Math.max(this.sensitiveLast, f.ts);
      pushBounded(this.sensitiveEvidence, f.id, this.maxEvidence);
    }
    return ended;
  }

  private addAuth(f: EventFacts, user: string, result: AuthResult | 'unknown'): { user: string; run: UserAuthRun; failuresBefore: number } | null {
    this.authAttempts += f.weight;
    this.authFirst = Math.min(this.authFirst, f.ts);
    this.authLast = Math.max(this.authLast, f.ts);
    if (f.userAgent !== null) this.authAgents.add(f.userAgent);
    pushBounded(this.authEvidence, f.id, this.maxEvidence);
    if (result === 'unknown') {
      // Counted by volume only: no run of failures or successes can be told from them.
      this.unknownAttempts += f.weight;
      this.unknownBurst.add(f.ts, f.weight);
      return null;
    }
    const users = (this.users ??= new Map<string, UserAuthRun>());
    let run = users.get(user);
    if (run === undefined) {
      if (users.size >= this.maxDistinct) {
        // Past the cap we still count the attempt but stop tracking the user individually.
        this.usersOverflow++;
        return null;
      }
      run = { failures: 0, successes: 0, firstResult: result, streak: 0, streakStart: f.ts, streakIds: [], invalid: false };
      users.set(user, run);
    }
    if (f.invalidUser) run.invalid = true;
    if (result === 'failure') {
      if (run.streak === 0) {
        run.streakStart = f.ts;
        run.streakIds.length = 0;
      }
      run.failures += f.weight;
      run.streak += f.weight;
      run.streakIds.push(f.id);
      if (run.streakIds.length > 10) run.streakIds.shift();
      return null;
    }
    run.successes += f.weight;
    // Failures whose lines named no account (Postfix SASL, an API's 401) may well have been for
    // this one: a success right after them ends them too.
    const anon = user !== UNKNOWN_ACCOUNT && run.streak === 0 ? users.get(UNKNOWN_ACCOUNT) : undefined;
    const from = anon !== undefined && anon.streak > 0 ? anon : run;
    const failuresBefore = from.streak;
    const ended = failuresBefore > 0 ? { user, run: { ...from, streakIds: [...from.streakIds] }, failuresBefore } : null;
    from.streak = 0;
    from.streakIds.length = 0;
    run.streak = 0;
    run.streakIds.length = 0;
    return ended;
  }
}

function pushBounded(list: number[], id: number, max: number): void {
  if (list.length < max) list.push(id);
}
