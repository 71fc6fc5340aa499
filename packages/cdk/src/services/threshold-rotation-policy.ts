/**
 * ThresholdRotationPolicy: BaseRotationPolicy driven by its OWN sliding window of observed outcomes
 * (length `windowMs`, error rate only after `minSamples`) and optional HTTP status filter, so it behaves
 * the same whatever ledger feeds it. Accepts the older config aliases of `failureThreshold`.
 */
import type { AttemptOutcome, DeactivationDecision, DeactivationReason, RouteSnapshot } from "@modelmesh/core";
import { BaseRotationPolicy, type RotationPolicyOptions } from "./base-rotation-policy.js";

/** Options of {@link ThresholdRotationPolicy}. */
export interface ThresholdRotationPolicyOptions extends RotationPolicyOptions {
  /** Alias of `failureThreshold`. */
  retryLimit?: number;
  /** Alias of `failureThreshold`. */
  failureCountThreshold?: number;
  /** Sliding window for the error rate. Default 60 000 ms. */
  windowMs?: number;
  /** Samples kept per route at most (memory bound). Default 1000. */
  maxSamples?: number;
  /**
   * HTTP statuses that count toward thresholds. When set, a failure counts only if its status is listed
   * (network and timeout failures, which have no status, still count). Default: unset = by category.
   */
  errorCodes?: readonly number[];
}

interface RouteWindow {
  /** [epoch ms, failed] pairs, oldest first. */
  samples: Array<[number, boolean]>;
  consecutive: number;
}

/** Threshold-driven deactivation, cooldown recovery and priority / error-rate selection. */
export class ThresholdRotationPolicy extends BaseRotationPolicy {
  readonly #windowMs: number;
  readonly #maxSamples: number;
  readonly #codes: ReadonlySet<number> | undefined;
  readonly #routes = new Map<string, RouteWindow>();

  constructor(options: ThresholdRotationPolicyOptions = {}) {
    super({
      ...options,
      id: options.id ?? "modelmesh.threshold.v1",
      failureThreshold: options.failureThreshold ?? options.retryLimit ?? options.failureCountThreshold,
    });
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxSamples = Math.max(1, options.maxSamples ?? 1000);
    this.#codes = options.errorCodes ? new Set(options.errorCodes) : undefined;
  }

  /** Records the outcome in the route's window, then decides. A deactivation clears the window. */
  override evaluate(snapshot: RouteSnapshot, outcome: AttemptOutcome, now: number): DeactivationDecision | null {
    this.record(snapshot.routeId, outcome, now);
    const decision = super.evaluate(snapshot, outcome, now);
    if (decision) this.#routes.delete(snapshot.routeId);
    return decision;
  }

  /** Adds one outcome to a route's window (also usable to seed the policy from history). */
  record(routeId: string, outcome: AttemptOutcome, now: number): void {
    let window = this.#routes.get(routeId);
    if (!window) this.#routes.set(routeId, (window = { samples: [], consecutive: 0 }));
    const counted = !outcome.ok && this.isCountedFailure(outcome);
    // Failures that do not count (a 400) neither break nor extend the streak; a success resets it.
    if (outcome.ok) window.consecutive = 0;
    else if (counted) window.consecutive++;
    if (outcome.ok || counted) window.samples.push([now, counted]);
    if (window.samples.length > this.#maxSamples) window.samples.splice(0, window.samples.length - this.#maxSamples);
    this.#prune(window, now);
  }

  /** The route's window: samples, counted failures, error rate (0 below `minSamples`), streak. */
  windowOf(routeId: string, now: number): { samples: number; failures: number; errorRate: number; consecutiveFailures: number } {
    const window = this.#routes.get(routeId);
    if (!window) return { samples: 0, failures: 0, errorRate: 0, consecutiveFailures: 0 };
    this.#prune(window, now);
    const failures = window.samples.filter(([, failed]) => failed).length;
    const samples = window.samples.length;
    const errorRate = samples >= this.options.minSamples && samples > 0 ? failures / samples : 0;
    return { samples, failures, errorRate, consecutiveFailures: window.consecutive };
  }

  /** Forgets a route's window (after a manual reactivation). */
  resetRoute(routeId: string): void {
    this.#routes.delete(routeId);
  }

  /** Uses this policy's own window instead of the ledger's counters. */
  override getReason(snapshot: RouteSnapshot, now?: number): DeactivationReason | null {
    const window = this.windowOf(snapshot.routeId, now ?? snapshot.lastFailureAt ?? snapshot.lastSuccessAt ?? 0);
    if (window.consecutiveFailures >= this.options.failureThreshold) return "error_threshold";
    if (window.samples >= this.options.minSamples && window.errorRate >= this.options.errorRateThreshold) return "error_rate";
    return this.capReason(snapshot);
  }

  /** Counted categories, narrowed to `errorCodes` when configured. */
  protected override isCountedFailure(outcome: AttemptOutcome): boolean {
    if (!super.isCountedFailure(outcome)) return false;
    if (!this.#codes || outcome.status === undefined) return true;
    return this.#codes.has(outcome.status);
  }

  #prune(window: RouteWindow, now: number): void {
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < window.samples.length && window.samples[drop]![0] <= cutoff) drop++;
    if (drop > 0) window.samples.splice(0, drop);
  }
}
