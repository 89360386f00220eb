import { z } from 'zod';
import type { Config } from '../config.js';
import { admins, anyStaff } from '../http/auth.js';
import { errors, type ZodApp } from '../http/types.js';
import { simulatorFailure, simulatorSettings, type Simulators, systemLabel } from './simulators.js';

/**
 * The outside systems Switchboard calls (issue 13): for each, whether it is the built-in
 * simulator or the real system (and where, without credentials), and the simulator's settings;
 * and, for every staff member, the simulators set to fail, so the console can say so on every page.
 */
export const systemBody = z
  .object({
    system: z.string(),
    label: z.string(),
    mode: z.enum(['simulator', 'real']),
    url: z.string().nullable().describe('Where the real system is: scheme, host and port only, never credentials nor path'),
    simulator: simulatorSettings.nullable().describe("The simulator's latency and failure; null for a real system"),
    inFlight: z.number().int().describe('Calls under way now (this process)'),
    peakInFlight: z.number().int(),
  })
  .meta({ id: 'OutsideSystem' });

/** "smtp://user:secret@mail.example:587/x" is shown as "smtp://mail.example:587": no user, password, path or query. */
export function publicOrigin(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** Where each system is configured as real (the same settings app.ts builds the adapters from). */
export function realSystems(config: Pick<Config, 'ocs' | 'network' | 'smtpUrl' | 'payments' | 'httpSystems'>): Map<string, string | null> {
  const real = new Map<string, string | null>();
  if (config.ocs.url) real.set('ocs', publicOrigin(config.ocs.url));
  if (config.network.hlrUrl) real.set('hlr', publicOrigin(config.network.hlrUrl));
  if (config.network.radiusUrl) real.set('radius', publicOrigin(config.network.radiusUrl));
  if (config.smtpUrl) real.set('mail', publicOrigin(config.smtpUrl));
  if (config.payments.gateway === 'stripe') real.set('payments', publicOrigin(config.payments.stripeApiBase ?? 'https://api.stripe.com'));
  for (const [system, url] of Object.entries(config.httpSystems)) real.set(system, publicOrigin(url));
  return real;
}

export function systemsRoutes(app: ZodApp, simulators: Simulators, config: Pick<Config, 'ocs' | 'network' | 'smtpUrl' | 'payments' | 'httpSystems'>): void {
  const tags = ['simulators'];
  const real = realSystems(config);

  app.get('/api/systems', {
    config: { auth: admins },
    schema: { tags, summary: 'The outside systems: simulated or real (where), and the simulators’ latency and failure settings', response: { 200: z.object({ items: z.array(systemBody) }), ...errors } },
    handler: async () => {
      const listed = await simulators.list();
      const names = [...new Set([...listed.map((s) => s.system), ...simulators.systems, ...real.keys()])].sort();
      return {
        items: names.map((system) => {
          const s = listed.find((x) => x.system === system);
          const isReal = real.has(system);
          return {
            system,
            label: systemLabel(system),
            mode: isReal ? ('real' as const) : ('simulator' as const),
            url: isReal ? (real.get(system) ?? null) : null,
            simulator: isReal ? null : { latencyMs: s?.latencyMs ?? 0, failure: s?.failure ?? null },
            inFlight: s?.inFlight ?? 0,
            peakInFlight: s?.peakInFlight ?? 0,
          };
        }),
      };
    },
  });

  app.get('/api/simulators/failing', {
    config: { auth: anyStaff },
    schema: {
      tags,
      summary: 'The simulated systems set to fail now (the console’s banner): a real system is never listed',
      response: { 200: z.object({ items: z.array(z.object({ system: z.string(), label: z.string(), failure: simulatorFailure })) }), ...errors },
    },
    handler: async () => ({
      items: (await simulators.list()).filter((s) => s.failure && !real.has(s.system)).map((s) => ({ system: s.system, label: s.label, failure: s.failure! })),
    }),
  });
}
