/**
 * Circuit breaker: closed → open after `failureThreshold` consecutive failures → half-open once
 * `resetTimeoutMs` has passed, admitting at most `halfOpenMax` concurrent probes → closed after
 * `successThreshold` probe successes (any probe failure re-opens). Results of calls admitted in an earlier
 * state are ignored, so a slow call that started before the circuit opened cannot close it.
 */
import { isModelMeshError, ModelMeshError, systemClock, type CircuitState, type Clock } from "@modelmesh/core";
import type { ProviderMiddleware } from "./middleware.js";

const OPEN = Symbol.for("modelmesh.error.circuit-open");

/** The circuit is open (or its half-open probe slots are taken). Code `MM_CIRCUIT_OPEN`; fails fast. */
export class CircuitOpenError extends ModelMeshError {
  readonly [OPEN] = true;
  /** Milliseconds until the circuit half-opens (0 when half-open and only the probe slots are full). */
  readonly remainingMs: number;
  constructor(options: { remainingMs: number; name?: string; state: CircuitState }) {
    const where = options.name ? `circuit-breaker:${options.name}` : "circuit-breaker";
    super({
      name: "ModelMeshCircuitOpenError",
      code: "MM_CIRCUIT_OPEN",
      category: "server",
      retryable: false,
      retryAfterMs: options.remainingMs,
      message:
        options.state === "open"
          ? `[modelmesh] [${where}] the circuit is open after repeated failures; it half-opens in ${options.remainingMs} ms`
          : `[modelmesh] [${where}] the circuit is half-open and its probe slots are in use; try again shortly`,
      metadata: { state: options.state },
    });
    this.remainingMs = options.remainingMs;
  }
  /** True for a CircuitOpenError from any copy of this package. */
  static is(error: unknown): error is CircuitOpenError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[OPEN] === true;
  }
}

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** Time the circuit stays open before half-opening, in ms. Default 60 000. */
  resetTimeoutMs?: number;
  /** Concurrent probes admitted while half-open. Default 1. */
  halfOpenMax?: number;
  /** Probe successes needed to close. Default 1. */
  successThreshold?: number;
  /**
   * Whether an error counts as an upstream failure. Default: server, network, timeout, rate-limit and
   * stream-interrupted ModelMesh errors and any non-ModelMesh error; request errors (400s), auth and
   * caller cancellations do not trip the breaker.
   */
  isFailure?: (error: unknown) => boolean;
  /** Name used in error messages. */
  name?: string;
  /** Time source. Default: the system clock. */
  clock?: Clock;
}

/** Admission ticket of one call; hand it back through `onSuccess` / `onFailure` / `onNeutral`. */
export interface CircuitPermit {
  readonly generation: number;
  readonly probe: boolean;
}

/** Snapshot for metrics and health pages. */
export interface CircuitBreakerStats {
  state: CircuitState;
  consecutiveFailures: number;
  halfOpenSuccesses: number;
  probesInFlight: number;
  /** Epoch ms the circuit last opened. */
  openedAt?: number;
  /** Epoch ms it may half-open. */
  halfOpensAt?: number;
}

/** Error categories that say something about upstream health and so count toward opening the circuit. */
export const CIRCUIT_TRIPPING_CATEGORIES: ReadonlySet<string> = new Set(["server", "network", "timeout", "rate_limit", "stream_interrupted"]);

/** Default failure predicate (see {@link CircuitBreakerOptions.isFailure}). */
export function defaultIsCircuitFailure(error: unknown): boolean {
  if (isModelMeshError(error)) return CIRCUIT_TRIPPING_CATEGORIES.has(error.category) && error.code !== "MM_CIRCUIT_OPEN";
  return !(error instanceof Error && error.name === "AbortError");
}

