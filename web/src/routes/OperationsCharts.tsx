import { type ReactNode, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Cell, ComposedChart, LabelList, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { OperationsWindow, Overview } from '../api/types';
import { number, time } from '../format';

/**
 * The operations page's charts (issue 12), drawn with recharts. Colour is never the only carrier
 * of meaning: failed and timed-out bars are hatched and dotted, p95 and running are dashed lines,
 * low stock is hatched and labelled; every chart says its figures in a sentence and in a table
 * for screen readers, and its drawing is focusable (arrow keys move its tooltip).
 */

/** Colours that hold up in print and for the common colour-vision deficiencies (with the patterns). */
const colours = {
  succeeded: '#1b7f3b',
  failed: '#b3261e',
  timed_out: '#b45309',
  cancelled: '#6b7280',
  primary: '#1d4ed8',
  second: '#7c3aed',
  warn: '#b45309',
  grid: '#d9dde5',
  text: '#5b6475',
} as const;

const outcomes = ['succeeded', 'failed', 'timed_out', 'cancelled'] as const;
type Outcome = (typeof outcomes)[number];

/** An SVG id from React's (which may hold characters url(#...) does not take). */
const svgId = (id: string) => `c${id.replace(/[^a-zA-Z0-9_-]/g, '')}`;

const axis = { stroke: colours.text, fontSize: 12 };

/** One chart: its title, the sentence that says what it shows, the drawing, and the figures as a table for screen readers. */
function Chart({ title, summary, table, children, testId }: { title: string; summary: string; table: ReactNode; children: ReactNode; testId: string }) {
  const id = useId();
  return (
    <figure className="chart card" aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} data-testid={testId}>
      <figcaption>
        <h2 id={`${id}-title`} className="chart-title">
          {title}
        </h2>
        <p id={`${id}-summary`} className="chart-summary" data-testid={`${testId}-summary`}>
          {summary}
        </p>
      </figcaption>
      <div className="chart-box">
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
      {table}
    </figure>
  );
}

