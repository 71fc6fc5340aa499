/**
 * Timeouts as a promise helper and as middleware. The middleware gives the wrapped call its own
 * AbortSignal (linked to the caller's), so a timed-out upstream request is actually cancelled rather than
 * left running in the background.
 */
import { ModelMeshError, systemClock, type Clock, type ModelMeshErrorCode } from "@modelmesh/core";
import type { ProviderMiddleware } from "./middleware.js";

const TIMEOUT = Symbol.for("modelmesh.error.timeout");

/** An operation did not finish in time. Code `MM_TIMEOUT_RESPONSE` (or `MM_DEADLINE_EXCEEDED`); category `timeout`. */
export class TimeoutError extends ModelMeshError {
  readonly [TIMEOUT] = true;
  /** The limit that passed, in ms. */
  readonly timeoutMs: number;
  constructor(options: { timeoutMs: number; operation?: string; code?: Extract<ModelMeshErrorCode, "MM_TIMEOUT_RESPONSE" | "MM_DEADLINE_EXCEEDED"> }) {
    const code = options.code ?? "MM_TIMEOUT_RESPONSE";
    const what = code === "MM_DEADLINE_EXCEEDED" ? "reached the request deadline" : "timed out";
    super({
      name: "ModelMeshTimeoutError",
      code,
      category: "timeout",
      retryable: false,
      message: `[modelmesh] [${options.operation ?? "timeout"}] ${what} after ${options.timeoutMs} ms`,
    });
    this.timeoutMs = options.timeoutMs;
  }
  /** True for a TimeoutError from any copy of this package. */
  static is(error: unknown): error is TimeoutError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[TIMEOUT] === true;
  }
}

/** Extra options of {@link raceTimeout}. */
export interface RaceTimeoutOptions {
  /** Time source. Default: the system clock. */
  clock?: Clock;
  /** Operation name for the error message. */
  operation?: string;
  /** Error code to use when the limit passes. */
  code?: "MM_TIMEOUT_RESPONSE" | "MM_DEADLINE_EXCEEDED";
  /** Called when the limit passes, before the rejection (e.g. to abort the underlying work). */
  onTimeout?: (error: TimeoutError) => void;
}

/**
 * Settles like `promise`, or rejects with TimeoutError after `ms`, or with the signal's reason when
 * `signal` aborts first. The timer is always cleared. `ms` of `Infinity` disables the limit.
 * (Also reachable as `withTimeout(promise, ms, signal)`.)
 */
export function raceTimeout<T>(promise: PromiseLike<T>, ms: number, signal?: AbortSignal, options: RaceTimeoutOptions = {}): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const clock = options.clock ?? systemClock;
  return new Promise<T>((resolve, reject) => {
    let cancelTimer: () => void = () => {};
    const cleanup = () => {
      cancelTimer();
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(signal?.reason);
    };
    if (Number.isFinite(ms)) {
      cancelTimer = clock.setTimer(() => {
        cleanup();
        const error = new TimeoutError({ timeoutMs: Math.max(0, ms), operation: options.operation, code: options.code });
        options.onTimeout?.(error);
        reject(error);
      }, Math.max(0, ms));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(promise).then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

/** Options of {@link timeoutMiddleware}. */
export interface TimeoutMiddlewareOptions {
  /** Limit per call in ms. Default 30 000. The call's `deadline` also bounds it. */
  ms?: number;
  /** Time source (must share the epoch of `CallOptions.deadline`). Default: the system clock. */
  clock?: Clock;
  /** Operation name for error messages. Default `provider-call`. */
  operation?: string;
}

/**
 * Bounds each call by `ms` and by `options.deadline`, whichever is sooner. The wrapped call receives a
 * signal that aborts on timeout, so transports stop reading.
 *
 * @example
 * const bounded = timeoutMiddleware({ ms: 10_000 })((req, opts) => provider.complete(req, opts));
 */
export function timeoutMiddleware(options: TimeoutMiddlewareOptions = {}): ProviderMiddleware {
  const clock = options.clock ?? systemClock;
  const limitMs = options.ms ?? 30_000;
  const operation = options.operation ?? "provider-call";
  return (next) => (request, callOptions) => {
    const untilDeadline = Number.isFinite(callOptions.deadline) ? callOptions.deadline - clock.now() : Infinity;
    const ms = Math.max(0, Math.min(limitMs, untilDeadline));
    const code = untilDeadline < limitMs ? "MM_DEADLINE_EXCEEDED" : "MM_TIMEOUT_RESPONSE";
    const controller = new AbortController();
    const parent = callOptions.signal;
    const forward = () => controller.abort(parent?.reason);
    if (parent?.aborted) forward();
    else parent?.addEventListener("abort", forward, { once: true });
    const call = Promise.resolve().then(() => next(request, { ...callOptions, signal: controller.signal }));
    return raceTimeout(call, ms, parent, { clock, operation, code, onTimeout: (error) => controller.abort(error) }).finally(() =>
      parent?.removeEventListener("abort", forward),
    );
  };
}
