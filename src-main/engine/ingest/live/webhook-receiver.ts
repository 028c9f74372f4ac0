/** The webhook receiver: JSON records posted by scripts and services, authenticated, one line each. */
import { HttpError } from './http-body';
import type { HttpReply, HttpRequestContext } from './http-receiver';
import { webhookBodyToLines } from './webhook-body';

export function webhookErrorReply(status: number, message: string): HttpReply {
  return { status, contentType: 'application/json', body: JSON.stringify({ error: message }) };
}

export function handleWebhook(ctx: HttpRequestContext, countMalformed: (n: number) => void): HttpReply {
  const { lines, malformed } = webhookBodyToLines(ctx.body.toString('utf8'));
  if (malformed > 0) countMalformed(malformed);
  if (lines.length === 0) {
    throw new HttpError(400, malformed > 0 ? `none of the ${malformed} records is valid JSON` : 'the body is empty; send a JSON object, an array or JSON lines');
  }
  if (!ctx.deliver(lines)) throw new HttpError(429, 'the collector queue is full; retry later');
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ accepted: lines.length, malformed }) };
}
