import { systemClock, type Clock } from "@modelmesh/core";

/**
 * Small timing primitives shared by the transports, the SSE chat stream and the providers. Every timer goes
 * through an injected `Clock`. They are request-scoped: a pending timer keeps the process alive (so a script
 * awaiting a request is not ended mid-request) and is cancelled as soon as the guarded work settles.
 */

/** True when `ms` is a usable timeout (finite and positive); 0, negative or missing means "no limit". */
export function hasLimit(ms: number | undefined): ms is number {
  return typeof ms === "number" && Number.isFinite(ms) && ms > 0;
}

/**
 * Settles like `promise`, unless `ms` passes first: then `onTimeout` runs (e.g. to cancel a body) and the
 * result rejects with `makeError()`. The late outcome of `promise` is swallowed so it can never surface as an
 * unhandled rejection. Without a limit, `promise` is returned as is.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number | undefined,
  makeError: () => unknown,
  options: { clock?: Clock; onTimeout?: () => void } = {},
): Promise<T> {
  if (!hasLimit(ms)) return promise;
  const clock = options.clock ?? systemClock;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const cancel = clock.setTimer(() => {
      if (done) return;
      done = true;
      try {
        options.onTimeout?.();
      } finally {
        reject(makeError());
      }
    }, ms);
    promise.then(
      (value) => {
        if (done) return;
        done = true;
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        cancel();
        reject(error);
      },
    );
  });
}

/** A controller whose signal follows an outer signal; `dispose()` detaches it so long-lived signals don't leak. */
export interface LinkedAbort {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Creates an AbortController that aborts (with the same reason) when `outer` aborts. Hand-rolled instead of
 * `AbortSignal.any` so it detaches deterministically and runs on every runtime we target.
 */
export function linkAbort(outer: AbortSignal | undefined): LinkedAbort {
  const controller = new AbortController();
  if (!outer) return { controller, signal: controller.signal, dispose: () => {} };
  if (outer.aborted) {
    controller.abort(outer.reason);
    return { controller, signal: controller.signal, dispose: () => {} };
  }
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener("abort", onAbort, { once: true });
  return { controller, signal: controller.signal, dispose: () => outer.removeEventListener("abort", onAbort) };
}
