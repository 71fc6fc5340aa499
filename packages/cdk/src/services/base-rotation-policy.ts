/**
 * BaseRotationPolicy: one class implementing selection, deactivation and recovery (docs/ARCHITECTURE.md §2.10) with a
 * working default for every method and small protected hooks to override. Times are absolute epoch ms.
 */
import type {
  AttemptOutcome,
  DeactivationDecision,
  DeactivationPolicyV1,
  DeactivationReason,
  ErrorCategory,
  RecoveryPolicyV1,
  RouteSnapshot,
  SelectionContext,
  SelectionResult,
  SelectionStrategyV1,
} from "@modelmesh/core";

/** Options of {@link BaseRotationPolicy}. Durations in ms; caps per UTC day unless noted. */
export interface RotationPolicyOptions {
  /** Connector id reported by all three parts. Default `modelmesh.base-rotation.v1`. */
  id?: string;
  /** Consecutive counted failures that deactivate (reason `error_threshold`). Default 3. */
  failureThreshold?: number;
  /** Error rate (0–1) that deactivates (reason `error_rate`). Default 0.5. */
  errorRateThreshold?: number;
  /** Samples needed before the error rate counts. Default 5. */
  minSamples?: number;
  /** Categories whose failures count. Default server, network, timeout, rate_limit. */
  countedCategories?: readonly ErrorCategory[];
  /** Requests per day (reason `request_limit`). */
  requestLimit?: number;
  /** Tokens per day (reason `token_limit`). */
  tokenLimit?: number;
  /** USD per day (reason `budget_exceeded`). */
  budgetLimit?: number;
  /** First cooldown. Default 60 000 ms. */
  cooldownMs?: number;
  /** Factor per consecutive cooldown (`cooldownLevel`). Default 2. */
  cooldownGrowth?: number;
  /** Cooldown cap. Default 1 800 000 ms. */
  maxCooldownMs?: number;
  /** Model ids (config id, upstream id or route id) in preference order. */
  modelPriority?: readonly string[];
  /** Provider ids in preference order. */
  providerPriority?: readonly string[];
  /** Recover through a half-open probe. Default true. */
  probe?: boolean;
}

const DEFAULT_COUNTED: readonly ErrorCategory[] = ["server", "network", "timeout", "rate_limit"];
const DAY_MS = 86_400_000;

/** Next UTC midnight after `now` (when daily caps reset). */
export function nextUtcMidnight(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
}

/**
 * Deactivation + recovery + selection in one config-driven class.
 * - `evaluate`: quota and Retry-After first, then consecutive failures / error rate (counted categories
 *   only, after `minSamples`), then daily caps; `null` keeps the route active.
 * - `recoveryTime`: Retry-After or the cap's reset instant when known, else a cooldown growing with
 *   `cooldownLevel` (60 s → 120 s → 240 s …, capped).
 * - `select`: highest `score`, ties to pool order; empty candidates → `null`.
 */
