/**
 * Retry middleware: exponential backoff with full jitter, bounded attempts, Retry-After honoured only when
 * it fits the remaining deadline. Inside the mesh the router owns retries (docs/ARCHITECTURE.md §2.5: provider
 * retries never nest inside router retries); use this for providers called directly, or in place of the
 * router's retry when a pool is configured with `max_attempts: 1`.
 */
import { isModelMeshError, sleep, systemClock, type Clock } from "@modelmesh/core";
import type { ProviderMiddleware } from "./middleware.js";

/** What the retry loop needs to know about an error. */
export interface RetryClassification {
  /** Whether the same call may be tried again. */
  retryable: boolean;
  /** Upstream-requested wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
}

/** Options of {@link retryMiddleware}. */
export interface RetryOptions {
  /** Total attempts including the first. Default 3. */
  maxAttempts?: number;
  /** Backoff base: attempt n waits up to `baseDelayMs · 2^(n-1)`. Default 500 ms. */
  baseDelayMs?: number;
  /** Upper bound of one backoff delay. Default 30 000 ms. */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for; the error surfaces at once. Default 60 000 ms. */
  maxRetryAfterMs?: number;
  /** Classifies an error. Default: a ModelMeshError's own `retryable` and `retryAfterMs`; anything else is final. */
  classify?: (error: unknown) => RetryClassification;
  /** Final say per error and attempt (1-based attempt that just failed). Default: `classify(error).retryable`. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Time source for delays and the deadline. Default: the system clock. */
  clock?: Clock;
  /** Random source in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
  /** Called before each wait (for logs and tests). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** Default classification: trusts the `retryable` flag of ModelMesh errors and treats unknown errors as final. */
export function defaultRetryClassify(error: unknown): RetryClassification {
  if (!isModelMeshError(error)) return { retryable: false };
  return error.retryAfterMs === undefined ? { retryable: error.retryable } : { retryable: error.retryable, retryAfterMs: error.retryAfterMs };
}

/**
 * The delay before retry number `attempt` (1 = after the first failure). Full jitter (AWS architecture blog,
 * "Exponential Backoff And Jitter"): uniform in [0, min(maxDelay, base·2^(attempt-1))), which spreads
 * synchronized clients better than ±50 % jitter. A Retry-After replaces the backoff and gets up to 10 %
 * (at most 1 s) added so clients told the same instant do not return together.
 */
export function computeRetryDelay(
  attempt: number,
  options: { baseDelayMs?: number; maxDelayMs?: number; retryAfterMs?: number; random?: () => number } = {},
): number {
  const random = options.random ?? Math.random;
  if (options.retryAfterMs !== undefined) {
    return Math.round(options.retryAfterMs + random() * Math.min(options.retryAfterMs * 0.1, 1000));
  }
  const ceiling = Math.min(options.maxDelayMs ?? 30_000, (options.baseDelayMs ?? 500) * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Retries failed calls. A call is retried only when `shouldRetry` says so, attempts remain, the caller has
 * not aborted, and the wait ends before `options.deadline`; otherwise the ORIGINAL error is rethrown
 * unchanged, so classification upstream still sees the real cause.
 *
 * @example
 * const call = retryMiddleware({ maxAttempts: 4, baseDelayMs: 250 })((req, opts) => provider.complete(req, opts));
 */
export function retryMiddleware(options: RetryOptions = {}): ProviderMiddleware {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const clock = options.clock ?? systemClock;
  const classify = options.classify ?? defaultRetryClassify;
  return (next) => async (request, callOptions) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(request, callOptions);
      } catch (error) {
        if (attempt >= maxAttempts || callOptions.signal?.aborted) throw error;
        const classification = classify(error);
        const retry = options.shouldRetry ? options.shouldRetry(error, attempt) : classification.retryable;
        if (!retry) throw error;
        const retryAfterMs = classification.retryAfterMs;
        if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) throw error;
        const delayMs = computeRetryDelay(attempt, { ...options, retryAfterMs });
        // A wait that ends at or after the deadline cannot produce an answer in time: surface the error now.
        if (Number.isFinite(callOptions.deadline) && clock.now() + delayMs >= callOptions.deadline) throw error;
        options.onRetry?.({ attempt, delayMs, error });
        await sleep(clock, delayMs, callOptions.signal);
      }
    }
  };
}
