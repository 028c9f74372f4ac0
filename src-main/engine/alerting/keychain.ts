/**
 * The OS keychain, reached from the engine worker. Only Electron's main process has safeStorage,
 * and the engine must never import electron, so the two talk over a BroadcastChannel: both run in
 * the same process (the engine is a worker thread of the main process), the renderer cannot reach
 * it, and nothing crosses the contract. The main process answers; anywhere else nobody does, and
 * after a short wait the engine falls back to the plain 0600 file.
 */
import { BroadcastChannel } from 'node:worker_threads';

export const KEYCHAIN_CHANNEL = 'vigil.keychain';

export type KeychainRequest = { type: 'keychain.request'; id: string; op: 'probe' | 'encrypt' | 'decrypt'; data: string };
export type KeychainReply = { type: 'keychain.reply'; id: string; ok: boolean; data: string; error?: string };

export interface Keychain {
  available(): Promise<boolean>;
  /** Whether the desktop host answered at all (it also shows desktop alerts itself). */
  hostAnswered(): Promise<boolean>;
  /** Plain text in, base64 of the sealed bytes out. */
  encrypt(text: string): Promise<string>;
  decrypt(sealed: string): Promise<string>;
}

export class ChannelKeychain implements Keychain {
  private probed: Promise<'yes' | 'no' | null> | null = null;
  private seq = 0;

  constructor(
    private readonly probeTimeoutMs = 400,
    private readonly timeoutMs = 10_000,
  ) {}

  private probe(): Promise<'yes' | 'no' | null> {
    this.probed ??= this.ask('probe', '', this.probeTimeoutMs).then(
      (d): 'yes' | 'no' => (d === 'yes' ? 'yes' : 'no'),
      () => null,
    );
    return this.probed;
  }

  async available(): Promise<boolean> {
    return (await this.probe()) === 'yes';
  }

  async hostAnswered(): Promise<boolean> {
    return (await this.probe()) !== null;
  }

  encrypt(text: string): Promise<string> {
    return this.ask('encrypt', text, this.timeoutMs);
  }

  decrypt(sealed: string): Promise<string> {
    return this.ask('decrypt', sealed, this.timeoutMs);
  }

  private ask(op: KeychainRequest['op'], data: string, timeoutMs: number): Promise<string> {
    const id = `${process.pid}-${Date.now()}-${++this.seq}`;
    const channel = new BroadcastChannel(KEYCHAIN_CHANNEL);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error('the keychain did not answer')), timeoutMs);
      const done = (err: Error | null, value = '') => {
        clearTimeout(timer);
        channel.close();
        if (err) reject(err);
        else resolve(value);
      };
      channel.onmessage = (ev: unknown) => {
        const msg = (ev as { data?: KeychainReply }).data;
        if (!msg || msg.type !== 'keychain.reply' || msg.id !== id) return;
        if (msg.ok) done(null, msg.data);
        else done(new Error(msg.error ?? 'the keychain refused'));
      };
      channel.postMessage({ type: 'keychain.request', id, op, data } satisfies KeychainRequest);
    });
  }
}
