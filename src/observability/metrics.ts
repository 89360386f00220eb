import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Move } from '../provisioning/ledger.js';

/** Seconds, for the latency histograms: from a millisecond to a minute. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** A whole run, confirm to end: up to its five-minute deadline and beyond. */
const runBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** How a call to an outside system ended, from what it threw (TaskError codes: OCS_UNREACHABLE...). */
export function callOutcome(error: unknown): string {
  if (!error) return 'ok';
  const e = error as { code?: unknown; name?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  if (typeof e.code === 'string') {
    if (e.code.endsWith('_UNREACHABLE')) return 'unreachable';
    if (e.code.endsWith('_TIMEOUT') || e.code === 'TASK_TIMED_OUT') return 'timeout';
  }
  return 'error';
}

/**
 * Switchboard's Prometheus metrics (issue 12), one registry per app (tests run several in one
 * process). Two kinds, exported differently on purpose:
 *
 * - What this process did (HTTP requests, runs and tasks moved, calls to outside systems,
 *   payments, undos, webhook deliveries): counters and histograms in memory, labelled with the
 *   process's `WORKER_ID` (`worker`). Every process exports its own (`serve` at /metrics, a
 *   `worker` on METRICS_PORT); Prometheus sums them: `sum by (outcome) (rate(switchboard_runs_total[5m]))`.
 *   Counting in the database instead would cost a statement per move and lose the histograms.
 * - What is true of the whole system (queue depth, runs in flight, batch rows, reservations, stock):
 *   gauges read from the database when scraped, the same answer from any process. Only processes
 *   that serve HTTP export them, so there is one series per `serve` process: take `max` when
 *   several serve processes are scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly runs: Counter<'playbook' | 'outcome'>;
  readonly runDuration: Histogram<'playbook' | 'outcome'>;
  readonly tasks: Counter<'action' | 'outcome'>;
  readonly taskDuration: Histogram<'action' | 'outcome'>;
  readonly taskFailures: Counter<'action' | 'code'>;
  readonly undoFailures: Counter<'action'>;
  readonly calls: Counter<'system' | 'outcome'>;
  readonly callDuration: Histogram<'system'>;
  readonly charges: Counter<'outcome'>;
  readonly payments: Counter<'outcome'>;
  readonly webhookDeliveries: Counter<'event' | 'outcome'>;
  readonly webhookDuration: Histogram<'event'>;

  constructor(o: { workerId: string; systemGauges?: (() => Promise<SystemGauge[]>) | null; inFlight?: () => number }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ worker: o.workerId });
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
    this.httpRequests = new Counter({ name: 'switchboard_http_requests_total', help: 'HTTP requests answered, by route (its template) and status.', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({ name: 'switchboard_http_request_duration_seconds', help: 'HTTP request latency, by route.', labelNames: ['method', 'route'], buckets: latencyBuckets, registers });
    this.runs = new Counter({ name: 'switchboard_runs_total', help: 'Provisioning runs by playbook and outcome: started (each attempt), succeeded, failed, timed_out, cancelled.', labelNames: ['playbook', 'outcome'], registers });
    this.runDuration = new Histogram({ name: 'switchboard_run_duration_seconds', help: 'Provisioning runs from their start by a worker to their end, by playbook and outcome.', labelNames: ['playbook', 'outcome'], buckets: runBuckets, registers });
    this.tasks = new Counter({ name: 'switchboard_tasks_total', help: 'Tasks ended, by action and outcome (succeeded, failed, ignored, skipped, rolled_back).', labelNames: ['action', 'outcome'], registers });
    this.taskDuration = new Histogram({ name: 'switchboard_task_duration_seconds', help: 'Tasks from their first attempt to their end, by action and outcome.', labelNames: ['action', 'outcome'], buckets: latencyBuckets, registers });
    this.taskFailures = new Counter({ name: 'switchboard_task_failures_total', help: 'Failed task attempts, by action and error code (OCS_UNREACHABLE, TASK_TIMED_OUT...).', labelNames: ['action', 'code'], registers });
    this.undoFailures = new Counter({ name: 'switchboard_undo_failures_total', help: 'Undos that could not be done (to finish by hand), by action.', labelNames: ['action'], registers });
    this.calls = new Counter({ name: 'switchboard_external_calls_total', help: 'Calls to outside systems (OCS, HLR, RADIUS, payments, mail...), by outcome: ok, error, unreachable, timeout.', labelNames: ['system', 'outcome'], registers });
    this.callDuration = new Histogram({ name: 'switchboard_external_call_duration_seconds', help: 'Latency of calls to outside systems (waiting for a limit not included).', labelNames: ['system'], buckets: latencyBuckets, registers });
    this.charges = new Counter({ name: 'switchboard_charges_total', help: 'Charge collections by outcome: paid, declined, no_payment_method, gateway_error.', labelNames: ['outcome'], registers });
    this.payments = new Counter({ name: 'switchboard_payments_total', help: 'Payment attempts at the gateway by outcome: succeeded, declined, error.', labelNames: ['outcome'], registers });
    this.webhookDeliveries = new Counter({ name: 'switchboard_webhook_deliveries_total', help: 'Webhook delivery attempts by event type and outcome: delivered, retry, failed.', labelNames: ['event', 'outcome'], registers });
    this.webhookDuration = new Histogram({ name: 'switchboard_webhook_delivery_duration_seconds', help: 'Webhook delivery latency, by event type.', labelNames: ['event'], buckets: latencyBuckets, registers });
    if (o.inFlight) {
      const inFlight = o.inFlight;
      new Gauge({ name: 'switchboard_worker_runs_in_flight', help: 'Runs this process is working on now.', registers, collect() {
        this.set(inFlight());
      } });
    }
    if (o.systemGauges) this.systemGauges(o.systemGauges);
  }

  /** The text Prometheus scrapes. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  http(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  call(system: string, outcome: string, seconds: number, n = 1): void {
    this.calls.inc({ system, outcome }, n);
    for (let i = 0; i < n; i++) this.callDuration.observe({ system }, seconds);
  }

  /** How charge collections ended; each but already_paid and no_payment_method was a payment attempt. */
  collected(outcomes: string[]): void {
    for (const outcome of outcomes) {
      this.charges.inc({ outcome });
      const payment = ({ paid: 'succeeded', declined: 'declined', gateway_error: 'error' } as Record<string, string>)[outcome];
      if (payment) this.payments.inc({ outcome: payment });
    }
  }

  /** A webhook delivery attempt ended (issue 12's webhooks). */
  delivered(event: string, outcome: string, seconds: number): void {
    this.webhookDeliveries.inc({ event, outcome });
    this.webhookDuration.observe({ event }, seconds);
  }

  /** What the ledger moved (after its commit): runs started and ended, tasks ended, failed attempts. */
  moved(moves: Move[]): void {
    for (const m of moves) {
      if (m.kind === 'run') {
        for (const r of m.runs) {
          // Every move that starts or ends a run says its playbook (the ledger's statements return it).
          const playbook = r.playbook ?? 'unknown';
          if (m.to === 'running') this.runs.inc({ playbook, outcome: 'started' });
          else if (m.to === 'succeeded' || m.to === 'failed' || m.to === 'timed_out' || m.to === 'cancelled') {
            this.runs.inc({ playbook, outcome: m.to });
            if (r.seconds != null) this.runDuration.observe({ playbook, outcome: m.to }, r.seconds);
          }
        }
        continue;
      }
      const action = m.action ?? 'unknown';
      if (m.to === 'attempt_failed') {
        for (const r of m.runs) {
          if (action === 'undo') this.undoFailures.inc({ action: r.action ?? 'unknown' });
          else this.taskFailures.inc({ action, code: r.errorCode ?? 'UNKNOWN' });
        }
      } else if (m.to !== 'running' && m.to !== 'pending') {
        for (const r of m.runs) {
          this.tasks.inc({ action, outcome: m.to });
          if (r.seconds != null) this.taskDuration.observe({ action, outcome: m.to }, r.seconds);
        }
      }
    }
  }

  /**
   * Gauges of the whole system, read from the database at the scrape through each domain's own
   * query, shared by the gauges of one scrape.
   */
  private systemGauges(read: () => Promise<SystemGauge[]>): void {
    const registers = [this.registry];
    // The gauges of one scrape share one read; the next scrape reads again. A read that fails (the
    // database is down) leaves these gauges out and says so, and the process's own metrics still go.
    let pending: Promise<SystemGauge[]> | null = null;
    const up = new Gauge({
      name: 'switchboard_system_gauges_up',
      help: '1 when the gauges of the whole system could be read from the database at this scrape, 0 when not.',
      registers,
      async collect() {
        await current();
      },
    });
    const current = () =>
      (pending ??= read()
        .then((rows) => {
          up.set(1);
          return rows;
        })
        .catch(() => {
          up.set(0);
          return [];
        })
        .finally(() => {
          setImmediate(() => (pending = null));
        }));
    const gauge = (name: string, help: string, label: string, metric: SystemGauge['metric']) =>
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers,
        async collect() {
          this.reset();
          for (const r of await current()) if (r.metric === metric) this.set({ [label]: r.label }, r.value);
        },
      });
    gauge('switchboard_queue_depth', 'Runs waiting to be claimed, by queue: interactive (confirmed by staff or the API), bulk (batches), lifecycle, undo.', 'queue', 'queued');
    gauge('switchboard_runs_in_flight', 'Runs under way in every process, by queue.', 'queue', 'running');
    gauge('switchboard_batch_rows', "Rows of running and paused batches, by status (a started row by its run's status).", 'status', 'batch_rows');
    gauge('switchboard_reservations', 'Stock items reserved by a wizard, by state: held (still valid) or expired (available again).', 'state', 'reservations');
    gauge('switchboard_stock_available', 'Stock items available now, by inventory template.', 'template', 'stock');
    gauge('switchboard_stock_low_threshold', 'The low-stock threshold of each inventory template (alert when available < threshold).', 'template', 'threshold');
  }
}

/** One value of a gauge of the whole system, as a domain reads it from the database. */
export interface SystemGauge {
  metric: 'queued' | 'running' | 'batch_rows' | 'reservations' | 'stock' | 'threshold';
  label: string;
  value: number;
}
