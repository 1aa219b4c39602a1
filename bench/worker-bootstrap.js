// Loads a TypeScript worker through tsx (a worker thread has its own module loader).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
