import { type Executor, json } from '../db/schema.js';
import type { Ctx } from './actor.js';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | number;
  before?: unknown;
  after?: unknown;
}

/**
 * Writes one audit event. Call it on the transaction that makes the change, so the change and
 * its record commit or roll back together.
 */
export async function recordAudit(db: Executor, ctx: Ctx, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('auditEvents')
    .values({
      actorId: ctx.actor.id,
      actorLabel: ctx.actor.label,
      action: entry.action,
      entityType: entry.entityType,
      entityId: String(entry.entityId),
      before: entry.before === undefined ? null : json(entry.before),
      after: entry.after === undefined ? null : json(entry.after),
      requestId: ctx.requestId ?? null,
    })
    .execute();
}

/** Writes many audit events of one actor in one statement (a batch's holds), on the changing transaction. */
export async function recordAuditMany(db: Executor, ctx: Ctx, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('auditEvents')
    .values(
      entries.map((entry) => ({
        actorId: ctx.actor.id,
        actorLabel: ctx.actor.label,
        action: entry.action,
        entityType: entry.entityType,
        entityId: String(entry.entityId),
        before: entry.before === undefined ? null : json(entry.before),
        after: entry.after === undefined ? null : json(entry.after),
        requestId: ctx.requestId ?? null,
      })),
    )
    .execute();
}

export interface AuditQuery {
  entityType?: string | undefined;
  entityId?: string | undefined;
  actorId?: string | undefined;
  limit: number;
  before?: number | undefined;
}

export async function listAudit(db: Executor, q: AuditQuery) {
  let query = db.selectFrom('auditEvents').selectAll().orderBy('id', 'desc').limit(q.limit);
  if (q.entityType) query = query.where('entityType', '=', q.entityType);
  if (q.entityId) query = query.where('entityId', '=', q.entityId);
  if (q.actorId) query = query.where('actorId', '=', q.actorId);
  if (q.before) query = query.where('id', '<', q.before);
  return query.execute();
}
