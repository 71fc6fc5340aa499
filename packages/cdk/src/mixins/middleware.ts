/**
 * The one middleware shape of the CDK (docs/ARCHITECTURE.md §2.11): a function that wraps a provider call. Every mixin
 * (retry, cache, rate limiter, circuit breaker, timeout, metrics) is such a wrapper; the class mixins in
 * `with-mixins.ts` are sugar over the same functions.
 */
import type { CallOptions } from "@modelmesh/core";

/** One provider operation: `complete`, `embed`, … bound to its provider. */
export type ProviderCall<Req = any, Res = any> = (request: Req, options: CallOptions) => Promise<Res>;

/**
 * Wraps a provider call. The type parameters default to `any` so one middleware instance (one breaker, one
 * rate limiter) can wrap several operations of a provider (`complete` and `embed`) at once.
 */
export type ProviderMiddleware<Req = any, Res = any> = (next: ProviderCall<Req, Res>) => ProviderCall<Req, Res>;

/**
 * Composes middlewares into one. **The first listed is the outermost and runs first** (as in vercel/ai;
 * undici's `compose` is the opposite): `compose([a, b])(call)` is `a(b(call))`, so a request passes `a`, then
 * `b`, then reaches `call`, and the response (or error) travels back through `b`, then `a`.
 *
 * Typical order: `compose([metrics, cache, rateLimit, circuitBreaker, retry, timeout])` — the cache answers
 * before any limiter token is spent; the breaker sees one outcome per retried call; each attempt gets its
 * own timeout.
 *
 * @throws TypeError when an element is not a function (checked once, at compose time).
 * @example
 * const call = compose([retryMiddleware({ maxAttempts: 3 }), timeoutMiddleware({ ms: 10_000 })])(
 *   (request, options) => provider.complete(request, options),
 * );
 */
export function compose<Req = any, Res = any>(middlewares: ReadonlyArray<ProviderMiddleware<Req, Res>>): ProviderMiddleware<Req, Res> {
  if (!Array.isArray(middlewares)) throw new TypeError("[modelmesh] [compose] expected an array of middleware functions");
  middlewares.forEach((middleware, index) => {
    if (typeof middleware !== "function") {
      throw new TypeError(`[modelmesh] [compose] middleware at index ${index} is ${middleware === null ? "null" : typeof middleware}, expected a function`);
    }
  });
  const list = [...middlewares];
  return (next) => {
    if (typeof next !== "function") throw new TypeError("[modelmesh] [compose] the wrapped call must be a function");
    let call = next;
    for (let i = list.length - 1; i >= 0; i--) {
      const wrapped = list[i]!(call);
      if (typeof wrapped !== "function") throw new TypeError(`[modelmesh] [compose] middleware at index ${i} did not return a function`);
      call = wrapped;
    }
    return call;
  };
}

/** True if `value` is a stream-like result that must never be cached or buffered by a middleware. */
export function isStreamLike(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  return Symbol.asyncIterator in value || typeof (value as { getReader?: unknown }).getReader === "function";
}
