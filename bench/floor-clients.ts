// Worker thread of the embedded bench: the floor screens. They run off the server's event loop,
// as real screens would, and report each tile's latency (arrival of the window-closing sample at
// ingest → tile received here).
import { parentPort, workerData } from 'node:worker_threads';
import { io as connect, type Socket } from 'socket.io-client';

const { url, tokens } = workerData as { url: string; tokens: string[] };
const latencies: number[] = [];
const sockets: Socket[] = [];

for (const token of tokens) {
  const socket = connect(`${url}/floor`, { auth: { token }, transports: ['websocket'] });
  socket.on('tile', (t: { traceArrivalMs?: number }) => {
    if (t.traceArrivalMs && t.traceArrivalMs > 0) latencies.push(Date.now() - t.traceArrivalMs);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  sockets.push(socket);
}
parentPort!.postMessage({ type: 'connected' });
parentPort!.on('message', (m: { type: string }) => {
  if (m.type === 'mark') {
    // end of the warm-up: hand over what was measured so far and start afresh
    parentPort!.postMessage({ type: 'marked', latencies: latencies.splice(0) });
  }
  if (m.type === 'report') {
    parentPort!.postMessage({ type: 'report', latencies });
    for (const s of sockets) s.disconnect();
  }
});
