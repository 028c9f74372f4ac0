/** Ground truth for an experiment: attacks with pattern, key and span, as the scenario generator writes them. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ATTACK_PATTERNS, type AttackPattern, type GroundTruthAttack } from '../detect/behaviour';
import { EngineError, ioError } from '../errors';

const truthAttack = z
  .object({
    pattern: z.string(),
    key: z.string().min(1),
    users: z.array(z.string()).default([]),
    start: z.number(),
    end: z.number(),
    note: z.string().optional(),
  })
  .loose();
const truthFile = z.union([z.object({ attacks: z.array(truthAttack) }).loose(), z.array(truthAttack)]);

export interface Truth {
  attacks: GroundTruthAttack[];
  /** Attacks of pattern names this build does not know, left out. */
  unknown: number;
}

export function readTruth(path: string): Truth {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw ioError(err, `The ground-truth file ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EngineError('bad_format', `${path} is not JSON: ${(err as Error).message}`);
  }
  const parsed = truthFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EngineError(
      'bad_format',
      `${path} is not a ground-truth file (attacks with pattern, key, start, end)${issue ? `: ${issue.path.join('.')}: ${issue.message}` : ''}`,
    );
  }
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.attacks;
  const known = new Set<string>(ATTACK_PATTERNS);
  const attacks: GroundTruthAttack[] = list
    .filter((a) => known.has(a.pattern))
    .map((a) => ({
      pattern: a.pattern as AttackPattern,
      key: a.key,
      users: a.users,
      start: a.start,
      end: a.end,
      ...(a.note ? { note: a.note } : {}),
    }));
  return { attacks, unknown: list.length - attacks.length };
}
