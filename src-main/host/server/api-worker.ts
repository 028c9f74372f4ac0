/**
 * Entry of the HTTP API's worker thread: one detection request (api-detect.ts), off the host's
 * thread. Its memory goes with it when it ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runApiJob, type ApiJob } from './api-detect';

const port = parentPort;
if (!port) throw new Error('api-worker must run in a worker thread');
void runApiJob(workerData as ApiJob).then((outcome) => port.postMessage(outcome));
