import type { ErrorCode } from '../../src-shared/envelope';

/** An expected failure with a code from the contract's closed set; anything else is `internal`. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Map a Node file-system error to a message an analyst can act on. */
export function ioError(err: unknown, what: string): EngineError {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'does not exist',
    EACCES: 'is not readable or writable by Vigil (permission denied)',
    EPERM: 'is not accessible (operation not permitted)',
    EISDIR: 'is a folder, not a file',
    ENOSPC: 'cannot be written: the disk is full',
    EROFS: 'cannot be written: the file system is read-only',
  };
  const reason = (e?.code && reasons[e.code]) || e?.message || String(err);
  return new EngineError('io_error', `${what} ${reason}`, { errno: e?.code });
}

/**
 * Why work stops when its case closes: unlike a cancel, the work is owed. An import is left
 * interrupted and a detection pass running, and both are taken up when the case opens again.
 */
export class CaseClosing extends Error {
  override readonly name = 'CaseClosing';
  constructor() {
    super('the case was closed; the work goes on when it is opened again');
  }
}
