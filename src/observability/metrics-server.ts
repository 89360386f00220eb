import http from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';
import type { Readiness } from './observability.routes.js';
import type { ScrapeAccess } from './scrape-access.js';

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/**
 * A `worker` process has no API; on METRICS_PORT it answers what monitoring and orchestrators
 * ask of it, and nothing else: GET /metrics (the scrape token or an allowed address, as on the
 * web process), /health/live and /health/ready. The same answers as `serve` gives at those paths.
 */
export async function startMetricsServer(o: { port: number; host: string; metrics: Metrics | null; scrape: ScrapeAccess; readiness: () => Promise<Readiness>; logger: Logger }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Only GET is answered here.', hint: 'GET /metrics, /health/live or /health/ready.' } });
      if (path === '/health/live') return json(res, 200, { status: 'ok' });
      if (path === '/health/ready') {
        const r = await o.readiness();
        return r.ready ? json(res, 200, { status: 'ready', checks: r.checks }) : json(res, 503, { error: { code: 'NOT_READY', message: 'Not ready.', hint: 'Wait: the process is starting or stopping.' }, checks: r.checks });
      }
      if (path === '/metrics' && o.metrics) {
        if (!o.scrape.allows(req.headers.authorization, req.socket.remoteAddress)) {
          return json(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'Scraping needs the scrape token or an allowed address.', hint: 'Send "Authorization: Bearer <METRICS_TOKEN>", or scrape from an address in METRICS_ALLOW.' } });
        }
        const text = await o.metrics.text();
        res.writeHead(200, { 'content-type': o.metrics.contentType, 'cache-control': 'no-store' });
        return res.end(text);
      }
      return json(res, 404, { error: { code: 'NOT_FOUND', message: `There is no route ${req.method} ${path.slice(0, 200)} here.`, hint: 'A worker answers GET /metrics, /health/live and /health/ready only.' } });
    })().catch((err: Error) => {
      o.logger.error({ err: err.message }, 'the metrics server failed to answer');
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: 'The metrics could not be read.', hint: 'Look at the worker log.' } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return server;
}
