/** Building blocks shared by the contract's domain tables. */
import { z } from 'zod';

/** A phantom that carries a reply type in the table without a runtime value. */
export function reply<T>(): T {
  return undefined as T;
}

export const filePath = z
  .string()
  .min(1, 'a path is required')
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path cannot contain NUL');

export const empty = z.object({}).strict();