/** The figures of a chart for a screen reader (visually hidden). */
function DataTable({ caption, head, rows }: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <table className="sr-only">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{typeof c === 'number' ? number(c) : c}</td>))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Hatching and dots, so that failed, timed out and low stock differ without their colour. */
function Patterns({ id }: { id: string }) {
  return (
    <defs>
      <pattern id={`${id}-failed`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill={colours.failed} />
        <line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" strokeWidth="2" strokeOpacity="0.65" />
      </pattern>
      <pattern id={`${id}-timed_out`} width="5" height="5" patternUnits="userSpaceOnUse">
        <rect width="5" height="5" fill={colours.timed_out} />
        <circle cx="2.5" cy="2.5" r="1.1" fill="#ffffff" fillOpacity="0.7" />
      </pattern>
      <pattern id={`${id}-low`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">
        <rect width="6" height="6" fill={colours.warn} />
        <line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" strokeWidth="2" strokeOpacity="0.6" />
      </pattern>
    </defs>
  );
}

const fill = (id: string, o: Outcome) => (o === 'failed' || o === 'timed_out' ? `url(#${id}-${o})` : colours[o]);

const seconds = (s: number) => `${number(s)}\u00a0s`;

interface TimeLine {
  key: string;
  name: string;
  colour: string;
  /** Dashed: told apart from a solid line without its colour. */
  dashed?: boolean;
  /** A dot at each value, of this fill (none: a line alone). */
  dot?: string;
  /** Held until the next bucket (levels), rather than joined straight (measures). */
  step?: boolean;
}

/** Lines over the window's buckets, the time along the bottom. */
function TimeLines({ data, title, desc, format, yWidth = 40, integers, lines }: { data: { at: string }[]; title: string; desc: string; format: (n: number) => string; yWidth?: number; integers?: boolean; lines: TimeLine[] }) {
  return (
    <LineChart data={data} title={title} desc={desc} margin={{ top: 8, right: 14, bottom: 0, left: 0 }}>
      <CartesianGrid stroke={colours.grid} vertical={false} />
      <XAxis dataKey="at" tickFormatter={(iso: string) => time(iso)} minTickGap={24} tick={axis} />
      <YAxis allowDecimals={!integers} tickFormatter={(v) => format(Number(v))} tick={axis} width={yWidth} />
      <Tooltip labelFormatter={(v) => time(String(v))} formatter={(v, name) => [v === null || v === undefined ? '–' : format(Number(v)), String(name)]} />
      <Legend formatter={legendText} itemSorter={null} />
      {lines.map((l) => (
        <Line
          key={l.key}
          type={l.step ? 'stepAfter' : 'linear'}
          dataKey={l.key}
          name={l.name}
          stroke={l.colour}
          strokeWidth={2}
          strokeDasharray={l.dashed ? '6 4' : undefined}
          dot={l.dot ? { r: 3, fill: l.dot } : false}
          connectNulls
          isAnimationActive={false}
        />
      ))}
    </LineChart>
  );
}

const legendText = (value: string) => <span className="chart-legend">{value}</span>;

interface TickProps {
  x?: number | string;
  y?: number | string;
  payload?: { value?: unknown };
}

/** A category's name a word a line, so that long template names do not run into each other. */
function WrappedTick({ x = 0, y = 0, payload }: TickProps) {
  const words = String(payload?.value ?? '').split(' ');
  return (
    <text x={x} y={y} textAnchor="middle" fill={colours.text} fontSize={12}>
      {words.map((word, i) => (
        <tspan key={i} x={x} dy={14}>
          {word}
        </tspan>
      ))}
    </text>
  );
}

/** Failures by one thing (the outside system, the task): a bar each, the count beside it. */
function FailureBars({ testId, title, summary, head, items, pattern, labelWidth }: { testId: string; title: string; summary: string; head: string; items: { label: string; count: number }[]; pattern: string; labelWidth: number }) {
  const { t } = useTranslation();
  const failures = t('operations.table.failures');
  return (
    <Chart testId={testId} title={title} summary={summary} table={<DataTable caption={title} head={[head, failures]} rows={items.map((s) => [s.label, s.count])} />}>
      <BarChart data={items} layout="vertical" title={title} desc={summary} margin={{ top: 8, right: 24, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={colours.grid} horizontal={false} />
        <XAxis type="number" allowDecimals={false} tick={axis} />
        <YAxis type="category" dataKey="label" width={labelWidth} tick={axis} />
        <Tooltip formatter={(v) => [number(Number(v)), failures]} />
        <Bar dataKey="count" name={failures} fill={`url(#${pattern}-failed)`} stroke={colours.failed} maxBarSize={28} isAnimationActive={false}>
          <LabelList dataKey="count" position="right" formatter={(v) => number(Number(v))} />
        </Bar>
      </BarChart>
    </Chart>
  );
}

export default function OperationsCharts({ data, window }: { data: Overview; window: OperationsWindow }) {
  const { t } = useTranslation();
  const pattern = svgId(useId());
  // Every sentence may say the window ("in the last hour") and its buckets ("per minute").
  const w = (key: string, params: Record<string, unknown> = {}) => t(`operations.${key}`, { ...params, window: t(`operations.window.${window}`), per: t(`operations.per.${window}`) });
  const outcomeName = (o: string) => t(`status.${o}` as 'status.failed');
  const systemName = (s: string) => t(`operations.systems.${s}` as 'operations.systems.ocs', { defaultValue: s });
  const tick = (iso: string) => time(iso);

  // Runs by outcome.
  const busiest = data.runs.reduce<Overview['runs'][number] | null>((best, b) => (b.failed + b.timed_out > (best ? best.failed + best.timed_out : 0) ? b : best), null);
  const runRows = data.runs.filter((b) => outcomes.some((o) => b[o] > 0));
  const runsSummary = [
    w('runs.summary', { succeeded: number(data.totals.succeeded), failed: number(data.totals.failed), timedOut: number(data.totals.timed_out), cancelled: number(data.totals.cancelled) }),
    busiest ? w('runs.busiest', { n: number(busiest.failed + busiest.timed_out), time: time(busiest.at) }) : '',
  ].join(' ').trim();

  // Failures by system and by task.
  const failures = data.failuresBySystem.reduce((n, f) => n + f.count, 0);
  const systems = data.failuresBySystem.map((f) => ({ label: systemName(f.system), count: f.count }));
  const tasks = data.failuresByTask.map((f) => ({ label: f.task ? `${f.task} (${f.playbook})` : t('operations.failures.noTask', { playbook: f.playbook }), count: f.count }));
  const list = (items: { label: string; count: number }[]) => items.map((i) => `${i.label}${t('app.colon')} ${number(i.count)}`).join(', ');
  const systemsSummary = failures ? w('failures.systemsSummary', { count: failures, n: number(failures), list: list(systems) }) : w('failures.none');
  const tasksSummary = failures ? w('failures.tasksSummary', { list: list(tasks) }) : w('failures.none');

  // Durations.
  const timed = data.durations.filter((d) => d.runs > 0);
  const last = timed[timed.length - 1];
  const slowest = timed.reduce<(typeof timed)[number] | null>((m, d) => (d.p95 !== null && (m === null || d.p95 > (m.p95 ?? 0)) ? d : m), null);
  const durationsSummary = last
    ? `${w('durations.latest', { p50: seconds(last.p50 ?? 0), p95: seconds(last.p95 ?? 0), time: time(last.at) })} ${slowest ? w('durations.slowest', { p95: seconds(slowest.p95 ?? 0), time: time(slowest.at) }) : ''}`.trim()
    : w('durations.none');

  // Queue depth.
  const peak = data.queue.reduce<(typeof data.queue)[number] | null>((m, q) => (m === null || q.peakQueued > m.peakQueued ? q : m), null);
  const queueSummary = `${t('operations.queue.now', { queued: number(data.queueNow.queued), running: number(data.queueNow.running) })} ${peak && peak.peakQueued > 0 ? w('queue.peak', { n: number(peak.peakQueued), time: time(peak.at) }) : w('queue.empty')}`;
  const queueRows = data.queue.filter((q) => q.peakQueued || q.peakRunning);

  // Stock.
  const low = data.stock.filter((s) => s.low);
  const stockData = data.stock.map((s) => ({ ...s, lowLabel: s.low ? t('operations.stock.lowMark') : '' }));
  const stockSummary = low.length
    ? t('operations.stock.lowSummary', {
        count: low.length,
        list: low.map((s) => t('operations.stock.lowItem', { template: s.template, available: number(s.available), threshold: number(s.threshold ?? 0) })).join(', '),
      })
    : t('operations.stock.okSummary', { count: data.stock.length });

  return (
    <div className="charts" data-testid="operations-charts">
      {/* The patterns every chart fills with, once for the page. */}
      <svg className="chart-defs" width="0" height="0" aria-hidden="true" focusable="false">
        <Patterns id={pattern} />
      </svg>
      <Chart
        testId="chart-runs"
        title={w('runs.title')}
        summary={runsSummary}
        table={<DataTable caption={w('runs.table')} head={[t('operations.table.time'), ...outcomes.map(outcomeName)]} rows={runRows.map((b) => [time(b.at), ...outcomes.map((o) => b[o])])} />}
      >
        <BarChart data={data.runs} title={w('runs.title')} desc={runsSummary} margin={{ top: 8, right: 14, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={colours.grid} vertical={false} />
          <XAxis dataKey="at" tickFormatter={tick} minTickGap={24} tick={axis} />
          <YAxis allowDecimals={false} tick={axis} width={40} />
          <Tooltip labelFormatter={(v) => time(String(v))} formatter={(v, name) => [number(Number(v)), String(name)]} />
          <Legend formatter={legendText} itemSorter={null} />
          {outcomes.map((o) => (
            <Bar key={o} dataKey={o} name={outcomeName(o)} stackId="runs" fill={fill(pattern, o)} stroke={colours[o]} isAnimationActive={false} />
          ))}
        </BarChart>
      </Chart>

      <FailureBars testId="chart-systems" title={w('failures.systemsTitle')} summary={systemsSummary} head={t('operations.table.system')} items={systems} pattern={pattern} labelWidth={170} />
      <FailureBars testId="chart-tasks" title={w('failures.tasksTitle')} summary={tasksSummary} head={t('operations.table.task')} items={tasks} pattern={pattern} labelWidth={220} />

      <Chart
        testId="chart-durations"
        title={w('durations.title')}
        summary={durationsSummary}
        table={<DataTable caption={w('durations.title')} head={[t('operations.table.time'), t('operations.table.runs'), 'p50', 'p95']} rows={timed.map((d) => [time(d.at), d.runs, seconds(d.p50 ?? 0), seconds(d.p95 ?? 0)])} />}
      >
        <TimeLines
          data={data.durations}
          title={w('durations.title')}
          desc={durationsSummary}
          format={seconds}
          yWidth={56}
          lines={[
            // Dots, filled for p50 and hollow for p95: a minute alone with runs still shows.
            { key: 'p50', name: t('operations.durations.p50'), colour: colours.primary, dot: colours.primary },
            { key: 'p95', name: t('operations.durations.p95'), colour: colours.second, dashed: true, dot: '#ffffff' },
          ]}
        />
      </Chart>

      <Chart
        testId="chart-queue"
        title={w('queue.title')}
        summary={queueSummary}
        table={
          <DataTable
            caption={w('queue.table')}
            head={[t('operations.table.time'), t('operations.queue.queued'), t('operations.queue.running')]}
            rows={queueRows.map((q) => [time(q.at), q.peakQueued, q.peakRunning])}
          />
        }
      >
        <TimeLines
          data={data.queue}
          title={w('queue.title')}
          desc={queueSummary}
          format={number}
          integers
          lines={[
            { key: 'peakQueued', name: t('operations.queue.queued'), colour: colours.primary, step: true },
            { key: 'peakRunning', name: t('operations.queue.running'), colour: colours.succeeded, dashed: true, step: true },
          ]}
        />
      </Chart>

      <Chart
        testId="chart-stock"
        title={t('operations.stock.title')}
        summary={stockSummary}
        table={
          <DataTable
            caption={t('operations.stock.title')}
            head={[t('operations.table.template'), t('operations.stock.available'), t('operations.stock.threshold'), t('operations.stock.state')]}
            rows={data.stock.map((s) => [s.template, s.available, s.threshold === null ? t('operations.stock.noThreshold') : s.threshold, s.low ? t('operations.stock.low') : t('operations.stock.ok')])}
          />
        }
      >
        <ComposedChart data={stockData} title={t('operations.stock.title')} desc={stockSummary} margin={{ top: 20, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={colours.grid} vertical={false} />
          <XAxis dataKey="template" tick={(props: TickProps) => <WrappedTick {...props} />} interval={0} height={40} />
          <YAxis allowDecimals={false} tick={axis} width={48} />
          <Tooltip formatter={(v, name) => [v === null || v === undefined ? '–' : number(Number(v)), String(name)]} />
          <Legend formatter={legendText} itemSorter={null} />
          <Bar dataKey="available" name={t('operations.stock.available')} fill={colours.primary} isAnimationActive={false}>
            {stockData.map((s) => (
              <Cell key={s.template} fill={s.low ? `url(#${pattern}-low)` : colours.primary} stroke={s.low ? colours.warn : colours.primary} />
            ))}
            <LabelList dataKey="lowLabel" position="top" fill={colours.warn} fontWeight={700} />
          </Bar>
          <Line type="step" dataKey="threshold" name={t('operations.stock.threshold')} stroke={colours.failed} strokeWidth={2} strokeDasharray="5 3" dot={false} connectNulls={false} isAnimationActive={false} />
        </ComposedChart>
      </Chart>
    </div>
  );
}
