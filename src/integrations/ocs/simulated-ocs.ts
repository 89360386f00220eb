import { transaction } from '../../db/transaction.js';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.js';
import { TaskError } from '../errors.js';
import type { Simulators } from '../simulators.js';
import { type BalanceInput, type OcsAccount, type OcsAdapter, totalsOf } from './ocs.js';

/** The built-in OCS: accounts and balances in Switchboard's own database. */
export class SimulatedOcs implements OcsAdapter {
  readonly kind = 'simulator' as const;
  constructor(
    private readonly db: Kysely<DB>,
    private readonly sim: Simulators,
  ) {}

  async createAccount(input: { account: string; plan: string | null; balances: BalanceInput[] }, signal?: AbortSignal) {
    const call = await this.sim.call('ocs', 'create_account', input.account, signal);
    const created = await transaction(this.db, async (trx) => {
      const row = await trx
        .insertInto('simOcsAccounts')
        .values({ account: input.account, plan: input.plan })
        .onConflict((oc) => oc.column('account').doNothing())
        .returning('account')
        .executeTakeFirst();
      for (const [i, b] of input.balances.entries()) {
        await trx
          .insertInto('simOcsBalances')
          .values({ account: input.account, balanceId: `initial-${i}-${b.type}`, type: b.type, unit: b.unit, amount: b.amount })
          .onConflict((oc) => oc.columns(['account', 'balanceId']).doNothing())
          .execute();
      }
      return Boolean(row);
    });
    await this.sim.record('ocs', 'create_account', input.account, created ? 'created' : 'already there', call);
    return { account: (await this.readAccount(input.account))!, created };
  }

  /**
   * Many accounts at once (a group's runs): one simulated call each, under way together, and the
   * accounts and balances written in one transaction. An account that exists is left as it is.
   */
  async createAccounts(inputs: { account: string; plan: string | null; balances: BalanceInput[] }[], signal?: AbortSignal): Promise<{ account: OcsAccount; created: boolean }[]> {
    const timings = await this.sim.callMany('ocs', 'create_account', inputs.map((i) => i.account), signal);
    const balances = inputs.flatMap((i) => i.balances.map((b, k) => ({ account: i.account, id: `initial-${k}-${b.type}`, type: b.type, unit: b.unit, amount: b.amount })));
    // The accounts and their starting balances in one statement; an account that exists keeps its own.
    const { rows } = await sql<{ account: string }>`
      with a as (
        insert into sim_ocs_accounts (account, plan)
        select * from unnest(${inputs.map((i) => i.account)}::text[], ${inputs.map((i) => i.plan)}::text[])
        on conflict (account) do nothing returning account
      ), b as (
        insert into sim_ocs_balances (account, balance_id, type, unit, amount)
        select r.* from unnest(${balances.map((b) => b.account)}::text[], ${balances.map((b) => b.id)}::text[], ${balances.map((b) => b.type)}::text[], ${balances.map((b) => b.unit)}::text[], ${balances.map((b) => b.amount)}::numeric[]) as r(account, balance_id, type, unit, amount)
        where r.account in (select account from a)
        on conflict (account, balance_id) do nothing
      )
      select account from a`.execute(this.db);
    const created = new Set(rows.map((r) => r.account));
    await this.sim.recordMany('ocs', 'create_account', inputs.map((i) => ({ key: i.account, outcome: created.has(i.account) ? 'created' : 'already there' })), timings);
    // A new account is what was asked for; one that was there is read.
    const there = inputs.filter((i) => !created.has(i.account)).map((i) => i.account);
    const existing = there.length ? await this.getAccounts(there) : new Map<string, OcsAccount>();
    return inputs.map((i) => {
      if (!created.has(i.account)) return { account: existing.get(i.account)!, created: false };
      const bs = i.balances.map((b, k) => ({ id: `initial-${k}-${b.type}`, type: b.type, unit: b.unit, amount: b.amount }));
      return { account: { account: i.account, plan: i.plan, state: 'active' as const, balances: bs, totals: totalsOf(bs) }, created: true };
    });
  }

