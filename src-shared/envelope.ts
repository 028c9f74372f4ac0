/**
 * The reply envelope. Electron drops custom error classes across IPC, so errors cross every
 * boundary as plain data with a code from a closed set, and are rebuilt on the other side.
 */
export const ERROR_CODES = [
  /** The input failed validation against the method's schema. */
  'invalid_input',
  /** The method name is not in the contract. */
  'unknown_method',
  /** The method needs an open case and none is open. */
  'no_case_open',
  /** A named thing (case, import, row) does not exist. */
  'not_found',
  /** The request conflicts with the current state (e.g. an import is already running). */
  'conflict',
  /** Reading or writing a file failed (permissions, disk full, missing file). */
  'io_error',
  /** The file or case is not in a form Vigil can read. */
  'bad_format',
  /** The work was cancelled by the analyst. */
  'cancelled',
  /** The caller is not allowed (missing or wrong token). */
  'unauthorized',
  /** A bug or an unexpected failure; details are in the engine log. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export function ok<T>(value: T): Envelope<T> {
  return { ok: true, value };
}

export function fail(code: ErrorCode, message: string, details?: unknown): Envelope<never> {
  return details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** The error a client throws when a reply is not ok: the envelope's error rebuilt as an Error. */
export class VigilError extends Error {
  override readonly name = 'VigilError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  static from(info: ErrorInfo): VigilError {
    return new VigilError(isErrorCode(info.code) ? info.code : 'internal', info.message, info.details);
  }
}
