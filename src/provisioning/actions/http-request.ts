import { z } from 'zod';
import { defineAction } from './action.js';

/** Calls any external system by name (HTTP_SYSTEMS), with the task's idempotency key. */
export const httpRequest = defineAction({
  name: 'http.request',
  summary: 'Call an external system over HTTP (IPTV middleware, SIP registrar...)',
  args: z.object({
    system: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    path: z.string().startsWith('/'),
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  async run(ctx, args) {
    const res = await ctx.deps.http.request({ ...args, idempotencyKey: ctx.idempotencyKey }, ctx.signal);
    ctx.log(`${args.method} ${args.system}${args.path}: HTTP ${res.status}${res.simulated ? ' (simulated)' : ''}.`);
    return { output: { system: args.system, status: res.status, body: res.body, simulated: res.simulated } };
  },
});