  /** Accounts with their balances, in two statements whatever their number. */
  async getAccounts(names: string[]): Promise<Map<string, OcsAccount>> {
    const [accs, rows] = await Promise.all([
      this.db.selectFrom('simOcsAccounts').selectAll().where('account', 'in', names).execute(),
      this.db.selectFrom('simOcsBalances').selectAll().where('account', 'in', names).orderBy('createdAt').execute(),
    ]);
    const out = new Map<string, OcsAccount>();
    for (const acc of accs) {
      const balances = rows.filter((r) => r.account === acc.account).map((r) => ({ id: r.balanceId, type: r.type as OcsAccount['balances'][number]['type'], unit: r.unit, amount: Number(r.amount) }));
      out.set(acc.account, { account: acc.account, plan: acc.plan, state: acc.status === 'disabled' ? 'disabled' : 'active', balances, totals: totalsOf(balances) });
    }
    return out;
  }

  async deleteAccount(account: string, signal?: AbortSignal) {
    const call = await this.sim.call('ocs', 'delete_account', account, signal);
    const res = await this.db.deleteFrom('simOcsAccounts').where('account', '=', account).executeTakeFirst();
    const deleted = Number(res.numDeletedRows) > 0;
    await this.sim.record('ocs', 'delete_account', account, deleted ? 'deleted' : 'not there', call);
    return { deleted };
  }

  async setAccountState(account: string, state: 'active' | 'disabled', signal?: AbortSignal) {
    const call = await this.sim.call('ocs', 'set_account_state', `${account}:${state}`, signal);
    const exists = await this.db.selectFrom('simOcsAccounts').select('status').where('account', '=', account).executeTakeFirst();
    if (!exists) throw new TaskError('OCS_ACCOUNT_NOT_FOUND', `The OCS has no account ${account}.`, 'Check the service; it may never have been configured in the OCS.');
    const res = await this.db.updateTable('simOcsAccounts').set({ status: state }).where('account', '=', account).where('status', '!=', state).executeTakeFirst();
    const changed = Number(res.numUpdatedRows) > 0;
    await this.sim.record('ocs', 'set_account_state', `${account}:${state}`, changed ? 'changed' : 'unchanged', call);
    return { changed };
  }

  async addBalance(input: { account: string; balanceId: string } & BalanceInput, signal?: AbortSignal) {
    const call = await this.sim.call('ocs', 'add_balance', `${input.account}/${input.balanceId}`, signal);
    const exists = await this.db.selectFrom('simOcsAccounts').select('account').where('account', '=', input.account).executeTakeFirst();
    if (!exists) {
      throw new TaskError('OCS_ACCOUNT_NOT_FOUND', `The OCS has no account ${input.account}.`, 'The service was never configured in the OCS: re-run its provisioning first.');
    }
    const row = await this.db
      .insertInto('simOcsBalances')
      .values({ account: input.account, balanceId: input.balanceId, type: input.type, unit: input.unit, amount: input.amount })
      .onConflict((oc) => oc.columns(['account', 'balanceId']).doNothing())
      .returning('balanceId')
      .executeTakeFirst();
    await this.sim.record('ocs', 'add_balance', `${input.account}/${input.balanceId}`, row ? 'added' : 'already there', call);
    return { account: (await this.readAccount(input.account))!, added: Boolean(row) };
  }

  /**
   * Reading an account is a call to the OCS too: slow or failing as the simulator is set (a read
   * is not written to the simulator's call log: a GET changes nothing).
   */
  async getAccount(account: string, signal?: AbortSignal): Promise<OcsAccount | null> {
    await this.sim.call('ocs', 'get_account', account, signal);
    return this.readAccount(account);
  }

  private async readAccount(account: string): Promise<OcsAccount | null> {
    const acc = await this.db.selectFrom('simOcsAccounts').selectAll().where('account', '=', account).executeTakeFirst();
    if (!acc) return null;
    const rows = await this.db.selectFrom('simOcsBalances').selectAll().where('account', '=', account).orderBy('createdAt').execute();
    const balances = rows.map((r) => ({ id: r.balanceId, type: r.type as OcsAccount['balances'][number]['type'], unit: r.unit, amount: Number(r.amount) }));
    return { account, plan: acc.plan, state: acc.status === 'disabled' ? 'disabled' : 'active', balances, totals: totalsOf(balances) };
  }
}
