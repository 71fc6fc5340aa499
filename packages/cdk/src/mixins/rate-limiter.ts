/**
 * Client-side rate limiting with two token buckets — requests and tokens — reserved together in ONE
 * synchronous step, so no other caller can slip between the check and the deduction (checking
 * requests alone, or waiting for capacity and acquiring it in two steps, would race).
 *
 * Reservations may drive a bucket below zero: the deficit is the queue. Each caller waits exactly until
 * its share has refilled, so waiters are served in arrival order without polling.
 */
import { ModelMeshError, sleep, systemClock, type Clock } from "@modelmesh/core";
import type { ProviderMiddleware } from "./middleware.js";

const LIMIT = Symbol.for("modelmesh.error.rate-limit-exceeded");

/** A call would have to wait longer than allowed for rate-limit capacity. Code `MM_RATE_LIMIT`. */
export class RateLimitExceededError extends ModelMeshError {
  readonly [LIMIT] = true;
  /** Milliseconds until the capacity would have been available. */
  readonly waitMs: number;
  constructor(options: { waitMs: number; maxWaitMs: number; limiter?: string }) {
    super({
      name: "ModelMeshRateLimitExceededError",
      code: "MM_RATE_LIMIT",
      category: "rate_limit",
      retryAfterMs: options.waitMs,
      message: `[modelmesh] [rate-limiter${options.limiter ? `:${options.limiter}` : ""}] capacity frees up in ${options.waitMs} ms, more than the allowed wait of ${options.maxWaitMs} ms. Raise maxWaitMs or the limits.`,
      metadata: { source: "client-rate-limiter" },
    });
    this.waitMs = options.waitMs;
  }
  /** True for a RateLimitExceededError from any copy of this package. */
  static is(error: unknown): error is RateLimitExceededError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[LIMIT] === true;
  }
}

/** Options of {@link TokenBucketRateLimiter}. Omit a limit to leave that dimension unlimited. */
export interface RateLimiterOptions {
  /** Sustained requests per minute. */
  requestsPerMinute?: number;
  /** Sustained tokens per minute. */
  tokensPerMinute?: number;
  /** Request bucket capacity (burst). Default `requestsPerMinute`. */
  requestBurst?: number;
  /** Token bucket capacity (burst). Default `tokensPerMinute`. */
  tokenBurst?: number;
  /** Longest a caller waits for capacity before a RateLimitExceededError. Default 0 (reject at once). */
  maxWaitMs?: number;
  /** Name used in error messages. */
  name?: string;
  /** Time source. Default: the system clock. */
  clock?: Clock;
}

/** Capacity taken by one call; pass it back to {@link TokenBucketRateLimiter.settle} or `cancel`. */
export interface RateLimitReservation {
  /** How long the caller must wait before proceeding (0 = now). */
  readonly waitMs: number;
  /** Tokens reserved. */
  readonly tokens: number;
}

class Bucket {
  level: number;
  updatedAt: number;
  constructor(readonly capacity: number, readonly perMs: number, now: number) {
    this.level = capacity;
    this.updatedAt = now;
  }
  refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + Math.max(0, now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }
  waitFor(cost: number): number {
    return this.level >= cost ? 0 : (cost - this.level) / this.perMs;
  }
  give(amount: number): void {
    this.level = Math.min(this.capacity, this.level + amount);
  }
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`[modelmesh] [rate-limiter] ${name} must be a positive number, got ${value}`);
  return value;
}

/** Token buckets on requests and tokens, checked and deducted atomically. */
export class TokenBucketRateLimiter {
  readonly #requests: Bucket | undefined;
  readonly #tokens: Bucket | undefined;
  readonly #clock: Clock;
  readonly #maxWaitMs: number;
  readonly #name: string | undefined;

  constructor(options: RateLimiterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#maxWaitMs = Math.max(0, options.maxWaitMs ?? 0);
    this.#name = options.name;
    const now = this.#clock.now();
    const rpm = positive(options.requestsPerMinute, "requestsPerMinute");
    const tpm = positive(options.tokensPerMinute, "tokensPerMinute");
    if (rpm !== undefined) this.#requests = new Bucket(positive(options.requestBurst, "requestBurst") ?? rpm, rpm / 60_000, now);
    if (tpm !== undefined) this.#tokens = new Bucket(positive(options.tokenBurst, "tokenBurst") ?? tpm, tpm / 60_000, now);
  }

