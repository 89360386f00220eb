// Staff confirming assignments, in a process of its own (so that the server's CPU is measured
// alone): `concurrency` clients POST /api/provisions until every job is sent. Plain JavaScript.
// Jobs come by IPC; the ids of the runs and the time the first and last POST took go back.
process.once('message', async ({ base, cookie, jobs, concurrency }) => {
  const ids = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const j = jobs[next++];
        const res = await fetch(`${base}/api/provisions`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json', 'idempotency-key': j.holder },
          body: JSON.stringify({ customerId: 100, product: 'mobile-20gb', reservation: j.holder, inventory: { 'SIM Card': j.sim, 'Mobile Number': j.number } }),
        });
        const p = await res.json();
        if (res.status !== 201) {
          process.send({ error: `POST /api/provisions: ${res.status} ${JSON.stringify(p)}` });
          process.exit(1);
        }
        ids.push(p.id);
      }
    }),
  );
  process.send({ ids, seconds: (performance.now() - t0) / 1000 });
  process.disconnect();
});
