/**
 * The Electron host: one window with a locked-down renderer, the engine in a worker thread, and
 * IPC that only forwards contract requests and events. Never loads remote content.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session } from 'electron';
import type { PickFilesOptions } from '../../../src-shared/bridge';
import { IPC_EVENT, IPC_PICK_FILES, IPC_REQUEST } from '../../../src-shared/bridge';
import { fail } from '../../../src-shared/envelope';
import type { DesktopNotification } from '../../../src-shared/contract-alerting';
import { KEYCHAIN_CHANNEL, type KeychainReply, type KeychainRequest } from '../../engine/alerting/keychain';
import { WorkerEngineLink } from '../../engine/link';
import { contentSecurityPolicy } from '../csp';
import { builtPaths, electronNativeBinding, readVersion } from '../paths';

const paths = builtPaths(import.meta.url);
const APP_SCHEME = 'vigil';
const APP_ORIGIN = `${APP_SCHEME}://app`;
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (process.env.VIGIL_DATA_DIR) app.setPath('userData', process.env.VIGIL_DATA_DIR);

const link = new WorkerEngineLink(paths.engineWorker, {
  dataDir: app.getPath('userData'),
  version: readVersion(paths.appRoot),
  nativeBinding: electronNativeBinding(paths.appRoot),
  rulesDir: paths.rulesDir,
});

let win: BrowserWindow | null = null;

function isOurFrame(url: string | undefined): boolean {
  if (!url) return false;
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  return url.startsWith(`${APP_ORIGIN}/`) || (!!devUrl && url.startsWith(devUrl));
}

async function createWindow(): Promise<void> {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Vigil',
    backgroundColor: '#0f1419',
    show: false,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event, url) => {
    if (!isOurFrame(url)) event.preventDefault();
  });
  win.on('closed', () => (win = null));
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  await win.loadURL(devUrl ?? `${APP_ORIGIN}/index.html`);
}

app.whenReady().then(async () => {
  // Serve the renderer from our own origin with the CSP as a header, so file:// is never used.
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = normalize(join(paths.rendererDir, decodeURIComponent(url.pathname)));
    if (!file.startsWith(paths.rendererDir + sep)) return new Response('Forbidden', { status: 403 });
    try {
      return new Response(await readFile(file), {
        headers: { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': contentSecurityPolicy() },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
  // No camera, microphone, notifications-by-surprise or anything else a web page may ask for.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  ipcMain.handle(IPC_REQUEST, async (event, method: unknown, input: unknown) => {
    if (!isOurFrame(event.senderFrame?.url)) return fail('unauthorized', 'Request from an unknown frame');
    if (typeof method !== 'string') return fail('invalid_input', 'The method name must be a string');
    return link.request(method, input);
  });
  ipcMain.handle(IPC_PICK_FILES, async (event, options: PickFilesOptions | undefined) => {
    if (!win || !isOurFrame(event.senderFrame?.url)) return [];
    const result = await dialog.showOpenDialog(win, {
      title: typeof options?.title === 'string' ? options.title : 'Choose log files',
      properties: options?.multiple === false ? ['openFile'] : ['openFile', 'multiSelections'],
    });
    return result.canceled ? [] : result.filePaths;
  });
  link.onEvent((name, payload) => {
    // A desktop sink's alert becomes a system notification here, never a page's.
    if (name === 'alerting.notify') return showAlert(payload as DesktopNotification);
    win?.webContents.send(IPC_EVENT, name, payload);
  });

  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
});

/** Clicking the notification brings the window up on the incident. */
function showAlert(n: DesktopNotification): void {
  if (!Notification.isSupported()) return;
  const note = new Notification({ title: n.title, body: n.body, urgency: n.severity === 'critical' ? 'critical' : 'normal' });
  note.on('click', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    if (n.incidentId) win.webContents.send(IPC_EVENT, 'alerting.openIncident', { incidentId: n.incidentId });
  });
  note.show();
}

/**
 * The engine worker keeps alert sinks' secrets sealed by the OS keychain: it asks here, over a
 * channel only threads of this process share (see engine/alerting/keychain.ts).
 */
const keychain = new BroadcastChannel(KEYCHAIN_CHANNEL);
keychain.onmessage = (ev: unknown) => {
  const m = (ev as { data?: KeychainRequest }).data;
  if (m?.type !== 'keychain.request') return;
  const reply = (r: Omit<KeychainReply, 'type' | 'id'>) => keychain.postMessage({ type: 'keychain.reply', id: m.id, ...r } satisfies KeychainReply);
  try {
    const available = app.isReady() && safeStorage.isEncryptionAvailable();
    if (m.op === 'probe') return reply({ ok: true, data: available ? 'yes' : 'no' });
    if (!available) return reply({ ok: false, data: '', error: 'the system keychain is not available' });
    if (m.op === 'encrypt') return reply({ ok: true, data: safeStorage.encryptString(m.data).toString('base64') });
    return reply({ ok: true, data: safeStorage.decryptString(Buffer.from(m.data, 'base64')) });
  } catch (err) {
    reply({ ok: false, data: '', error: (err as Error).message });
  }
};
keychain.unref();

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting) return;
  // Let the engine commit its last batch and close the case before the process goes.
  event.preventDefault();
  quitting = true;
  void link.close().finally(() => app.quit());
});
