import type { Logger } from 'pino';
import type { InventoryService } from './inventory.service.js';

/**
 * Watches every template's available stock against its low-stock threshold (issue 12): a check
 * every `intervalMs`, and one shortly after stock is taken (reservations coalesced: a batch
 * reserving hundreds of items costs one check). The state moves on the template rows themselves
 * (InventoryService.checkLowStock, one guarded statement), so processes watching side by side
 * tell a crossing once; the stock.low webhook fires from that move.
 */
export class LowStockWatch {
  private timer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly inventory: InventoryService,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; afterTakenMs?: number },
  ) {}

  start(): void {
    this.stopped = false;
    this.unlisten = this.inventory.onStockTaken(() => this.soon());
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
    void this.check();
  }

  /** A check shortly (stock was just taken), once for many takings. */
  private soon(): void {
    if (this.stopped || this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      void this.check();
    }, this.options.afterTakenMs ?? 200);
    this.soonTimer.unref();
  }

  /** Checks now; a check asked for while one runs runs once more after it. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          for (const t of await this.inventory.checkLowStock()) {
            if (t.low) this.logger.warn({ template: t.name, available: t.available, threshold: t.threshold }, 'stock is low');
            else this.logger.info({ template: t.name, available: t.available, threshold: t.threshold }, 'stock is no longer low');
          }
        } catch (err) {
          if (!this.stopped) this.logger.warn({ err }, 'the low-stock check failed; it runs again at the next interval');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = this.soonTimer = null;
    await this.running;
  }
}
