import { z } from 'zod';

/** "30s", "5m", "500ms", "1h", or a number of seconds, as milliseconds. */
export const duration = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as 500ms, 30s, 5m')]).transform((v) => {
  if (typeof v === 'number') return Math.round(v * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v)!;
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']);
});

export const taskSchema = z.strictObject({
  name: z.string().min(1).max(200).describe('What the progress view shows; may use variables'),
  names: z
    .record(z.string().regex(/^[a-z]{2}$/, 'a two-letter language code such as fr'), z.string().min(1).max(200))
    .default({})
    .describe('The name in other languages, by language code (fr: "Validation du compte client"); may use the same variables'),
  action: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
  when: z.string().min(1).optional().describe('A condition; the task is skipped when it is false'),
  retries: z.number().int().min(0).max(10).default(0),
  retry_delay: duration.default(1000),
  timeout: duration.default(30_000),
  ignore_errors: z.boolean().default(false).describe('A failure marks the task ignored and the run goes on'),
  undo_on_failure: z.boolean().default(false).describe('Undo this task if a later one fails'),
});

export const playbookSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  description: z.string().default(''),
  kind: z
    .enum(['service', 'addon', 'lifecycle', 'diagnostic'])
    .describe('service: creates a service; addon: works on an existing one (R9.2); lifecycle: suspends, renews, terminates one; diagnostic: tests one, read-only (its checks only read)'),
  timeout: duration.default(300_000).describe('The run deadline (R8.4): past it the run ends timed_out'),
  on_failure: z.enum(['keep', 'rollback']).default('keep').describe('keep: what succeeded stays for the retry (R8.3); rollback: undo every task that can be undone'),
  tasks: z.array(taskSchema).min(1).max(50),
});

export type PlaybookTask = z.infer<typeof taskSchema>;
export type Playbook = z.infer<typeof playbookSchema>;
