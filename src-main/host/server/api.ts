/**
 * The Node host's HTTP API beside the workbench (DESIGN.md "Command line and HTTP API"):
 * `GET /health`, `POST /detect-sessions`, `POST /detect-incidents`, and its OpenAPI document.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineLink } from '../../engine/link';

export interface ApiContext {
  link: EngineLink;
  /** The key clients send in X-API-KEY; the API is refused without it. */
  apiKey: string;
}

/** True when the request was an API request and has been answered. */
export async function handleApi(_req: IncomingMessage, _res: ServerResponse, _url: URL, _ctx: ApiContext): Promise<boolean> {
  return false;
}
