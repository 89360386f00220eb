import { z } from 'zod';
import { timestamp } from '../shared/schemas.js';
import { provisionKind, provisionStatus } from './provisioning.schemas.js';

/** Failed-run triage (issue 12): the runs that need someone, and what can be done to many at once. */

export const triageState = z.enum(['failed', 'timed_out', 'running', 'queued']).describe('failed, timed_out: ended badly; running, queued: for longer than longerThanMinutes');
export type TriageState = z.infer<typeof triageState>;
export const triageStates = triageState.options;

/** At most this many runs per request (IDs sent, or runs a filter reaches). */
export const MAX_RUNS = 1000;
/** Ten years, in minutes: any age a run can have. */
const MAX_AGE = 60 * 24 * 3650;

const filterFields = {
  errorCode: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,79}$/, 'an error code in capitals, such as OCS_UNREACHABLE')
    .optional()
    .describe('The code the run failed with (OCS_UNREACHABLE, PAYMENT_DECLINED...)'),
  task: z.string().min(1).max(200).optional().describe('The task the run failed at, as the triage list names it ("Configure OCS account")'),
  playbook: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'a playbook name, such as mobile-new').optional(),
  batchId: z.uuid().optional().describe('Runs of this bulk batch'),
};
const ageDescriptions = {
  older: 'Failed, started or queued more than this many minutes ago',
  newer: 'Failed, started or queued less than this many minutes ago',
  longer: 'A run running or queued for longer than this many minutes is listed (10 unless said)',
};

/** The triage list's filters, as a JSON body sends them (`POST /api/provisions/retry { "filter": ... }`). */
export const triageFilter = z
  .object({
    state: z.array(triageState).min(1).max(4).optional().describe('Which runs; all four when left out'),
    ...filterFields,
    olderThanMinutes: z.number().int().min(1).max(MAX_AGE).optional().describe(ageDescriptions.older),
    newerThanMinutes: z.number().int().min(1).max(MAX_AGE).optional().describe(ageDescriptions.newer),
    longerThanMinutes: z.number().int().min(1).max(10_080).default(10).describe(ageDescriptions.longer),
    asOf: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("The list's asOf: only the runs that were where they are by then, with the age cut-offs as they were then, so that \"all matching\" is what the list showed, not runs that failed since"),
  })
  .strict()
  .meta({ id: 'TriageFilter' });
export type TriageFilter = z.infer<typeof triageFilter>;

