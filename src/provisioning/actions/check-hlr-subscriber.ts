import { z } from 'zod';
import { TaskError } from '../../integrations/errors.js';
import { defineAction } from './action.js';

/** Service test (read-only): the SIM is known to the HLR/HSS, with the line's number, and a device is attached. */
export const checkHlrSubscriber = defineAction({
  name: 'check.hlr_subscriber',
  summary: 'Check that the HLR/HSS knows the SIM and that a device is attached (read-only)',
  kinds: ['diagnostic'],
  readOnly: true,
  args: z.object({ imsi: z.string().min(1), msisdn: z.string().optional() }),
  async run(ctx, args) {
    const s = await ctx.deps.network.getSubscriber(args.imsi, ctx.signal);
    if (!s) throw new TaskError('CHECK_FAILED', `The HLR/HSS does not know the SIM with IMSI ${args.imsi}.`, 'Check the SIM card with the network team: it may not have been loaded, or was removed.');
    if (args.msisdn && s.msisdn && s.msisdn !== args.msisdn) {
      throw new TaskError('CHECK_FAILED', `The HLR/HSS has the SIM ${args.imsi} on ${s.msisdn}, not on the line's number ${args.msisdn}.`, 'Ask the network team to bind the SIM to the right number.');
    }
    if (!s.attached) throw new TaskError('CHECK_FAILED', `The SIM ${args.imsi} is known to the HLR/HSS (${s.state}) but no device is attached.`, 'Ask the customer to restart the phone with the SIM in it, in coverage.');
    ctx.log(`The HLR/HSS knows the SIM ${args.imsi} (${s.state}); a device is attached.`);
    return { output: { imsi: s.imsi, msisdn: s.msisdn, state: s.state, attached: s.attached } };
  },
});
