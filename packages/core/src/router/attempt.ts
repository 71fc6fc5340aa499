import { ProviderError } from "../errors/errors.js";
import { ModelMeshError, type ModelMeshErrorCode } from "../errors/model-mesh-error.js";
import type { Clock } from "../internal/clock.js";

/** Why an attempt's signal fired. */
export type AbortCause = "attempt-timeout" | "deadline" | "caller";

/**
 * One attempt's cancellation scope: links the caller's signal, the request deadline and an attempt timer into
 * one AbortSignal handed to the provider. `race` guarantees the router regains control even if a provider
 * ignores the signal, so no call can hang.
 */
export class AttemptScope {
  readonly controller = new AbortController();
  cause: AbortCause | undefined;
  #cancelTimers: Array<() => void> = [];
  #cancelDeadline: () => void = () => {};
  #onCallerAbort: (() => void) | undefined;
  #callerSignal: AbortSignal | undefined;

  constructor(
    private readonly clock: Clock,
    options: { callerSignal?: AbortSignal; deadline: number; timeoutMs?: number; timeoutCode: ModelMeshErrorCode; route: { id: string; providerId: string } },
  ) {
    const fire = (cause: AbortCause, error: ModelMeshError) => {
      if (this.cause) return;
      this.cause = cause;
      this.controller.abort(error);
    };
    const now = clock.now();
    const untilDeadline = options.deadline - now;
    this.#cancelDeadline = clock.setTimer(
      () => fire("deadline", timeoutError("MM_DEADLINE_EXCEEDED", `the request deadline passed during the attempt on ${options.route.id}`, options.route)),
      Math.max(0, untilDeadline),
    );
    if (options.timeoutMs !== undefined && options.timeoutMs < untilDeadline) {
      const ms = options.timeoutMs;
      this.#cancelTimers.push(
        clock.setTimer(() => fire("attempt-timeout", timeoutError(options.timeoutCode, `no answer from ${options.route.id} within ${ms} ms`, options.route)), ms),
      );
    }
    const caller = options.callerSignal;
    if (caller) {
      this.#callerSignal = caller;
      this.#onCallerAbort = () =>
        fire("caller", new ModelMeshError({ code: "MM_ABORTED", category: "cancelled", message: "[modelmesh] [router] the request was cancelled by the caller", cause: caller.reason }));
      if (caller.aborted) this.#onCallerAbort();
      else caller.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
  }

  /** The signal for the provider. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Adds a timer that aborts the attempt with a timeout error (e.g. the stream idle timer). Returns a canceller. */
  arm(ms: number, code: ModelMeshErrorCode, message: string, route: { id: string; providerId: string }): () => void {
    const cancel = this.clock.setTimer(() => {
      if (this.cause) return;
      this.cause = "attempt-timeout";
      const error = timeoutError(code, message, route);
      this.controller.abort(error);
    }, ms);
    return cancel;
  }

  /** Resolves with `promise`, or rejects as soon as the scope aborts. */
  race<T>(promise: Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(signal.reason);
    }
    // A listener per call, removed when the call settles: racing against one long-lived promise would leave a
    // reaction (holding the settled value) on it per call, i.e. per stream chunk, for the attempt's lifetime.
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  /** The error the scope aborted with, if any. */
  get abortError(): unknown {
    return this.controller.signal.aborted ? this.controller.signal.reason : undefined;
  }

  /**
   * Stops the first-token timer once output has started but is still held (a buffered commit mode): the
   * deadline keeps bounding the attempt until it commits, and idle timers armed with {@link arm} the gaps.
   */
  outputStarted(): void {
    for (const cancel of this.#cancelTimers) cancel();
    this.#cancelTimers = [];
  }

  /**
   * Stops the deadline and first-token timers once a stream has committed: from then on only the idle timer
   * bounds it (a long answer that keeps flowing is not cut by the request deadline).
   */
  committed(): void {
    this.#cancelDeadline();
    for (const cancel of this.#cancelTimers) cancel();
    this.#cancelTimers = [];
  }

  /** Cancels timers and detaches from the caller's signal. Idempotent. */
  dispose(): void {
    this.#cancelDeadline();
    for (const cancel of this.#cancelTimers) cancel();
    this.#cancelTimers = [];
    if (this.#onCallerAbort && this.#callerSignal) this.#callerSignal.removeEventListener("abort", this.#onCallerAbort);
    this.#onCallerAbort = undefined;
  }
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
