import { z } from 'zod';
import { defineAction } from './action.js';

/** Activates the SIM on the HLR/HSS with its IMSI and MSISDN. */
export const networkActivateSim = defineAction({
  name: 'network.activate_sim',
  summary: 'Activate the SIM card on the HLR/HSS',
  args: z.object({ iccid: z.string().min(1), imsi: z.string().min(1), msisdn: z.string().min(1), profile: z.string().optional() }),
  async run(ctx, args) {
    const { created } = await ctx.deps.network.activateSim(args, ctx.signal);
    ctx.log(created ? `SIM ${args.iccid} activated on the HLR/HSS as ${args.msisdn}.` : `SIM ${args.iccid} was already active; updated.`);
    return { output: { iccid: args.iccid, imsi: args.imsi, msisdn: args.msisdn }, undo: { imsi: args.imsi } };
  },
  undoFor: (args) => ({ imsi: args.imsi }),
  async undo(ctx, undo) {
    await ctx.deps.network.deactivateSim(String(undo.imsi), ctx.signal);
    ctx.log(`SIM with IMSI ${String(undo.imsi)} deactivated.`);
  },
});
