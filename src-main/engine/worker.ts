/** Entry of the engine worker thread: one Engine, fed by the host over the worker's port. */
import { parentPort, workerData } from 'node:worker_threads';
import { createDispatcher } from './dispatcher';
import { Engine } from './engine';
import type { EngineWorkerData, FromEngine, ToEngine } from './protocol';

const port = parentPort;
if (!port) throw new Error('engine/worker must run in a worker thread');

const data = workerData as EngineWorkerData;
const post = (msg: FromEngine) => port.postMessage(msg);
const engine = new Engine({
  dataDir: data.dataDir,
  version: data.version,
  nativeBinding: data.nativeBinding,
  rulesDir: data.rulesDir,
  pageCacheMiB: data.pageCacheMiB,
  emit: (name, payload) => post({ type: 'event', name, payload }),
});
const dispatch = createDispatcher(engine.handlers);

port.on('message', (msg: ToEngine) => {
  if (msg.type === 'request') {
    void dispatch(msg.method, msg.input).then((reply) => post({ type: 'reply', id: msg.id, reply }));
  } else if (msg.type === 'shutdown') {
    void engine.close().finally(() => {
      post({ type: 'closed' });
      port.close();
    });
  }
});
