/**
 * Request-scoped timers for long limits on the system clock, sharing one runtime timer (docs/ARCHITECTURE.md
 * §2.5: the attempt scope's deadline, response budget and idle bound, seconds to minutes long).
 *
 * A `setTimeout` that is cleared before it fires still costs its timer object and, on Node, a timer list per
 * distinct duration, created and torn down again when it empties: a few µs per request, since nearly every
 * attempt ends long before its limits. Here a timer is an entry in a set; the one runtime timer is armed for
 * the earliest entry (rounded up to {@link COARSE_RESOLUTION_MS}) and re-armed only when an earlier one comes
 * in. A timer fires no earlier than asked and at most {@link COARSE_RESOLUTION_MS} (plus event-loop delay)
 * later, which is why only delays of {@link COARSE_MIN_MS} or more come here.
 *
 * The runtime timer keeps the process alive while an entry is pending, as a request-scoped timer must. When
 * the last entry is cancelled it is brought forward to fire within two resolution steps (unless it is due
 * sooner) and, finding nothing pending then, is not re-armed: the process is held at most that long (50 ms)
 * after its last request settled. Toggling the timer's hold per request instead (`unref`/`ref`) costs a native call
 * each time, and busy sequential traffic would pay it twice per request; bringing the timer forward costs one
 * re-arm per {@link COARSE_RESOLUTION_MS} at most.
 */

/** Shortest delay the coarse timers take (shorter ones need a precise timer). */
export const COARSE_MIN_MS = 1000;
/** Granularity of the shared timer: an entry fires at most this much later than asked. */
export const COARSE_RESOLUTION_MS = 25;

interface Entry {
  at: number;
  fn: () => void;
}

export class CoarseTimers {
  readonly #entries = new Set<Entry>();
  #handle: ReturnType<typeof setTimeout> | undefined;
  /** When the runtime timer is due (Infinity: not armed). */
  #armedAt = Infinity;
  readonly #onFire = (): void => this.#fire();

  /** Calls `fn` after at least `ms` (≥ {@link COARSE_MIN_MS}); returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void {
    const entry: Entry = { at: Date.now() + ms, fn };
    this.#entries.add(entry);
    const slot = slotOf(entry.at);
    if (slot < this.#armedAt) this.#arm(slot);
    return () => this.#cancel(entry);
  }

  #cancel(entry: Entry): void {
    if (!this.#entries.delete(entry) || this.#entries.size > 0) return;
    // Nothing pending: the timer fires soon (and then, finding nothing, lets the process go), see the module comment.
    const soon = slotOf(Date.now() + COARSE_RESOLUTION_MS);
    if (soon < this.#armedAt) this.#arm(soon);
  }

  #arm(slot: number): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#armedAt = slot;
    this.#handle = setTimeout(this.#onFire, Math.max(0, slot - Date.now()));
  }

  #fire(): void {
    this.#handle = undefined;
    this.#armedAt = Infinity;
    const now = Date.now();
    let due: Entry[] | undefined;
    for (const entry of this.#entries) {
      if (entry.at > now) continue;
      (due ??= []).push(entry);
      this.#entries.delete(entry);
    }
    let failed = false;
    let failure: unknown;
    if (due !== undefined) {
      for (const entry of due) {
        // One throwing callback must not strand the others (nor leave the timer unarmed): the first error is
        // rethrown once every due entry ran, as an uncaught timer error, like a plain setTimeout's.
        try {
          entry.fn();
        } catch (error) {
          if (!failed) failure = error;
          failed = true;
        }
      }
    }
    // Entries added by the callbacks armed the timer already if they come first; the rest wait for the earliest.
    let next = Infinity;
    for (const entry of this.#entries) if (entry.at < next) next = entry.at;
    if (next !== Infinity && slotOf(next) < this.#armedAt) this.#arm(slotOf(next));
    if (failed) throw failure;
  }
}

function slotOf(at: number): number {
  return Math.ceil(at / COARSE_RESOLUTION_MS) * COARSE_RESOLUTION_MS;
}

/** The process-wide coarse timers (on the system clock; tests make their own {@link CoarseTimers}). */
export const coarseTimers = /* @__PURE__ */ new CoarseTimers();
