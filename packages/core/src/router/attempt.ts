import { ProviderError } from "../errors/errors.js";
import { ModelMeshError, type ModelMeshErrorCode } from "../errors/model-mesh-error.js";
import { LazyAbort, type AbortWatch } from "../internal/abort.js";
import { systemClock, type Clock } from "../internal/clock.js";
import { COARSE_MIN_MS, coarseTimers } from "../internal/coarse-timers.js";

/** Why an attempt's signal fired. */
export type AbortCause = "attempt-timeout" | "deadline" | "caller";

/** Options of an {@link AttemptScope}. */
export interface AttemptScopeOptions {
  /** The caller's cancellation, linked into the scope's abort. */
  caller?: AbortWatch;
  /** Absolute request deadline (epoch ms on the clock). */
  deadline: number;
  /** The attempt's budget: first token for streams, the whole response for non-streams. Absent: none. */
  budgetMs?: number;
  /** The code of the error when the budget runs out. */
  budgetCode: ModelMeshErrorCode;
  /** The largest gap between two signs of progress once {@link AttemptScope.startIdle} was called. */
  idleMs?: number;
  /** Says what stalled, for the idle error (e.g. "stream", "response body"). */
  idleSubject?: string;
  route: { id: string; providerId: string };
}

/**
 * One attempt's timing and cancellation: the only owner of the deadline, the first-token / response budget and
 * the idle timeout of a routed call (docs/ARCHITECTURE.md §2.5), and of the one abort handed to the provider
 * (the caller's is linked into it), as an {@link AbortWatch} and, only when read, an AbortSignal. Providers below
 * it bound only connect and response headers.
 *
 * All three limits share a single timer that is never re-armed per chunk: {@link touch} only records the time
 * of the latest progress, and when the timer fires it either aborts (a limit really passed) or schedules itself
 * for the earliest limit still ahead. A stream that keeps flowing costs one clock read per chunk, and an idle
 * one holds one timer. `race` guarantees the router regains control even if a provider ignores the signal.
 */
export class AttemptScope implements AbortWatch {
  readonly #abort = new LazyAbort();
  cause: AbortCause | undefined;
  readonly #clock: Clock;
  readonly #o: AttemptScopeOptions;
  /** Absolute ends of the limits in force (undefined: not in force). */
  #deadlineAt: number | undefined;
  #budgetAt: number | undefined;
  #idleMs: number | undefined;
  /** Whether the idle timeout runs (an upstream read is pending), see {@link pauseIdle}. */
  #waiting = false;
  #lastProgress = 0;
  #timerAt = Infinity;
  #cancelTimer: (() => void) | undefined;
  /** Stops following the caller's abort. */
  #unlinkCaller: (() => void) | undefined;
  /**
   * The rejections of the pending {@link race} calls: the oldest in `#waiter` (calls usually come one at a time,
   * as stream chunks do), any later concurrent ones in `#moreWaiters`, in order.
   */
  #waiter: ((reason: unknown) => void) | undefined;
  #moreWaiters: Set<(reason: unknown) => void> | undefined;
  /** The timer's callback (one per scope, however often it is re-armed). */
  readonly #onDue = (): void => this.#due();

  constructor(clock: Clock, options: AttemptScopeOptions) {
    this.#clock = clock;
    this.#o = options;
    const now = clock.now();
    this.#deadlineAt = options.deadline;
    if (options.budgetMs !== undefined && now + options.budgetMs < options.deadline) this.#budgetAt = now + options.budgetMs;
    this.#schedule(now, true);
    const caller = options.caller;
    if (caller) {
      const cancelled = (reason: unknown) =>
        this.#fire("caller", new ModelMeshError({ code: "MM_ABORTED", category: "cancelled", message: "[modelmesh] [router] the request was cancelled by the caller", cause: reason }));
      if (caller.aborted) cancelled(caller.reason);
      else this.#unlinkCaller = caller.onAbort(cancelled);
    }
  }

