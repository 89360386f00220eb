import { z } from 'zod';
import { customerType, intId, serviceType, timestamp } from '../shared/schemas.js';

export const provisionStatus = z
  .enum(['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'])
  .describe('queued until a worker starts it; failed and timed_out can be retried or cancelled');
export type ProvisionStatus = z.infer<typeof provisionStatus>;

export const taskStatus = z
  .enum(['pending', 'running', 'succeeded', 'failed', 'ignored', 'skipped', 'rolled_back'])
  .describe('ignored: failed with ignore_errors, the run went on; skipped: its `when` was false; rolled_back: undone after a later failure');
export type TaskStatus = z.infer<typeof taskStatus>;

export const provisionKind = z
  .enum(['new_service', 'addon', 'lifecycle'])
  .describe('new_service: a plan; addon: onto an existing service; lifecycle: suspend, unsuspend, renew, expire, terminate');
export type ProvisionKind = z.infer<typeof provisionKind>;

/** What a playbook's templates can refer to. Captured when the assignment is confirmed. */
export interface RunVariables {
  provision: { id: string; kind: ProvisionKind };
  customer: { id: number; type: 'individual' | 'business'; name: string; email: string; phone: string; status: string; language?: 'en' | 'fr' | null | undefined };
  product: { id: number; slug: string; name: string; service_type: string; category: string; billing: string; setup_fee: number; recurring_price: number; currency: string; contract_months: number; features: string[]; translations?: Record<string, { name?: string; features?: string[] }> };
  vars: Record<string, unknown>;
  service: { id: number; name: string; ocs_account: string };
  inventory: Record<string, { id: number; reference: string; template: string; attributes: Record<string, string> }>;
  custom_fields: Record<string, string>;
  site: { id: number; name: string; address: string; city: string; postcode: string; country: string } | null;
  contacts: Record<'billing' | 'technical', { id: number; name: string; email: string; phone: string } | null>;
  auto_renew: boolean;
}

export const assignmentInput = z
  .object({
    customerId: intId,
    product: z.union([z.string().min(1).max(80), z.number().int().positive().max(2_147_483_647)]).transform(String).describe('Product ID or slug'),
    serviceId: intId.optional().describe('For an add-on: the service that receives it (R9.1)'),
    reservation: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{8,100}$/)
      .optional()
      .describe('The holder key the wizard reserved the inventory with (POST /api/inventory/items/:id/reservations)'),
    inventory: z
      .record(z.string().min(1).max(100), intId)
      .default({})
      .describe('The reserved item for each inventory template the product needs, e.g. { "SIM Card": 12, "Mobile Number": 40 }'),
    autoRenew: z.boolean().optional().describe('Defaults to Yes for recurring products and No for one-off ones (R5.2)'),
    customFields: z.record(z.string(), z.string().max(500)).default({}),
    siteId: intId.optional(),
    billingContactId: intId.optional(),
    technicalContactId: intId.optional(),
  })
  .meta({ id: 'Assignment' });
export type AssignmentInput = z.infer<typeof assignmentInput>;

export const checkId = z.enum(['customer', 'eligibility', 'payment_method', 'inventory', 'custom_fields', 'site_contacts', 'addon_target', 'playbook']);
export type CheckId = z.infer<typeof checkId>;

/** A thing a check says, by key and values (src/provisioning/preflight-texts.ts), for a console in another language. */
export const said = z
  .object({
    key: z.string(),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])),
  })
  .meta({ id: 'CheckText' });

export const check = z
  .object({
    id: checkId,
    label: z.string(),
    ok: z.boolean(),
    message: z.string().describe('What the check found, in English'),
    hint: z.string().optional().describe('What to do, in English'),
    text: z.array(said).describe('The message as keyed clauses'),
    hintText: said.optional().describe('The hint as a key'),
    field: z.string().optional().describe('The input field at fault, for the form'),
  })
  .meta({ id: 'PreflightCheck' });
export type Check = z.infer<typeof check>;

