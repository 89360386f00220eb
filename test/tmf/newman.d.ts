// The little of newman 6's API the kit runner uses (the package ships no types).
declare module 'newman' {
  export interface NewmanRunSummary {
    run: {
      stats: { assertions: { total?: number; failed?: number }; requests: { total?: number; failed?: number } };
      failures: { error?: { name?: string; message?: string }; source?: { name?: string } }[];
    };
  }
  export function run(options: Record<string, unknown>, callback: (err: Error | null, summary: NewmanRunSummary) => void): unknown;
  const newman: { run: typeof run };
  export default newman;
}