/** The same filters in a query string (`?state=failed,timed_out&errorCode=OCS_UNREACHABLE`), and the page. */
export const triageQuery = z.object({
  state: z
    .string()
    .regex(/^(failed|timed_out|running|queued)(,(failed|timed_out|running|queued)){0,3}$/, 'a comma-separated list of failed, timed_out, running, queued')
    .transform((s) => [...new Set(s.split(','))] as TriageState[])
    .optional()
    .describe('Comma-separated: failed, timed_out, running, queued (all four when left out)'),
  ...filterFields,
  olderThanMinutes: z.coerce.number().int().min(1).max(MAX_AGE).optional().describe(ageDescriptions.older),
  newerThanMinutes: z.coerce.number().int().min(1).max(MAX_AGE).optional().describe(ageDescriptions.newer),
  longerThanMinutes: z.coerce.number().int().min(1).max(10_080).default(10).describe(ageDescriptions.longer),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type TriageQuery = z.infer<typeof triageQuery>;

export const triageRow = z
  .object({
    id: z.uuid(),
    status: provisionStatus,
    kind: provisionKind,
    attempt: z.number().int(),
    playbook: z.string(),
    customer: z.object({ id: z.number().int(), name: z.string() }),
    product: z.string(),
    service: z.object({ id: z.number().int(), status: z.string() }).nullable(),
    batch: z.object({ id: z.uuid(), name: z.string().nullable() }).nullable(),
    task: z
      .object({ seq: z.number().int(), name: z.string().describe('As the run named it'), label: z.string().nullable().describe("As the playbook names it (the task filter's value)"), action: z.string() })
      .nullable()
      .describe('The task it failed at, or the one running now'),
    system: z.string().nullable().describe('The outside system behind the failure (ocs, hlr, radius, payments...; switchboard: Switchboard itself)'),
    error: z.object({ code: z.string(), message: z.string(), hint: z.string().nullable() }).nullable(),
    since: timestamp.describe('When it failed or timed out, started running, or was queued'),
    ageSeconds: z.number().int(),
    createdAt: timestamp,
  })
  .meta({ id: 'TriageRow' });
export type TriageRow = z.infer<typeof triageRow>;

const facet = z.object({ value: z.string(), count: z.number().int() });

export const triageList = z
  .object({
    items: z.array(triageRow),
    total: z.number().int().describe('Runs matching the filters (the page is limit of them from offset)'),
    asOf: timestamp.describe('When the list was read: send it in the filter of "all matching" so that it acts on these runs only'),
    longerThanMinutes: z.number().int(),
    facets: z
      .object({
        errorCodes: z.array(facet),
        tasks: z.array(facet),
        playbooks: z.array(facet),
        batches: z.array(facet.extend({ name: z.string().nullable() })),
      })
      .describe("What the filters can be set to: the values among the runs of the states asked for, with how many runs each"),
  })
  .meta({ id: 'TriageList' });
export type TriageList = z.infer<typeof triageList>;

/** Either IDs or a filter, never both: what "Retry selected" and "Cancel selected" act on. */
function targetOf<T extends z.ZodRawShape>(extra: T) {
  return z
    .object({
      ids: z.array(z.uuid()).min(1).max(MAX_RUNS, `at most ${MAX_RUNS.toLocaleString('en')} IDs at once; for more, send a filter`).optional().describe('Provisioning IDs'),
      filter: triageFilter.optional().describe(`The runs the triage list shows with these filters (at most ${MAX_RUNS.toLocaleString('en')}, the most recent first; "more" says if others match)`),
      ...extra,
    })
    .strict()
    .superRefine((v, ctx) => {
      const { ids, filter } = v as { ids?: unknown; filter?: unknown };
      if ((ids === undefined) === (filter === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'send either "ids" (provisioning IDs) or "filter" (the triage list\'s filters), one of the two' });
      }
    });
}

export const retryRequest = targetOf({
  attempts: z
    .record(z.uuid(), z.number().int().min(1).max(1_000_000))
    .refine((a) => Object.keys(a).length <= MAX_RUNS, `at most ${MAX_RUNS.toLocaleString('en')} attempts`)
    .optional()
    .describe('The attempt the caller saw fail, per ID: the same request again (a double click) retries nothing twice'),
}).meta({ id: 'RetrySelected' });
export type RetryRequest = z.infer<typeof retryRequest>;

export const cancelRequest = targetOf({}).meta({ id: 'CancelSelected' });
export type CancelRequest = z.infer<typeof cancelRequest>;

export const runOutcome = z
  .discriminatedUnion('outcome', [
    z.object({ id: z.uuid(), outcome: z.literal('retried'), attempt: z.number().int().describe('The new attempt, queued') }),
    z.object({ id: z.uuid(), outcome: z.literal('cancelled'), inventoryReleased: z.number().int() }),
    z.object({
      id: z.uuid(),
      outcome: z.literal('skipped'),
      status: provisionStatus.nullable().describe('The run as it is (null: not found)'),
      code: z.string().describe('NOT_FOUND, ALREADY_QUEUED, ALREADY_RETRIED, ALREADY_CANCELLED, INVALID_TRANSITION...'),
      reason: z.string(),
      hint: z.string().nullable(),
    }),
  ])
  .meta({ id: 'RunOutcome' });
export type RunOutcome = z.infer<typeof runOutcome>;

export const bulkResult = z
  .object({
    done: z.number().int().describe('Runs retried (or cancelled)'),
    skipped: z.number().int(),
    more: z.boolean().describe(`The filter matches more than the ${MAX_RUNS.toLocaleString('en')} acted on: send it again for the next`),
    results: z.array(runOutcome).describe('What was done to each run, in the order given (a filter: the most recent first)'),
  })
  .meta({ id: 'BulkRunResult' });
export type BulkResult = z.infer<typeof bulkResult>;