export const preflightResult = z
  .object({
    ok: z.boolean().describe('Every check passed: Confirm & Provision will start'),
    checks: z.array(check),
    customer: z.object({ id: z.number().int(), name: z.string(), type: customerType }).nullable(),
    product: z.object({ id: z.number().int(), slug: z.string(), name: z.string(), category: z.enum(['plan', 'addon']), serviceType }).nullable(),
    pricing: z.object({ setupFee: z.number().int(), recurringPrice: z.number().int(), currency: z.string(), billing: z.enum(['recurring', 'one_off']) }).nullable(),
    autoRenew: z.boolean().nullable().describe('What will be recorded (the default of R5.2 if none was given)'),
    tasks: z.array(z.string()).describe('The playbook tasks that will run, by name'),
    taskNames: z.record(z.string(), z.array(z.string())).describe('The same names in the other languages the playbook gives: {"fr": [...]}'),
  })
  .meta({ id: 'PreflightResult' });
export type PreflightResult = z.infer<typeof preflightResult>;

/** A task's name in other languages than the default, as its playbook gives them (R13): `{"fr": "..."}`; null when it gives none. */
const taskNames = z.record(z.string(), z.string()).nullable();

export const progressTask = z
  .object({ seq: z.number().int(), name: z.string(), names: taskNames, action: z.string(), status: taskStatus, attempts: z.number().int() })
  .meta({ id: 'ProgressTask' });

export const progress = z
  .object({
    id: z.uuid(),
    kind: provisionKind,
    status: provisionStatus,
    attempt: z.number().int(),
    customer: z.object({ id: z.number().int(), name: z.string() }),
    product: z.object({ id: z.number().int(), name: z.string() }),
    service: z.object({ id: z.number().int(), name: z.string(), status: z.string() }).nullable(),
    tasks: z.array(progressTask),
    completed: z.number().int(),
    total: z.number().int(),
    summary: z.string().describe('"3 of 6 tasks completed"'),
    error: z
      .object({ code: z.string(), message: z.string(), hint: z.string().nullable(), task: z.string().nullable(), taskSeq: z.number().int().nullable().describe('The failed task, by its place in the list') })
      .nullable()
      .describe('Why it failed, and which task (R8.2)'),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    deadlineAt: timestamp.nullable(),
    requestedBy: z.string(),
    version: z.number().int().describe('Grows with every change of the run (the ID of its last event): of two snapshots, the one with the lower version is older'),
  })
  .meta({ id: 'Progress' });
export type Progress = z.infer<typeof progress>;

export const taskLog = z
  .object({
    seq: z.number().int(),
    name: z.string(),
    names: taskNames,
    action: z.string(),
    status: taskStatus,
    attempts: z.number().int(),
    output: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    errorText: z
      .object({ text: said, hintText: said.optional(), hint: z.string().optional().describe('The hint in English') })
      .nullable()
      .describe('The failure as a keyed clause and hint (the same as `error`), for a console to say in its language; null when there is only the English'),
    log: z.array(z.object({ at: timestamp, line: z.string() })),
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'TaskLog' });

export const provisionEvent = z
  .object({ id: z.number().int(), occurredAt: timestamp, attempt: z.number().int(), taskSeq: z.number().int().nullable(), status: z.string(), message: z.string().nullable() })
  .meta({ id: 'ProvisionEvent' });

export const logsBody = z.object({ id: z.uuid(), status: provisionStatus, attempt: z.number().int(), tasks: z.array(taskLog), events: z.array(provisionEvent) }).meta({ id: 'ProvisionLogs' });
export type ProvisionLogs = z.infer<typeof logsBody>;

export const provisionListQuery = z.object({
  status: provisionStatus.optional(),
  customerId: intId.optional(),
  serviceId: intId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso
    .datetime({ offset: true })
    .refine((s) => !s.startsWith('0000'), 'there is no year 0000')
    .optional()
    .describe('Page backwards: provisions created before this ISO time'),
});

export const provisionSummary = z
  .object({
    id: z.uuid(),
    kind: provisionKind,
    status: provisionStatus,
    attempt: z.number().int(),
    customerId: z.number().int(),
    customerName: z.string(),
    productName: z.string(),
    serviceId: z.number().int().nullable(),
    playbook: z.string().describe('What the run does: the product\'s playbook, service-suspend, diagnostic-mobile (a service test)...'),
    error: z.string().nullable(),
    completed: z.number().int(),
    total: z.number().int(),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
    requestedBy: z.string(),
  })
  .meta({ id: 'ProvisionSummary' });
export type ProvisionSummary = z.infer<typeof provisionSummary>;
