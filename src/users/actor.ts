import type { Role } from './users.tables.js';

/** Who is doing something: a signed-in staff member, a machine token, or Switchboard itself. */
export interface Actor {
  id: string | null;
  label: string;
  role: Role | 'system';
  /** A session that may only enrol a second factor: the role requires one and there is none yet. */
  enrolmentOnly?: boolean;
}

export const systemActor: Actor = { id: null, label: 'system', role: 'system' };

/** What every change carries: who, and which request, for the audit log. */
export interface Ctx {
  actor: Actor;
  requestId?: string;
  /** The W3C traceparent of the request's span when tracing (issue 12): the runs it starts join its trace. */
  traceparent?: string | null;
}

export const systemCtx: Ctx = { actor: systemActor };
