// Fixed-rate pollers in a worker thread: each client asks for one path every `intervalMs` (not as
// fast as it can), for `seconds`, as a console does while it follows a run. The paths to poll can
// be changed while it runs (a message with { paths }), so the clients follow the runs in flight.
import { parentPort, workerData } from 'node:worker_threads';

const { base, cookie, clients, intervalMs, seconds } = workerData;
let paths = workerData.paths;
parentPort.on('message', (m) => {
  if (m.paths?.length) paths = m.paths;
});
const latencies = [];
let failures = 0;
const started = performance.now();
const until = started + seconds * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
await Promise.all(
  Array.from({ length: clients }, async (_, i) => {
    // Spread the clients over the interval, as people do not all click at once.
    let next = started + (intervalMs * i) / clients;
    await sleep(next - performance.now());
    while (next < until) {
      const path = paths[i % paths.length];
      const t = performance.now();
      try {
        const res = await fetch(base + path, { headers: { cookie } });
        await res.arrayBuffer();
        if (res.status !== 200) failures++;
      } catch {
        failures++;
      }
      latencies.push(performance.now() - t);
      next += intervalMs;
      await sleep(next - performance.now());
    }
  }),
);
parentPort.postMessage({ latencies, failures, seconds: (performance.now() - started) / 1000 });