export class BaseRotationPolicy implements SelectionStrategyV1, DeactivationPolicyV1, RecoveryPolicyV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Connector id. */
  readonly id: string;
  /** Whether recovery goes through a half-open probe. */
  readonly probe: boolean;
  /** Resolved options (defaults applied). */
  protected readonly options: Required<Omit<RotationPolicyOptions, "requestLimit" | "tokenLimit" | "budgetLimit">> &
    Pick<RotationPolicyOptions, "requestLimit" | "tokenLimit" | "budgetLimit">;
  readonly #counted: ReadonlySet<ErrorCategory>;

  constructor(options: RotationPolicyOptions = {}) {
    this.id = options.id ?? "modelmesh.base-rotation.v1";
    this.probe = options.probe ?? true;
    this.options = {
      id: this.id,
      failureThreshold: options.failureThreshold ?? 3,
      errorRateThreshold: options.errorRateThreshold ?? 0.5,
      minSamples: options.minSamples ?? 5,
      countedCategories: options.countedCategories ?? DEFAULT_COUNTED,
      requestLimit: options.requestLimit,
      tokenLimit: options.tokenLimit,
      budgetLimit: options.budgetLimit,
      cooldownMs: options.cooldownMs ?? 60_000,
      cooldownGrowth: options.cooldownGrowth ?? 2,
      maxCooldownMs: options.maxCooldownMs ?? 1_800_000,
      modelPriority: options.modelPriority ?? [],
      providerPriority: options.providerPriority ?? [],
      probe: this.probe,
    };
    this.#counted = new Set(this.options.countedCategories);
  }

  // -- deactivation ----------------------------------------------------------------------------------

  /** Deactivation decision after an attempt; `snapshot` already includes `outcome`. */
  evaluate(snapshot: RouteSnapshot, outcome: AttemptOutcome, now: number): DeactivationDecision | null {
    const quota = this.quotaDecision(outcome, now);
    if (quota) return quota;
    if (!outcome.ok && this.isCountedFailure(outcome)) {
      const reason = this.getReason(snapshot, now);
      // No `until`: the pool's recovery policy (this class, or a separately configured one) decides.
      if (reason) return { reason };
    }
    const cap = this.capReason(snapshot);
    return cap ? { reason: cap, until: nextUtcMidnight(now) } : null;
  }

  /** Why the route should be on standby now, or null. `now` is for subclasses with time windows. */
  getReason(snapshot: RouteSnapshot, _now?: number): DeactivationReason | null {
    if (snapshot.consecutiveFailures >= this.options.failureThreshold) return "error_threshold";
    if (snapshot.windowSamples >= this.options.minSamples && snapshot.errorRate >= this.options.errorRateThreshold) return "error_rate";
    return this.capReason(snapshot);
  }

  /** True when {@link getReason} returns a reason. */
  shouldDeactivate(snapshot: RouteSnapshot, now?: number): boolean {
    return this.getReason(snapshot, now) !== null;
  }

  /** Whether a failed outcome counts toward thresholds (hook). Default: its category is counted. */
  protected isCountedFailure(outcome: AttemptOutcome): boolean {
    return outcome.category !== undefined && this.#counted.has(outcome.category);
  }

  /** Quota exhaustion and rate limits with a Retry-After park the route until the stated instant (hook). */
  protected quotaDecision(outcome: AttemptOutcome, now: number): DeactivationDecision | null {
    if (outcome.ok) return null;
    const wait = outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0 ? now + outcome.retryAfterMs : undefined;
    if (outcome.category === "quota_exhausted") return { reason: "quota_exhausted", until: wait ?? nextUtcMidnight(now) };
    if (outcome.category === "rate_limit" && wait !== undefined) return { reason: "rate_limited", until: wait };
    if (outcome.category === "auth") return { reason: "auth_failure" };
    return null;
  }

  /** Daily request / token / budget caps (hook). */
  protected capReason(snapshot: RouteSnapshot): DeactivationReason | null {
    const { requestLimit, tokenLimit, budgetLimit } = this.options;
    if (requestLimit !== undefined && snapshot.usage.requestsDay >= requestLimit) return "request_limit";
    if (tokenLimit !== undefined && snapshot.usage.tokensDay >= tokenLimit) return "token_limit";
    if (budgetLimit !== undefined && snapshot.usage.costDay >= budgetLimit) return "budget_exceeded";
    return null;
  }

  // -- recovery --------------------------------------------------------------------------------------

  /** Absolute time the route may be probed again. */
  recoveryTime(snapshot: RouteSnapshot, reason: DeactivationReason, now: number): number {
    if (reason === "request_limit" || reason === "token_limit" || reason === "budget_exceeded") return nextUtcMidnight(now);
    const retryAfter = snapshot.rateLimit?.retryAfterMs;
    if (retryAfter !== undefined && snapshot.rateLimit!.observedAt + retryAfter > now) return snapshot.rateLimit!.observedAt + retryAfter;
    return now + this.cooldownFor(snapshot);
  }

  /** Cooldown length for the snapshot's `cooldownLevel` (hook). */
  protected cooldownFor(snapshot: RouteSnapshot): number {
    const { cooldownMs, cooldownGrowth, maxCooldownMs } = this.options;
    return Math.min(maxCooldownMs, cooldownMs * cooldownGrowth ** Math.max(0, snapshot.cooldownLevel));
  }

  /** Whether a standby route may come back at `now`. */
  shouldRecover(snapshot: RouteSnapshot, now: number): boolean {
    return snapshot.status === "active" || snapshot.standbyUntil === undefined || now >= snapshot.standbyUntil;
  }

  // -- selection -------------------------------------------------------------------------------------

  /** Score (higher = better): model priority 1000+, provider priority 500+, else `1 - errorRate`. */
  score(candidate: RouteSnapshot, _context?: SelectionContext): number {
    const models = this.options.modelPriority;
    const modelIndex = models.findIndex((id) => id === candidate.modelId || id === candidate.upstreamModel || id === candidate.routeId);
    if (modelIndex >= 0) return 1000 + (models.length - modelIndex);
    const providers = this.options.providerPriority;
    const providerIndex = providers.indexOf(candidate.providerId);
    if (providerIndex >= 0) return 500 + (providers.length - providerIndex);
    return 1 - candidate.errorRate;
  }

  /** Picks the highest-scoring candidate (ties → earliest in pool order), or null when there are none. */
  select(candidates: readonly RouteSnapshot[], context: SelectionContext): SelectionResult | null {
    let best: { candidate: RouteSnapshot; score: number } | undefined;
    for (const candidate of candidates) {
      const score = this.score(candidate, context);
      if (!best || score > best.score || (score === best.score && candidate.order < best.candidate.order)) best = { candidate, score };
    }
    if (!best) return null;
    const reason = best.score >= 1000 ? "model_priority" : best.score >= 500 ? "provider_priority" : "lowest_error_rate";
    return { routeId: best.candidate.routeId, score: best.score, reason };
  }
}
