import type { Kysely } from 'kysely';
import { type DB, json } from '../../db/schema.js';
import type { Simulators } from '../simulators.js';

/** Installation tickets (R12.2): one per key, kept in Switchboard's database. */
export class Tickets {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly sim: Simulators,
  ) {}

  async create(
    input: { idempotencyKey: string; serviceId: number | null; customerId: number | null; queue: string; subject: string; dueDate: string | null; details: Record<string, unknown> },
    signal?: AbortSignal,
  ) {
    const call = await this.sim.call('tickets', 'create', input.idempotencyKey, signal);
    const inserted = await this.db
      .insertInto('tickets')
      .values({ ...input, details: json(input.details) })
      .onConflict((oc) => oc.column('idempotencyKey').doNothing())
      .returning('id')
      .executeTakeFirst();
    const row = await this.db.selectFrom('tickets').selectAll().where('idempotencyKey', '=', input.idempotencyKey).executeTakeFirstOrThrow();
    await this.sim.record('tickets', 'create', input.idempotencyKey, inserted ? 'created' : 'already there', call);
    return { ticket: row, created: Boolean(inserted) };
  }

  async cancel(id: number) {
    await this.db.updateTable('tickets').set({ status: 'cancelled' }).where('id', '=', id).execute();
  }

  async forService(serviceId: number) {
    return this.db.selectFrom('tickets').selectAll().where('serviceId', '=', serviceId).orderBy('id').execute();
  }
}
