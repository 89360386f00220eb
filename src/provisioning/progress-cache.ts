import type { Progress } from './provisioning.schemas.js';
import type { ProgressHub } from './progress-hub.js';

interface Entry {
  value: Progress;
  at: number;
  json: string | null;
}

/**
 * The progress of runs as the polling route last read it (R7.2: many clients every 0.2 s). An
 * entry goes as soon as its run changes (the hub hears of every change, from any process), and
 * after `ttlMs` in any case, for what changes beside the run (the service's status). A read that
 * began before a change is not kept.
 */
export class ProgressCache {
  private readonly entries = new Map<string, Entry>();
  /** Reads under way, with what had changed when each began. */
  private readonly reading = new Map<string, { epoch: number; changes: number; entry: Promise<Entry> }>();
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
    return (await this.entry(id, read)).value;
  }

  /**
   * The same as JSON, as the polling route sends it: serialised once per change, however many
   * consoles poll the run (answering from memory costs no schema check and no stringify).
   */
  async json(id: string, read: () => Promise<Progress>, serialise: (p: Progress) => string): Promise<string> {
    const e = await this.entry(id, read);
    return (e.json ??= serialise(e.value));
  }

  private async entry(id: string, read: () => Promise<Progress>): Promise<Entry> {
    const hit = this.entries.get(id);
    if (hit && Date.now() - hit.at < this.options.ttlMs) return hit;
    const seen = { epoch: this.epoch, changes: this.changes.get(id) ?? 0 };
    // Consoles asking at once for a run that has not changed since share one read.
    const going = this.reading.get(id);
    if (going && going.epoch === seen.epoch && going.changes === seen.changes) return going.entry;
    const at = Date.now();
    const entry = read().then((value): Entry => {
      const e: Entry = { value, at, json: null };
      if (seen.epoch === this.epoch && seen.changes === (this.changes.get(id) ?? 0)) {
        if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(id, e);
      }
      return e;
    });
    this.reading.set(id, { ...seen, entry });
    try {
      return await entry;
    } finally {
      if (this.reading.get(id)?.entry === entry) this.reading.delete(id);
    }
  }
}