  /** The abort as an AbortSignal, for the provider (created on first read). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get aborted(): boolean {
    return this.#abort.aborted;
  }

  get reason(): unknown {
    return this.#abort.reason;
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    return this.#abort.onAbort(listener);
  }

  /** The error the scope aborted with, if any. */
  get abortError(): unknown {
    return this.#abort.aborted ? this.#abort.reason : undefined;
  }

  /** Records progress (a chunk, a piece of a body): the idle limit counts from the latest one. O(1), no timer work. */
  touch(): void {
    if (this.#idleMs !== undefined) this.#lastProgress = this.#clock.now();
  }

  /** Starts bounding the gaps between signs of progress by the idle timeout, counting from now. */
  startIdle(): void {
    const idle = this.#o.idleMs;
    if (idle === undefined || !(idle > 0) || this.#idleMs !== undefined || this.cause) return;
    this.#idleMs = idle;
    this.#waiting = true;
    this.#lastProgress = this.#clock.now();
    this.#schedule(this.#lastProgress);
  }

  /**
   * The consumer holds the data (a relayed chunk not yet asked past): the idle timeout does not run, since a
   * slow reader is not a stalled upstream. {@link resumeIdle} restarts it when the next read begins.
   */
  pauseIdle(): void {
    this.#waiting = false;
  }

  /** A read of the upstream begins: the idle timeout runs again, counting from now. */
  resumeIdle(): void {
    if (this.#idleMs === undefined || this.#waiting) return;
    this.#waiting = true;
    this.#lastProgress = this.#clock.now();
    this.#schedule(this.#lastProgress);
  }

  /**
   * Output has started (a stream's first content): the first-token budget is met, and from now on the gaps are
   * bounded by the idle timeout. The deadline still bounds a stream that is held (a buffered commit mode).
   */
  outputStarted(): void {
    this.#budgetAt = undefined;
    this.startIdle();
  }

  /**
   * A stream has committed: only the idle timeout bounds it from now on (a long answer that keeps flowing is not
   * cut by the request deadline).
   */
  committed(): void {
    this.#deadlineAt = undefined;
    this.outputStarted();
  }

  /** Resolves with `promise`, or rejects as soon as the scope aborts. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#abort.aborted) {
      promise.catch(() => {});
      return Promise.reject(this.#abort.reason);
    }
    // A waiter per call, dropped when the call settles: racing against one long-lived promise would leave a
    // reaction (holding the settled value) on it per call, i.e. per stream chunk, for the attempt's lifetime.
    // The scope rejects its waiters itself when it aborts ({@link abort}), so a call (a stream chunk) costs no
    // abort listener.
    return new Promise<T>((resolve, reject) => {
      this.#addWaiter(reject);
      promise.then(
        (value) => {
          this.#dropWaiter(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.#dropWaiter(reject);
          reject(error);
        },
      );
    });
  }

  #addWaiter(reject: (reason: unknown) => void): void {
    // The oldest pending call takes the field; while later ones are pending, new ones queue behind them.
    if (this.#waiter === undefined && (this.#moreWaiters === undefined || this.#moreWaiters.size === 0)) this.#waiter = reject;
    else (this.#moreWaiters ??= new Set()).add(reject);
  }

  #dropWaiter(reject: (reason: unknown) => void): void {
    if (this.#waiter === reject) this.#waiter = undefined;
    else this.#moreWaiters?.delete(reject);
  }

  /**
   * Aborts (with `reason`, or the default AbortError): the listeners and the signal, if one was read, then every
   * pending {@link race}, all with the same reason. The only way the scope's abort happens. Idempotent.
   */
  abort(reason?: unknown): void {
    if (!this.#abort.abort(reason)) return;
    const first = this.#waiter;
    const more = this.#moreWaiters;
    this.#waiter = undefined;
    this.#moreWaiters = undefined;
    const why = this.#abort.reason;
    first?.(why);
    if (more !== undefined) for (const reject of more) reject(why);
  }

  /** Cancels the timer and stops following the caller's abort. Idempotent. */
  dispose(): void {
    this.#deadlineAt = undefined;
    this.#budgetAt = undefined;
    this.#idleMs = undefined;
    this.#cancel();
    this.#unlinkCaller?.();
    this.#unlinkCaller = undefined;
  }

  /** The earliest end of a limit in force, or Infinity. */
  #nextEnd(): number {
    let at = Infinity;
    if (this.#deadlineAt !== undefined) at = this.#deadlineAt;
    if (this.#budgetAt !== undefined && this.#budgetAt < at) at = this.#budgetAt;
    if (this.#idleMs !== undefined && this.#waiting && this.#lastProgress + this.#idleMs < at) at = this.#lastProgress + this.#idleMs;
    return at;
  }

  /**
   * Makes sure the timer fires no later than the earliest limit; a timer already due earlier is kept.
   *
   * The first timer (`first`) is armed no later than one idle period ahead: the idle bound that starts later (with
   * the response headers, or the first output) then ends after it and needs no timer of its own, so a quick
   * attempt costs one timer, not two. A timer that fires before any limit passed only re-arms for the next one.
   */
  #schedule(now: number, first = false): void {
    let at = this.#nextEnd();
    const idle = this.#o.idleMs;
    if (first && idle !== undefined && idle > 0 && now + idle < at) at = now + idle;
    if (at >= this.#timerAt) return;
    this.#cancel();
    if (at === Infinity) return;
    this.#timerAt = at;
    const delay = Math.max(0, at - now);
    // On the system clock, a long limit shares the process-wide coarse timer (it fires up to 25 ms late, and
    // costs no runtime timer of its own: nearly every attempt ends long before it; `coarse-timers.ts`).
    this.#cancelTimer = delay >= COARSE_MIN_MS && this.#clock === systemClock ? coarseTimers.schedule(this.#onDue, delay) : this.#clock.setTimer(this.#onDue, delay);
  }

  #cancel(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = Infinity;
  }

  /** The timer fired: abort for the limit that passed, or wait for the next one. */
  #due(): void {
    this.#cancelTimer = undefined;
    this.#timerAt = Infinity;
    if (this.cause) return;
    const now = this.#clock.now();
    const route = this.#o.route;
    if (this.#deadlineAt !== undefined && now >= this.#deadlineAt) {
      this.#fire("deadline", timeoutError("MM_DEADLINE_EXCEEDED", `the request deadline passed during the attempt on ${route.id}`, route));
    } else if (this.#budgetAt !== undefined && now >= this.#budgetAt) {
      this.#fire("attempt-timeout", timeoutError(this.#o.budgetCode, `no answer from ${route.id} within ${this.#o.budgetMs} ms`, route));
    } else if (this.#idleMs !== undefined && this.#waiting && now - this.#lastProgress >= this.#idleMs) {
      this.#fire("attempt-timeout", timeoutError("MM_TIMEOUT_IDLE", idleMessage(this.#o.idleSubject, route.id, this.#idleMs), route));
    } else {
      this.#schedule(now);
    }
  }

  #fire(cause: AbortCause, error: ModelMeshError): void {
    if (this.cause) return;
    this.cause = cause;
    this.#cancel();
    this.abort(error);
  }
}

function idleMessage(subject: string | undefined, routeId: string, ms: number): string {
  return subject === undefined || subject === "stream" ? `stream from ${routeId} stalled: no chunk for ${ms} ms` : `${subject} from ${routeId} stalled: no data for ${ms} ms`;
}

function timeoutError(code: ModelMeshErrorCode, what: string, route: { id: string; providerId: string }): ProviderError {
  return new ProviderError({
    code,
    category: "timeout",
    retryable: false,
    message: `[modelmesh] [${route.providerId}] ${what}`,
    provider: route.providerId,
    model: route.id,
  });
}
