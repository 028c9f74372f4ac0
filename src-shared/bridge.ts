/**
 * The one generic bridge every host gives the renderer as `window.vigil`: the Electron preload
 * over IPC, and the browser host's script over WebSocket. The renderer codes against this and
 * never learns which host it runs on.
 */
import type { Envelope } from './envelope';

export interface PickFilesOptions {
  title?: string;
  multiple?: boolean;
}

export interface Bridge {
  request(method: string, input: unknown): Promise<Envelope<unknown>>;
  /** Subscribe to every pushed event; returns the unsubscribe function. */
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
  /**
   * Let the analyst choose log files and return paths the engine can read: a native dialog in
   * Electron, an upload into the host's inbox in the browser. Empty when the analyst cancels.
   */
  pickFiles(options?: PickFilesOptions): Promise<string[]>;
  /** Turn dropped files into readable paths the same way. */
  resolveDroppedFiles(files: File[]): Promise<string[]>;
}

/** Channel names shared by the Electron main process and preload. */
export const IPC_REQUEST = 'vigil:request';
export const IPC_EVENT = 'vigil:event';
export const IPC_PICK_FILES = 'vigil:pickFiles';