/** A clock-driven circuit breaker. */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #resetTimeoutMs: number;
  readonly #halfOpenMax: number;
  readonly #successThreshold: number;
  readonly #name: string | undefined;
  readonly #clock: Clock;
  /** Predicate deciding which errors count as failures. */
  readonly isFailure: (error: unknown) => boolean;
  #state: CircuitState = "closed";
  #generation = 0;
  #failures = 0;
  #successes = 0;
  #probes = 0;
  #openedAt: number | undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#failureThreshold = Math.max(1, options.failureThreshold ?? 5);
    this.#resetTimeoutMs = Math.max(0, options.resetTimeoutMs ?? 60_000);
    this.#halfOpenMax = Math.max(1, options.halfOpenMax ?? 1);
    this.#successThreshold = Math.max(1, options.successThreshold ?? 1);
    this.#name = options.name;
    this.#clock = options.clock ?? systemClock;
    this.isFailure = options.isFailure ?? defaultIsCircuitFailure;
  }

  /** Current state (moves open → half-open lazily when the reset timeout has passed). */
  get state(): CircuitState {
    this.#advance();
    return this.#state;
  }

  /** Admits a call or throws CircuitOpenError. */
  acquire(): CircuitPermit {
    this.#advance();
    if (this.#state === "open") {
      throw new CircuitOpenError({ remainingMs: Math.max(0, this.#openedAt! + this.#resetTimeoutMs - this.#clock.now()), name: this.#name, state: "open" });
    }
    if (this.#state === "half-open") {
      if (this.#probes >= this.#halfOpenMax) throw new CircuitOpenError({ remainingMs: 0, name: this.#name, state: "half-open" });
      this.#probes++;
      return { generation: this.#generation, probe: true };
    }
    return { generation: this.#generation, probe: false };
  }

  /** Records a success of an admitted call. */
  onSuccess(permit: CircuitPermit): void {
    if (!this.#release(permit)) return;
    if (this.#state === "half-open") {
      if (++this.#successes >= this.#successThreshold) this.#transition("closed");
    } else this.#failures = 0;
  }

  /** Records a failure of an admitted call. */
  onFailure(permit: CircuitPermit): void {
    if (!this.#release(permit)) return;
    if (this.#state === "half-open" || ++this.#failures >= this.#failureThreshold) this.#transition("open");
  }

  /** Releases a call whose error says nothing about upstream health (a 400, a cancellation). */
  onNeutral(permit: CircuitPermit): void {
    this.#release(permit);
  }

  /** Forces the circuit closed and clears counters. */
  reset(): void {
    this.#transition("closed");
  }

  /** Counters and state. */
  stats(): CircuitBreakerStats {
    const state = this.state;
    const stats: CircuitBreakerStats = { state, consecutiveFailures: this.#failures, halfOpenSuccesses: this.#successes, probesInFlight: this.#probes };
    if (this.#openedAt !== undefined) {
      stats.openedAt = this.#openedAt;
      stats.halfOpensAt = this.#openedAt + this.#resetTimeoutMs;
    }
    return stats;
  }

  /** Runs `fn` under the breaker. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const permit = this.acquire();
    try {
      const result = await fn();
      this.onSuccess(permit);
      return result;
    } catch (error) {
      if (this.isFailure(error)) this.onFailure(permit);
      else this.onNeutral(permit);
      throw error;
    }
  }

  #release(permit: CircuitPermit): boolean {
    if (permit.generation !== this.#generation) return false;
    if (permit.probe) this.#probes = Math.max(0, this.#probes - 1);
    return true;
  }

  #advance(): void {
    if (this.#state === "open" && this.#clock.now() >= this.#openedAt! + this.#resetTimeoutMs) this.#transition("half-open");
  }

  #transition(state: CircuitState): void {
    this.#state = state;
    this.#generation++;
    this.#failures = 0;
    this.#successes = 0;
    this.#probes = 0;
    if (state === "open") this.#openedAt = this.#clock.now();
    if (state === "closed") this.#openedAt = undefined;
  }
}

/** A circuit-breaker middleware; `breaker` exposes state and stats. */
export type CircuitBreakerMiddleware = ProviderMiddleware & { readonly breaker: CircuitBreaker };

/**
 * Fails fast with CircuitOpenError while the upstream is known to be down.
 *
 * @example
 * const guarded = circuitBreakerMiddleware({ failureThreshold: 3, resetTimeoutMs: 30_000 });
 * guarded.breaker.state; // "closed" | "open" | "half-open"
 */
export function circuitBreakerMiddleware(options: CircuitBreakerOptions & { breaker?: CircuitBreaker } = {}): CircuitBreakerMiddleware {
  const breaker = options.breaker ?? new CircuitBreaker(options);
  const middleware: ProviderMiddleware = (next) => (request, callOptions) => breaker.run(() => next(request, callOptions));
  return Object.assign(middleware, { breaker });
}
