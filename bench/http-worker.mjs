// The load generator: runs in a worker thread with its own event loop, so the server's work and
// the client's do not queue behind each other in the benchmark's timings. Plain JavaScript:
// worker threads on Node 20 do not take the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';

const { base, cookie, paths, concurrency, total } = workerData;
const latencies = [];
let next = 0;
let failures = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const path = paths[next++ % paths.length];
      const t = performance.now();
      const res = await fetch(base + path, { headers: { cookie } });
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      if (res.status !== 200) failures++;
    }
  }),
);
parentPort.postMessage({ latencies, failures, seconds: (performance.now() - started) / 1000 });
