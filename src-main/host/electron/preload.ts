/** The Electron preload: exposes the one generic bridge, nothing else of Node or Electron. */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { Bridge } from '../../../src-shared/bridge';
import { IPC_EVENT, IPC_PICK_FILES, IPC_REQUEST } from '../../../src-shared/bridge';

const bridge: Bridge = {
  request: (method, input) => ipcRenderer.invoke(IPC_REQUEST, method, input),
  onEvent(listener) {
    const handler = (_e: Electron.IpcRendererEvent, name: string, payload: unknown) => listener(name, payload);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT, handler);
  },
  pickFiles: (options = {}) => ipcRenderer.invoke(IPC_PICK_FILES, options),
  resolveDroppedFiles: async (files) => files.map((f) => webUtils.getPathForFile(f)).filter((p) => p.length > 0),
};

contextBridge.exposeInMainWorld('vigil', bridge);
