// Fixed-rate pollers in a worker thread: each client asks for one path every `intervalMs` (not as
// fast as it can), for `seconds`, as a console does while it follows a run. The paths to poll can
// be changed while it runs (a message with { paths }), so the clients follow the runs in flight.
// Requests go through node:http with a keep-alive connection per client (as a browser keeps one):
// it costs the client a fraction of what fetch does, and the clients share the server's two cores.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

// The first `warmupSeconds` are not measured: the threads and their connections start up.
const { base, cookie, clients, intervalMs, seconds, warmupSeconds = 0 } = workerData;
let paths = workerData.paths;
parentPort.on('message', (m) => {
  if (m.paths?.length) paths = m.paths;
});
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const get = (path) =>
  new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path, agent, headers: { cookie } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
const latencies = [];
let failures = 0;
const started = performance.now();
const measured = started + warmupSeconds * 1000;
const until = measured + seconds * 1000;
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
        if ((await get(path)) !== 200 && t >= measured) failures++;
      } catch {
        if (t >= measured) failures++;
      }
      if (t >= measured) latencies.push(performance.now() - t);
      next += intervalMs;
      await sleep(next - performance.now());
    }
  }),
);
agent.destroy();
parentPort.postMessage({ latencies, failures, seconds: (performance.now() - measured) / 1000 });