  /**
   * Reserves one request and `tokens` tokens in a single step. Throws RateLimitExceededError (reserving
   * nothing) when the wait would exceed `maxWaitMs`.
   */
  reserve(tokens = 0, maxWaitMs = this.#maxWaitMs): RateLimitReservation {
    const now = this.#clock.now();
    this.#requests?.refill(now);
    this.#tokens?.refill(now);
    const cost = this.#tokens ? Math.max(0, tokens) : 0;
    const waitMs = Math.ceil(Math.max(this.#requests?.waitFor(1) ?? 0, this.#tokens?.waitFor(cost) ?? 0));
    if (waitMs > maxWaitMs) throw new RateLimitExceededError({ waitMs, maxWaitMs, limiter: this.#name });
    if (this.#requests) this.#requests.level -= 1;
    if (this.#tokens) this.#tokens.level -= cost;
    return { waitMs, tokens: cost };
  }

  /** Reserves capacity and waits until it is available. Aborting returns the reservation. */
  async acquire(tokens = 0, options: { maxWaitMs?: number; signal?: AbortSignal } = {}): Promise<RateLimitReservation> {
    const reservation = this.reserve(tokens, options.maxWaitMs ?? this.#maxWaitMs);
    try {
      await sleep(this.#clock, reservation.waitMs, options.signal);
    } catch (error) {
      this.cancel(reservation);
      throw error;
    }
    return reservation;
  }

  /** Gives back an unused reservation (the call never went out). */
  cancel(reservation: RateLimitReservation): void {
    this.#requests?.give(1);
    this.#tokens?.give(reservation.tokens);
  }

  /** Replaces the reserved token estimate with the actual count once the response is known. */
  settle(reservation: RateLimitReservation, actualTokens: number): void {
    if (!this.#tokens || !Number.isFinite(actualTokens)) return;
    const delta = actualTokens - reservation.tokens;
    if (delta > 0) this.#tokens.level -= delta;
    else this.#tokens.give(-delta);
  }

  /** Capacity available right now (may be negative while callers queue). */
  remaining(): { requests: number; tokens: number } {
    const now = this.#clock.now();
    this.#requests?.refill(now);
    this.#tokens?.refill(now);
    return { requests: this.#requests?.level ?? Infinity, tokens: this.#tokens?.level ?? Infinity };
  }
}

/** Options of {@link rateLimitMiddleware}. */
export interface RateLimitMiddlewareOptions<Req = any, Res = any> extends RateLimiterOptions {
  /** Use this limiter (to share one budget between several providers or read `remaining()`). */
  limiter?: TokenBucketRateLimiter;
  /** Tokens a request will consume, estimated before sending. Default {@link estimateRequestTokens}. */
  estimateTokens?: (request: Req) => number;
  /** Tokens actually consumed, read from the response. Default `usage.total_tokens`. */
  actualTokens?: (response: Res) => number | undefined;
}

/** Estimate: ~4 characters per token over messages/input/prompt, plus `max_tokens` reserved for the reply. */
export function estimateRequestTokens(request: unknown): number {
  if (typeof request !== "object" || request === null) return 0;
  const r = request as Record<string, unknown>;
  const text = JSON.stringify(r.messages ?? r.input ?? r.prompt ?? "") ?? "";
  const reply = Number(r.max_completion_tokens ?? r.max_tokens ?? 0) || 0;
  return Math.ceil(text.length / 4) + reply;
}

function usageTokens(response: unknown): number | undefined {
  const usage = (response as { usage?: { total_tokens?: unknown } } | null | undefined)?.usage;
  return typeof usage?.total_tokens === "number" ? usage.total_tokens : undefined;
}

/** A rate-limit middleware; `limiter` exposes the buckets. */
export type RateLimitMiddleware<Req = any, Res = any> = ProviderMiddleware<Req, Res> & { readonly limiter: TokenBucketRateLimiter };

/**
 * Shapes calls to a request and token budget. Each call reserves one request plus its estimated tokens,
 * waits up to `maxWaitMs` (bounded also by `options.deadline`), then settles the estimate against the
 * response's real usage. A failed call gives its token estimate back; the request slot stays spent.
 *
 * @example
 * const limited = rateLimitMiddleware({ requestsPerMinute: 60, tokensPerMinute: 90_000, maxWaitMs: 5_000 });
 */
export function rateLimitMiddleware<Req = any, Res = any>(options: RateLimitMiddlewareOptions<Req, Res> = {}): RateLimitMiddleware<Req, Res> {
  const limiter = options.limiter ?? new TokenBucketRateLimiter(options);
  const clock = options.clock ?? systemClock;
  const estimate = options.estimateTokens ?? estimateRequestTokens;
  const actual = options.actualTokens ?? usageTokens;
  const maxWaitMs = options.maxWaitMs ?? 0;
  const middleware: ProviderMiddleware<Req, Res> = (next) => async (request, callOptions) => {
    const untilDeadline = Number.isFinite(callOptions.deadline) ? callOptions.deadline - clock.now() - 1 : Infinity;
    const reservation = await limiter.acquire(estimate(request), { maxWaitMs: Math.max(0, Math.min(maxWaitMs, untilDeadline)), signal: callOptions.signal });
    let response: Res;
    try {
      response = await next(request, callOptions);
    } catch (error) {
      limiter.settle(reservation, 0);
      throw error;
    }
    const used = actual(response);
    if (used !== undefined) limiter.settle(reservation, used);
    return response;
  };
  return Object.assign(middleware, { limiter });
}
