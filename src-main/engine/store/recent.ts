/** Recent cases, kept outside any case in the app's data folder, like a document app's list. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { RecentCase } from '../../../src-shared/dto';

const MAX_RECENT = 20;
const recentFile = z.array(z.object({ path: z.string(), name: z.string(), openedAt: z.number() }));

export class RecentCases {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'recent-cases.json');
  }

  list(): RecentCase[] {
    return this.read().map((r) => ({ ...r, exists: existsSync(r.path) }));
  }

  touch(path: string, name: string): void {
    const rest = this.read().filter((r) => r.path !== path);
    this.write([{ path, name, openedAt: Date.now() }, ...rest].slice(0, MAX_RECENT));
  }

  forget(path: string): void {
    this.write(this.read().filter((r) => r.path !== path));
  }

  private read(): z.infer<typeof recentFile> {
    try {
      const parsed = recentFile.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      // A damaged list is not worth an error dialog: start a fresh one.
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }

  private write(rows: z.infer<typeof recentFile>): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(rows, null, 2));
    renameSync(tmp, this.file);
  }
}
