/**
 * The browser host's bridge: defines the same `window.vigil` as the Electron preload, carried
 * over a WebSocket to `vigil serve`, with uploads standing in for native file dialogs.
 */
import type { Bridge, PickFilesOptions } from '../../../src-shared/bridge';
import type { Envelope } from '../../../src-shared/envelope';

declare global {
  interface Window {
    vigil?: Bridge;
  }
}

const TOKEN_KEY = 'vigil.token';
const params = new URLSearchParams(location.search);
const token = params.get('token') ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
if (params.has('token')) {
  sessionStorage.setItem(TOKEN_KEY, token);
  // Keep the token out of the address bar, history and screenshots; a reload reads it back.
  history.replaceState(null, '', location.pathname);
}

type Pending = (reply: Envelope<unknown>) => void;
const pending = new Map<number, Pending>();
const listeners = new Set<(name: string, payload: unknown) => void>();
const outbox: string[] = [];
let socket: WebSocket | null = null;
let nextId = 1;
let retryMs = 250;

const BIG_MESSAGE = 256 * 1024;
/** Messages waiting for a task of their own, in the order they came (a message channel: timers may be held back). */
const later: (() => void)[] = [];
const laterChannel = new MessageChannel();
laterChannel.port1.onmessage = () => later.shift()?.();
function nextTask(f: () => void): void {
  later.push(f);
  laterChannel.port2.postMessage(null);
}

function connect(): void {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/bridge?token=${encodeURIComponent(token)}`);
  socket = ws;
  ws.onopen = () => {
    retryMs = 250;
    for (const frame of outbox.splice(0)) ws.send(frame);
  };
  ws.onmessage = (ev) => {
    const text = String(ev.data);
    const msg = JSON.parse(text) as { id?: number | null; reply?: Envelope<unknown>; event?: string; payload?: unknown };
    const deliver = () => {
      if (typeof msg.event === 'string') {
        for (const l of listeners) l(msg.event, msg.payload);
      } else if (typeof msg.id === 'number' && msg.reply) {
        pending.get(msg.id)?.(msg.reply);
        pending.delete(msg.id);
      }
    };
    // A big reply (a 5,000-vertex graph, a page of 1,000 events) is handled in a task of its own:
    // reading it and rendering what it holds in one task would hold the page up twice as long.
    // Whatever comes after it waits its turn: replies and events keep their order.
    if (text.length > BIG_MESSAGE || later.length > 0) nextTask(deliver);
    else deliver();
  };
  ws.onclose = () => {
    socket = null;
    // Requests in flight are lost with the connection: answer them rather than leave the UI waiting.
    for (const [id, resolve] of pending) {
      resolve({ ok: false, error: { code: 'internal', message: 'Lost the connection to the Vigil host; retrying.' } });
      pending.delete(id);
    }
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  };
}

async function uploadAll(files: File[]): Promise<string[]> {
  const paths: string[] = [];
  for (const file of files) {
    const res = await fetch(`/upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'X-Vigil-Token': token },
      body: file,
    });
    if (!res.ok) throw new Error(`Upload of ${file.name} failed: ${res.status} ${await res.text()}`);
    paths.push(((await res.json()) as { path: string }).path);
  }
  return paths;
}

function chooseFiles(options: PickFilesOptions): Promise<File[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = options.multiple ?? true;
    input.addEventListener('change', () => resolve(Array.from(input.files ?? [])));
    input.addEventListener('cancel', () => resolve([]));
    input.click();
  });
}

const bridge: Bridge = {
  request(method, input) {
    const id = nextId++;
    const frame = JSON.stringify({ id, method, input });
    return new Promise((resolve) => {
      pending.set(id, resolve);
      if (socket?.readyState === WebSocket.OPEN) socket.send(frame);
      else outbox.push(frame);
    });
  },
  onEvent(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  async pickFiles(options = {}) {
    return uploadAll(await chooseFiles(options));
  },
  resolveDroppedFiles(files) {
    return uploadAll(files);
  },
};

window.vigil = bridge;
connect();
