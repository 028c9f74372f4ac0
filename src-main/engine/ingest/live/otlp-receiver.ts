/**
 * OTLP/HTTP logs (`POST /v1/logs`), protobuf or JSON, each record handed on as one JSON line.
 * Replies follow the OTLP/HTTP specification: the response message in the request's encoding,
 * partial success when some records were unusable, a google.rpc.Status body on errors, and 429
 * with Retry-After when the queue is full so exporters retry instead of losing data.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-body';
import type { HttpReply, HttpRequestContext } from './http-receiver';
import { decodeExportLogsRequest, encodeExportLogsResponse, encodeStatus, ProtobufError } from './otlp-protobuf';
import { otlpRequestToLines } from './otlp-records';

type Encoding = 'protobuf' | 'json';

function encodingOf(req: IncomingMessage): Encoding | null {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

/** gRPC status codes, which the OTLP Status body carries. */
function grpcCode(status: number): number {
  if (status === 400 || status === 415) return 3; // INVALID_ARGUMENT
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 404 || status === 405) return 12; // UNIMPLEMENTED
  if (status === 413) return 11; // OUT_OF_RANGE
  if (status === 429) return 8; // RESOURCE_EXHAUSTED
  return 13; // INTERNAL
}

export function otlpErrorReply(status: number, message: string, req: IncomingMessage): HttpReply {
  const code = grpcCode(status);
  if (encodingOf(req) === 'json') return { status, contentType: 'application/json', body: JSON.stringify({ code, message }) };
  return { status, contentType: 'application/x-protobuf', body: encodeStatus(code, message) };
}

export function handleOtlp(ctx: HttpRequestContext): HttpReply {
  const encoding = encodingOf(ctx.req);
  if (encoding === null) {
    throw new HttpError(415, `Content-Type "${ctx.req.headers['content-type'] ?? ''}" is not OTLP; use application/x-protobuf or application/json`);
  }
  let request: unknown;
  try {
    request = encoding === 'protobuf' ? decodeExportLogsRequest(ctx.body) : JSON.parse(ctx.body.toString('utf8'));
  } catch (err) {
    if (err instanceof ProtobufError) throw new HttpError(400, `not an OTLP logs request: ${err.message}`);
    throw new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
  let converted;
  try {
    converted = otlpRequestToLines(request, ctx.receivedAt);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  if (!ctx.deliver(converted.lines)) throw new HttpError(429, 'the collector queue is full; retry later');
  const why = converted.rejected > 0 ? `${converted.rejected} log records were not objects` : '';
  if (encoding === 'json') {
    const body = converted.rejected > 0 ? { partialSuccess: { rejectedLogRecords: String(converted.rejected), errorMessage: why } } : {};
    return { status: 200, contentType: 'application/json', body: JSON.stringify(body) };
  }
  return { status: 200, contentType: 'application/x-protobuf', body: encodeExportLogsResponse(converted.rejected, why) };
}
