import type { z } from 'zod';
import type { BillingService } from '../../billing/billing.service.js';
import type { CustomersService } from '../../customers/customers.service.js';
import type { HttpSystems } from '../../integrations/http/http-systems.js';
import type { Mailer } from '../../integrations/mail/mailer.js';
import type { NetworkAdapter } from '../../integrations/network/network.js';
import type { OcsAdapter } from '../../integrations/ocs/ocs.js';
import type { Tickets } from '../../integrations/tickets/tickets.js';
import type { InventoryService } from '../../inventory/inventory.service.js';
import type { ServicesService } from '../../services/services.service.js';
import type { Clock } from '../../shared/clock.js';
import type { Executor } from '../../db/schema.js';
import type { RunVariables } from '../provisioning.schemas.js';

/** What an action can reach: the domains it acts through and the external systems. */
export interface ActionDeps {
  billing: BillingService;
  customers: CustomersService;
  inventory: InventoryService;
  services: ServicesService;
  ocs: OcsAdapter;
  network: NetworkAdapter;
  mail: Mailer;
  tickets: Tickets;
  http: HttpSystems;
  clock: Clock;
}

export interface ActionContext {
  provisionId: string;
  attempt: number;
  taskSeq: number;
  /** Stable across attempts and crashes: the same task of the same provision has the same key. */
  idempotencyKey: string;
  vars: RunVariables;
  /** Fires when the task's timeout or the run's deadline passes. */
  signal: AbortSignal;
  log(line: string): void;
  deps: ActionDeps;
}

/** One run of a group, at one task: what `runMany` works on. */
export interface ActionRow<Args> {
  provisionId: string;
  attempt: number;
  taskSeq: number;
  idempotencyKey: string;
  vars: RunVariables;
  args: Args;
  /** Fires when this row's task timeout or its run's deadline passes. */
  signal: AbortSignal;
  log(line: string): void;
}

/** What a group's task can reach: the domains, and the database (the recording transaction for an atomic action). */
export interface GroupContext {
  deps: ActionDeps;
  db: Executor;
}

export type RowOutcome = { ok: true; result: ActionResult } | { ok: false; error: unknown };

export interface ActionResult {
  /** Shown in the task's detail (R7.3). */
  output: Record<string, unknown>;
  /** The least an undo needs; kept with the task. */
  undo?: Record<string, unknown>;
}

/**
 * One kind of task. `run` must be safe to run twice (a crash can repeat it): it looks before it
 * creates, and uses `idempotencyKey` with external systems. An action that can be undone says how.
 */
export interface ActionDefinition<A extends z.ZodObject = z.ZodObject> {
  name: string;
  summary: string;
  args: A;
  /** Which kind of playbook may use it; both when left out. */
  kinds?: readonly ('service' | 'addon' | 'lifecycle' | 'diagnostic')[];
  /** It only reads (a service test's check): the one kind of action a diagnostic playbook may use. */
  readOnly?: boolean;
  run(ctx: ActionContext, args: z.infer<A>): Promise<ActionResult>;
  /**
   * The task for many runs of a group at once: one outcome per row, in order. Actions done inside
   * Switchboard do it with set-based SQL; without it, `run` is called for each row, concurrently.
   */
  runMany?(ctx: GroupContext, rows: ActionRow<z.infer<A>>[]): Promise<RowOutcome[]>;
  /**
   * Its work is Switchboard's own SQL on `ctx.db`: done in the very transaction that records the
   * task's outcome, so it happens exactly once, or not at all, whatever crashes.
   */
  atomic?: boolean;
  undo?(ctx: ActionContext, undo: Record<string, unknown>): Promise<void>;
  /**
   * What an undo needs when the arguments alone tell it (an account, a user name): kept as soon as
   * the task starts, so that what a failed or timed-out attempt may still have done outside (the
   * request landed, its answer was lost) is undone when the service is cancelled.
   */
  undoFor?(args: z.infer<A>): Record<string, unknown>;
}

export const defineAction = <A extends z.ZodObject>(a: ActionDefinition<A>): ActionDefinition<A> => a;

/** The context `run` gets for one row of a group. */
export const rowContext = (deps: ActionDeps, row: ActionRow<unknown>): ActionContext => ({
  provisionId: row.provisionId,
  attempt: row.attempt,
  taskSeq: row.taskSeq,
  idempotencyKey: row.idempotencyKey,
  vars: row.vars,
  signal: row.signal,
  log: row.log,
  deps,
});

/** `runMany` for an action that has none: `run` for each row, concurrently, each with its own outcome. */
export async function runEach<Args>(action: { run(ctx: ActionContext, args: Args): Promise<ActionResult> }, ctx: GroupContext, rows: ActionRow<Args>[]): Promise<RowOutcome[]> {
  return Promise.all(
    rows.map((row) =>
      action.run(rowContext(ctx.deps, row), row.args).then(
        (result): RowOutcome => ({ ok: true, result }),
        (error: unknown): RowOutcome => ({ ok: false, error }),
      ),
    ),
  );
}
