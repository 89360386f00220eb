import type { Progress } from './provisioning.schemas.js';
import type { ProgressHub } from './progress-hub.js';

/**
 * The progress of runs as the polling route last read it (R7.2: many clients every 0.2 s). An
 * entry goes as soon as its run changes (the hub hears of every change, from any process), and
 * after `ttlMs` in any case, for what changes beside the run (the service's status). A read that
 * began before a change is not kept.
 */
export class ProgressCache {
  private readonly entries = new Map<string, { value: Progress; at: number }>();
  /** Changes seen per run since the counters were last cleared; `epoch` counts the clearings. */
  private readonly changes = new Map<string, number>();
  private epoch = 0;

  constructor(
    hub: ProgressHub,
    private readonly options: { ttlMs: number; maxEntries: number },
  ) {
    hub.onAnyChange((id) => {
      this.entries.delete(id);
      if (this.changes.size >= options.maxEntries) {
        this.changes.clear();
        this.entries.clear();
        this.epoch++;
      }
      this.changes.set(id, (this.changes.get(id) ?? 0) + 1);
    });
  }

  async get(id: string, read: () => Promise<Progress>): Promise<Progress> {
    const hit = this.entries.get(id);
    if (hit && Date.now() - hit.at < this.options.ttlMs) return hit.value;
    const seen = { epoch: this.epoch, changes: this.changes.get(id) ?? 0 };
    const at = Date.now();
    const value = await read();
    if (seen.epoch === this.epoch && seen.changes === (this.changes.get(id) ?? 0)) {
      if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(id, { value, at });
    }
    return value;
  }
}
