/** The renderer's one way to the engine: the typed client over whatever bridge the host gave us. */
import type { Bridge } from '../../src-shared/bridge';
import { createClient, type VigilClient } from '../../src-shared/client';

declare global {
  interface Window {
    vigil?: Bridge;
  }
}

let client: VigilClient | null = null;

export function api(): VigilClient {
  if (!client) {
    if (!window.vigil) throw new Error('No host bridge: open Vigil through the desktop app or `vigil serve`.');
    client = createClient(window.vigil);
  }
  return client;
}

export function hasBridge(): boolean {
  return !!window.vigil;
}

/** A message an analyst can read, from whatever was thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
