/**
 * The one source of "now" for business rules (reservation expiry, deadlines, renewals), so tests
 * can move time instead of waiting for it. SQL gets the time as a parameter, never from now().
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move; for tests. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = new Date()) {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(to: Date | string): void {
    this.current = new Date(to).getTime();
  }
}

export const isoNow = (clock: Clock) => clock.now().toISOString();
export const isoIn = (clock: Clock, ms: number) => new Date(clock.now().getTime() + ms).toISOString();
