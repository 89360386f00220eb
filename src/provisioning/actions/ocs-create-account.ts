import { z } from 'zod';
import { groupSignal } from '../../shared/signals.js';
import { type ActionContext, type ActionResult, defineAction, type RowOutcome, runEach } from './action.js';

const balance = z.object({ type: z.enum(['data', 'voice', 'monetary', 'feature']), amount: z.coerce.number().min(0), unit: z.string().min(1) });

const said = (account: string, created: boolean, kind: string) => (created ? `OCS account ${account} created (${kind}).` : `OCS account ${account} was already there; nothing changed.`);

const args = z.object({ account: z.string().min(1), plan: z.string().nullable().default(null), balances: z.array(balance).default([]) });

async function run(ctx: ActionContext, a: z.infer<typeof args>): Promise<ActionResult> {
  const { account, created } = await ctx.deps.ocs.createAccount(a, ctx.signal);
  ctx.log(said(a.account, created, ctx.deps.ocs.kind));
  return { output: { account: account.account, plan: a.plan, totals: account.totals }, undo: { account: a.account } };
}

/** Creates the service's OCS account with its plan and starting balances. */
export const ocsCreateAccount = defineAction({
  name: 'ocs.create_account',
  summary: 'Create the OCS account of the service, with its plan and starting balances',
  kinds: ['service'],
  args,
  run,
  // The built-in OCS takes a group's accounts at once; a real one gets one call per run, concurrently.
  async runMany(ctx, rows) {
    const ocs = ctx.deps.ocs;
    if (!ocs.createAccounts) return runEach({ run }, ctx, rows);
    try {
      const results = await ocs.createAccounts(
        rows.map((r) => r.args),
        groupSignal(rows),
      );
      return rows.map((r, i): RowOutcome => {
        const { account, created } = results[i]!;
        r.log(said(r.args.account, created, ocs.kind));
        return { ok: true, result: { output: { account: account.account, plan: r.args.plan, totals: account.totals }, undo: { account: r.args.account } } };
      });
    } catch (error) {
      return rows.map((): RowOutcome => ({ ok: false, error }));
    }
  },
  undoFor: (args) => ({ account: args.account }),
  async undo(ctx, undo) {
    const { deleted } = await ctx.deps.ocs.deleteAccount(String(undo.account), ctx.signal);
    ctx.log(deleted ? `OCS account ${String(undo.account)} removed.` : `OCS account ${String(undo.account)} was already gone.`);
  },
});
