import { z } from 'zod';
import { advise, checkFailed, say } from '../preflight-texts.js';
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
    if (!s) throw checkFailed(say('diagnostic.simUnknown', { imsi: args.imsi }), advise('diagnostic.checkSim', {}));
    if (args.msisdn && s.msisdn && s.msisdn !== args.msisdn) {
      throw checkFailed(say('diagnostic.simOtherNumber', { imsi: args.imsi, msisdn: s.msisdn, expected: args.msisdn }), advise('diagnostic.bindSim', {}));
    }
    if (!s.attached) throw checkFailed(say('diagnostic.simDetached', { imsi: args.imsi, state: s.state }), advise('diagnostic.restartPhone', {}));
    ctx.log(`The HLR/HSS knows the SIM ${args.imsi} (${s.state}); a device is attached.`);
    return { output: { imsi: s.imsi, msisdn: s.msisdn, state: s.state, attached: s.attached } };
  },
});
