/**
 * One repeating background job on the injected Clock: run once now, then `intervalMs` after each run ENDS (runs
 * never overlap). Timers are background timers (they never keep a process alive); `stop()` cancels the next
 * run and waits for the one in progress.
 */
import type { Clock } from "@modelmesh/core";

/** A started {@link Schedule}. */
export class Schedule {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #job: () => Promise<void>;
  #cancel: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(clock: Clock, intervalMs: number, job: () => Promise<void>) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#job = job;
    this.#run();
  }

  /** Resolves when no run is in progress (the current one, if any, has ended). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Cancels the next run and waits for the current one. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
    await this.idle();
  }

  #run(): void {
    if (this.#stopped) return;
    const run = this.#job()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#cancel = this.#clock.setTimer(() => this.#run(), this.#intervalMs, { background: true });
      });
    this.#running = run;
  }
}
