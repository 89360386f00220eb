// An OTLP/HTTP receiver for the observability benchmark, in a process of its own (as a collector
// would be, elsewhere): it reads what is posted to /v1/traces, counts the spans and answers 200.
// Plain JavaScript. Sends { url } once listening and { spans } when asked.
import http from 'node:http';

let spans = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
    } catch {
      /* not JSON: counted as nothing */
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.send({ url: `http://127.0.0.1:${server.address().port}` }));
process.on('message', (m) => {
  if (m === 'count') process.send({ spans });
  if (m === 'stop') server.close(() => process.exit(0));
});
