/** Socket failures turned into messages an analyst can act on, with a contract error code. */
import { EngineError } from '../../errors';

export function bindError(err: unknown, what: string, host: string, port: number): EngineError {
  const e = err as NodeJS.ErrnoException;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (e?.code) {
    case 'EADDRINUSE':
      return new EngineError('conflict', `${what} cannot listen on ${where}: the port is already in use (another collector or program holds it)`, { errno: e.code });
    case 'EACCES':
      return new EngineError('io_error', `${what} cannot listen on ${where}: permission denied (ports below 1024 need privileges; use e.g. 5514)`, { errno: e.code });
    case 'EADDRNOTAVAIL':
      return new EngineError('invalid_input', `${what} cannot listen on ${where}: this machine has no such address`, { errno: e.code });
    case 'EAFNOSUPPORT':
      return new EngineError('invalid_input', `${what} cannot listen on ${where}: this machine has no IPv6 (or no IPv4) support`, { errno: e.code });
    default:
      return new EngineError('io_error', `${what} cannot listen on ${where}: ${e?.message ?? String(err)}`, { errno: e?.code });
  }
}
