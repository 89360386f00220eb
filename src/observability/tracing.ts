import { type Context, defaultTextMapGetter, defaultTextMapSetter, type Link, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, type Sampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { signalSources } from '../shared/signals.js';

export interface TracingSettings {
  /** Where spans go: OTLP over HTTP (`<endpoint>/v1/traces`, or the traces endpoint as given). */
  tracesUrl: string;
  serviceName: string;
  /** OTEL_TRACES_SAMPLER and its argument, as the OpenTelemetry specification names them. */
  sampler: string | undefined;
  samplerArg: string | undefined;
}

/** The settings from the standard OpenTelemetry variables; null when no endpoint is set (tracing off). */
export function tracingFromEnvironment(env: NodeJS.ProcessEnv): TracingSettings | null {
  if (['true', '1'].includes((env.OTEL_SDK_DISABLED ?? '').toLowerCase())) return null;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!traces && !base) return null;
  const sampler = env.OTEL_TRACES_SAMPLER?.trim() || undefined;
  if (sampler && !samplers.includes(sampler)) throw new Error(`OTEL_TRACES_SAMPLER: "${sampler}" is not one of ${samplers.join(', ')}`);
  return {
    tracesUrl: traces || `${base!.replace(/\/+$/, '')}/v1/traces`,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'switchboard',
    sampler,
    samplerArg: env.OTEL_TRACES_SAMPLER_ARG?.trim() || undefined,
  };
}

const samplers = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

function samplerOf(name: string | undefined, arg: string | undefined): Sampler {
  const ratio = Math.min(1, Math.max(0, Number(arg ?? '1') || 0));
  switch (name ?? 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    default:
      throw new Error(`OTEL_TRACES_SAMPLER "${name}" is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio`);
  }
}

/**
 * Traces with OpenTelemetry (issue 12), when OTEL_EXPORTER_OTLP_ENDPOINT is set: a span for each
 * HTTP request, each run a worker takes (a child of the request that confirmed it: its
 * traceparent is kept on the provision's row, so the trace crosses the queue and the process),
 * each task of the run and each call to an outside system. The provider is this app's own (tests
 * run several apps in one process). Parents are passed explicitly, not through an async context:
 * on Node 20 an active AsyncLocalStorage slows every promise of the process several times over.
 * A call finds its task's span through the AbortSignal every call already carries (`bind`).
 * Without an endpoint every method is a no-op that costs nothing.
 */
export class Tracing {
  private readonly propagator = new W3CTraceContextPropagator();
  /** The task span of each row's signal, while the task runs. */
  private readonly bySignal = new WeakMap<AbortSignal, Span>();

  private constructor(
    private readonly provider: NodeTracerProvider | null,
    readonly tracer: Tracer | null,
  ) {}

  static off(): Tracing {
    return new Tracing(null, null);
  }

  static create(settings: TracingSettings | null, resource: { workerId: string; version: string }): Tracing {
    if (!settings) return Tracing.off();
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: resource.version, 'service.instance.id': resource.workerId }),
      sampler: samplerOf(settings.sampler, settings.samplerArg),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl, timeoutMillis: 10_000 }), { maxQueueSize: 20_000, maxExportBatchSize: 1_000, scheduledDelayMillis: 1_000 })],
    });
    return new Tracing(provider, provider.getTracer('switchboard', resource.version));
  }

  get enabled(): boolean {
    return this.tracer !== null;
  }

  /** A span, child of `parent` (a root span when not given); null when tracing is off. */
  start(name: string, kind: SpanKind, attributes: Record<string, string | number | boolean | undefined>, parent?: Context | Span | null): Span | null {
    if (!this.tracer) return null;
    const ctx = !parent ? ROOT_CONTEXT : 'spanContext' in parent ? trace.setSpan(ROOT_CONTEXT, parent) : parent;
    return this.tracer.startSpan(name, { kind, attributes }, ctx);
  }

  /** Calls made with this signal (a row's, for one task) are children of `span`. */
  bind(signal: AbortSignal, span: Span | null): void {
    if (span) this.bySignal.set(signal, span);
  }

  /** The W3C `traceparent` of a span, to carry it where the call stack does not go (the queue). */
  traceparent(span: Span | null | undefined): string | null {
    if (!span) return null;
    const carrier: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    return carrier.traceparent ?? null;
  }

  /** The context a carried `traceparent` (or incoming request headers) names. */
  extract(carrier: Record<string, unknown> | string | null | undefined): Context {
    if (!this.tracer || !carrier) return ROOT_CONTEXT;
    const headers = typeof carrier === 'string' ? { traceparent: carrier } : carrier;
    return this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  }

  /**
   * Spans for calls `from`..`from + n - 1` of `total` made with `signal` to an outside system: under
   * the task whose row's signal it is; for a group's batched call (`groupSignal`), each call under
   * its own row's task when there is one call per row, else under the first row's, linked to the
   * others. A call made outside any run's task (billing's renewals, webhooks) gets none.
   */
  calls(system: string, operation: string | undefined, from: number, n: number, total: number, signal: AbortSignal | undefined): Span[] {
    if (!this.tracer || !signal) return [];
    const own = this.bySignal.get(signal);
    const rows = own ? null : signalSources(signal)?.map((s) => this.bySignal.get(s) ?? null);
    if (!own && !rows?.some(Boolean)) return [];
    const attributes = { 'peer.service': system, 'switchboard.system': system, ...(operation && { 'switchboard.operation': operation }) };
    const name = operation ? `${system} ${operation}` : system;
    const spans: Span[] = [];
    for (let i = from; i < from + n; i++) {
      let parent = own ?? null;
      let links: Link[] = [];
      if (rows) {
        if (rows.length === total) parent = rows[i] ?? null;
        else {
          parent = rows.find(Boolean) ?? null;
          links = rows.filter((r): r is Span => Boolean(r) && r !== parent).map((r) => ({ context: r.spanContext() }));
        }
      }
      spans.push(this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes, links }, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT));
    }
    return spans;
  }

  /** Ends a span with its outcome: an error sets the status and the error code. */
  static end(span: Span | null | undefined, error?: unknown, attributes?: Record<string, string | number | boolean>): void {
    if (!span) return;
    if (attributes) span.setAttributes(attributes);
    if (error) {
      const e = error as { code?: unknown; message?: string };
      span.setStatus({ code: SpanStatusCode.ERROR, message: e?.message ?? String(error) });
      if (typeof e?.code === 'string') span.setAttribute('switchboard.error_code', e.code);
    }
    span.end();
  }

  /** Sends what is buffered (on shutdown, and for tests). */
  async flush(): Promise<void> {
    await this.provider?.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}

export { SpanKind };
