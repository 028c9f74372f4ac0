/**
 * Secrets of alert sinks, outside the case file: `alerting-secrets.json` in the app data folder,
 * mode 0600, keyed by sink id (ids are random UUIDs, so cases never collide). Under Electron each
 * entry is sealed by the OS keychain (safeStorage, through the main process); in the Node host
 * (`vigil serve`, `vigil collect`) the file holds them in plain JSON and its mode is the
 * protection. An entry sealed by the desktop app cannot be read by the Node host: such a sink
 * reports its secret as locked until it is entered again.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SinkSecrets } from '../../../src-shared/contract-alerting';
import { EngineError, ioError } from '../errors';
import type { Keychain } from './keychain';

export const SECRETS_FILE = 'alerting-secrets.json';

type Entry = { scheme: 'plain'; value: SinkSecrets } | { scheme: 'keychain'; value: string };
interface SecretsFile {
  version: 1;
  sinks: Record<string, Entry>;
}

export class SecretStore {
  readonly file: string;

  constructor(
    dataDir: string,
    private readonly keychain: Keychain | null,
  ) {
    this.file = join(dataDir, SECRETS_FILE);
  }

  /** Why the file cannot be read, or null when it can (or does not exist yet). */
  problem(): string | null {
    try {
      this.read();
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async desktopHost(): Promise<boolean> {
    return !!this.keychain && (await this.keychain.hostAnswered());
  }

  async scheme(): Promise<'keychain' | 'file'> {
    return this.keychain && (await this.keychain.available()) ? 'keychain' : 'file';
  }

  /** none: nothing stored; locked: stored sealed by a keychain this host cannot reach. */
  async state(sinkId: string): Promise<'none' | 'stored' | 'locked'> {
    const e = this.read().sinks[sinkId];
    if (!e) return 'none';
    if (e.scheme === 'keychain' && !(this.keychain && (await this.keychain.available()))) return 'locked';
    return 'stored';
  }

  async get(sinkId: string): Promise<SinkSecrets | null> {
    const e = this.read().sinks[sinkId];
    if (!e) return null;
    if (e.scheme === 'plain') return e.value;
    if (!this.keychain || !(await this.keychain.available())) {
      throw new EngineError(
        'unauthorized',
        'This sink’s secret was sealed by the desktop app’s keychain and cannot be read here; enter it again.',
      );
    }
    try {
      return JSON.parse(await this.keychain.decrypt(e.value)) as SinkSecrets;
    } catch (err) {
      throw new EngineError(
        'unauthorized',
        `The keychain could not unseal this sink’s secret (${(err as Error).message}); enter it again.`,
      );
    }
  }

  async set(sinkId: string, secrets: SinkSecrets | null): Promise<void> {
    let entry: Entry | null = null;
    if (secrets && Object.keys(secrets).length > 0) {
      entry =
        (await this.scheme()) === 'keychain'
          ? { scheme: 'keychain', value: await this.keychain!.encrypt(JSON.stringify(secrets)) }
          : { scheme: 'plain', value: secrets };
    }
    const data = this.read();
    if (entry) data.sinks[sinkId] = entry;
    else delete data.sinks[sinkId];
    this.write(data);
  }

  private read(): SecretsFile {
    if (!existsSync(this.file)) return { version: 1, sinks: {} };
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      throw ioError(err, `The alert secrets file ${this.file}`);
    }
    try {
      const parsed = JSON.parse(text) as SecretsFile;
      if (parsed && typeof parsed === 'object' && parsed.sinks && typeof parsed.sinks === 'object') return parsed;
    } catch {
      /* reported below */
    }
    throw new EngineError(
      'bad_format',
      `The alert secrets file ${this.file} is damaged; move it aside and enter the sinks' secrets again.`,
    );
  }

  /** Whole-file replace through a 0600 temp file, so a crash leaves the old or the new file, never half. */
  private write(data: SecretsFile): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, this.file);
    } catch (err) {
      throw ioError(err, `The alert secrets file ${this.file}`);
    }
  }
}
