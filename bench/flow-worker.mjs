// Staff confirming runs at a steady rate and following each in the event stream, in a worker
// thread (its own event loop: the server's is not shared with the clients). Plain JavaScript.
// Each confirmed run's ID goes to the parent as it comes ({ id }), for the pollers to follow;
// at the end, the delays between a task's change and its arrival, and confirm to Active.
import { parentPort, workerData } from 'node:worker_threads';

// The first `warmupSeconds` are not measured: the threads and their connections start up.
const { base, cookie, jobs, rate, seconds, maxStreams, warmupSeconds = 0 } = workerData;
const delays = [];
const toActive = [];
const streams = [];
const warming = [];
let next = 0;
const measured = Date.now() + warmupSeconds * 1000;
const until = measured + seconds * 1000;

async function follow(id, began) {
  const res = await fetch(`${base}/api/provisions/${id}/events`, { headers: { cookie } });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const stop = Date.now() + 10_000;
  while (Date.now() < stop) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (\w+)/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event === 'task' && data && Date.now() >= measured) delays.push({ id, occurredAt: Date.parse(JSON.parse(data).occurredAt), arrivedAt: Date.now() });
      if (event === 'provision' && data && ['succeeded', 'failed', 'timed_out'].includes(JSON.parse(data).status)) {
        if (Date.now() - (performance.now() - began) >= measured) toActive.push(performance.now() - began);
        await reader.cancel();
        return;
      }
    }
  }
  await reader.cancel();
}

// Ten staff, each confirming every 10/rate seconds, staggered.
await Promise.all(
  Array.from({ length: 10 }, async (_, k) => {
    const every = (10 / rate) * 1000;
    await new Promise((r) => setTimeout(r, (k * every) / 10));
    while (Date.now() < until && next < jobs.length) {
      const j = jobs[next++];
      const began = performance.now();
      const res = await fetch(`${base}/api/provisions`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'idempotency-key': j.holder },
        body: JSON.stringify({ customerId: 100, product: 'mobile-20gb', reservation: j.holder, inventory: { 'SIM Card': j.sim, 'Mobile Number': j.number } }),
      });
      const p = await res.json();
      if (res.status !== 201) throw new Error(`POST /api/provisions: ${res.status} ${JSON.stringify(p)}`);
      parentPort.postMessage({ id: p.id });
      if (Date.now() < measured) warming.length < 20 && warming.push(follow(p.id, began));
      else if (streams.length < maxStreams) streams.push(follow(p.id, began));
      await new Promise((r) => setTimeout(r, Math.max(0, every - (performance.now() - began))));
    }
  }),
);
await Promise.all([...warming, ...streams]);
parentPort.postMessage({ done: true, delays, toActive, confirmed: next, streams: streams.length });
