/**
 * Class-mixin sugar over the middleware functions (docs/ARCHITECTURE.md §2.11): `withRetry(Base, options)` returns a subclass
 * whose `complete` (and `embed`, when the base has it) runs through `retryMiddleware(options)`. They stack:
 *
 *   withCache(withRateLimiter(withCircuitBreaker(withRetry(MyProvider, r), b), l), c)
 *
 * behaves exactly like `compose([cache, limiter, breaker, retry])` — the OUTERMOST mixin runs first.
 * Middleware state (breaker, cache, buckets) is per instance, created in the constructor; pass a shared
 * `breaker` / `cache` / `limiter` / `metrics` in the options to share it between instances.
 */
import type { CallOptions, ErrorClassification } from "@modelmesh/core";
import { cacheMiddleware, type CacheMiddlewareOptions } from "./cache.js";
import {
  CIRCUIT_TRIPPING_CATEGORIES,
  CircuitOpenError,
  circuitBreakerMiddleware,
  type CircuitBreaker,
  type CircuitBreakerOptions,
} from "./circuit-breaker.js";
import type { ProviderCall, ProviderMiddleware } from "./middleware.js";
import { metricsMiddleware, type MetricsMiddlewareOptions } from "./metrics.js";
import { rateLimitMiddleware, type RateLimitMiddlewareOptions } from "./rate-limiter.js";
import { retryMiddleware, type RetryOptions } from "./retry.js";
import { raceTimeout, timeoutMiddleware, type TimeoutMiddlewareOptions } from "./timeout.js";

/** What the class mixins need from an instance: a `complete` method (others are optional). */
export interface MixinTarget {
  complete(request: any, options: CallOptions): Promise<any>;
  classifyError?(error: unknown): ErrorClassification;
}

/** A concrete provider class. */
export type MixinBase<T extends MixinTarget = MixinTarget> = new (...args: any[]) => T;

/** Options common to every class mixin. */
export interface ClassMixinOptions {
  /** Methods to wrap (only those the base defines). Default `["complete", "embed"]`. */
  methods?: readonly string[];
}

const DEFAULT_METHODS = ["complete", "embed"] as const;
const registry = new WeakMap<object, Map<string, ProviderMiddleware>>();

/**
 * Generic class mixin: wraps the listed methods of `Base` with a middleware created once per instance by
 * `create(instance)` in the constructor. The building block of every `withXxx`; use it for your own
 * middleware. Only prototype methods are wrapped (class methods, not arrow-function properties).
 */
export function withMiddleware<TBase extends MixinBase>(
  Base: TBase,
  name: string,
  create: (instance: InstanceType<TBase>) => ProviderMiddleware,
  options: ClassMixinOptions = {},
): TBase {
  const state = new WeakMap<object, { middleware: ProviderMiddleware; calls: Map<string, ProviderCall> }>();
  const stateOf = (self: InstanceType<TBase>) => {
    let entry = state.get(self);
    if (!entry) {
      entry = { middleware: create(self), calls: new Map() };
      state.set(self, entry);
      let named = registry.get(self);
      if (!named) registry.set(self, (named = new Map()));
      if (!named.has(name)) named.set(name, entry.middleware);
    }
    return entry;
  };
  const Mixed = class extends Base {
    constructor(...args: any[]) {
      super(...args);
      stateOf(this as InstanceType<TBase>);
    }
  };
  for (const method of options.methods ?? DEFAULT_METHODS) {
    const inherited = (Base.prototype as Record<string, unknown>)[method];
    if (typeof inherited !== "function") continue;
    Object.defineProperty(Mixed.prototype, method, {
      configurable: true,
      writable: true,
      value: function (this: InstanceType<TBase>, request: unknown, callOptions: CallOptions) {
        const entry = stateOf(this);
        let call = entry.calls.get(method);
        if (!call) {
          const self = this;
          call = entry.middleware((req, opts) => (inherited as ProviderCall).call(self, req, opts));
          entry.calls.set(method, call);
        }
        return call(request, callOptions);
      },
    });
  }
  Object.defineProperty(Mixed, "name", { value: `${name}(${Base.name})` });
  return Mixed;
}

/**
 * The middleware a class mixin attached to `instance` (outermost of that name), with its state:
 * `getMixin(p, "cache")?.cache.stats()`, `getMixin(p, "circuitBreaker")?.breaker.state`.
 */
export function getMixin<M extends ProviderMiddleware = ProviderMiddleware & Record<string, any>>(instance: object, name: string): M | undefined {
  return registry.get(instance)?.get(name) as M | undefined;
}

function classifyWith(instance: MixinTarget) {
  return instance.classifyError ? (error: unknown) => instance.classifyError!(error) : undefined;
}

/** Adds retries (see `retryMiddleware`); by default errors are classified with the instance's `classifyError`. */
export function withRetry<TBase extends MixinBase>(Base: TBase, options: RetryOptions & ClassMixinOptions = {}): TBase {
  return withMiddleware(Base, "retry", (instance) => retryMiddleware({ classify: classifyWith(instance), ...stripUndefined(options) }), options);
}

/** Adds a circuit breaker; by default only upstream-health categories (per `classifyError`) count as failures. */
export function withCircuitBreaker<TBase extends MixinBase>(
  Base: TBase,
  options: CircuitBreakerOptions & ClassMixinOptions & { breaker?: CircuitBreaker } = {},
): TBase {
  return withMiddleware(
    Base,
    "circuitBreaker",
    (instance) => {
      const classify = classifyWith(instance);
      const isFailure = classify
        ? (error: unknown) => !CircuitOpenError.is(error) && CIRCUIT_TRIPPING_CATEGORIES.has(classify(error).category)
        : undefined;
      return circuitBreakerMiddleware({ isFailure, ...stripUndefined(options) });
    },
    options,
  );
}

/** Adds a TTL + LRU response cache (see `cacheMiddleware`). */
export function withCache<TBase extends MixinBase>(Base: TBase, options: CacheMiddlewareOptions & ClassMixinOptions = {}): TBase {
  return withMiddleware(Base, "cache", () => cacheMiddleware(options), options);
}

/** Adds request + token rate limiting (see `rateLimitMiddleware`). */
export function withRateLimiter<TBase extends MixinBase>(Base: TBase, options: RateLimitMiddlewareOptions & ClassMixinOptions = {}): TBase {
  return withMiddleware(Base, "rateLimiter", () => rateLimitMiddleware(options), options);
}

/** Adds call metrics (see `metricsMiddleware`). */
export function withMetrics<TBase extends MixinBase>(Base: TBase, options: MetricsMiddlewareOptions & ClassMixinOptions = {}): TBase {
  return withMiddleware(Base, "metrics", () => metricsMiddleware(options), options);
}

/**
 * Two forms under one name:
 * - `withTimeout(promise, ms, signal?)` — settles like `promise` or rejects with TimeoutError after `ms`;
 * - `withTimeout(ProviderClass, { ms })` — class mixin bounding `complete`/`embed` (see `timeoutMiddleware`).
 */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number, signal?: AbortSignal): Promise<T>;
export function withTimeout<TBase extends MixinBase>(Base: TBase, options?: TimeoutMiddlewareOptions & ClassMixinOptions): TBase;
export function withTimeout(target: unknown, second?: unknown, signal?: AbortSignal): unknown {
  if (typeof target === "function") {
    const options = (second ?? {}) as TimeoutMiddlewareOptions & ClassMixinOptions;
    return withMiddleware(target as MixinBase, "timeout", () => timeoutMiddleware(options), options);
  }
  return raceTimeout(target as PromiseLike<unknown>, second as number, signal);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
