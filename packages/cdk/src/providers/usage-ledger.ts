import { costOf, type ModelPricing, type QuotaStatus, type RateLimitInfo, type RateLimitStatus, type TokenUsage } from "@modelmesh/core";

/**
 * Per-instance accounting behind `reportUsage`, `checkQuota` and `getRateLimits`: requests, tokens and cost
 * per model (cost from per-1M pricing), plus the rate limits learned from the last response headers.
 */

/** Totals for one model. */
export interface ModelUsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

/** Mutable usage and rate-limit state of one provider instance. */
export class UsageLedger {
  readonly #byModel = new Map<string, ModelUsageTotals>();
  #rateLimits: RateLimitStatus = {};

  /** Records one successful call. */
  record(modelId: string, usage: TokenUsage, pricing: ModelPricing | undefined): void {
    const totals = this.#byModel.get(modelId) ?? { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };
    totals.requests += 1;
    totals.promptTokens += usage.promptTokens;
    totals.completionTokens += usage.completionTokens;
    totals.totalTokens += usage.totalTokens;
    totals.costUsd += costOf(usage, pricing);
    this.#byModel.set(modelId, totals);
  }

  /** Totals of one model (zeros when unused). */
  model(modelId: string): ModelUsageTotals {
    return { ...(this.#byModel.get(modelId) ?? { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 }) };
  }

  /**
   * Merges limits read from a response. Each field keeps its last seen value; `retryAfterMs` is only kept
   * from the latest response, since an old Retry-After says nothing about now.
   */
  learn(info: RateLimitInfo | undefined, now: number): void {
    const next: RateLimitStatus = { ...this.#rateLimits, ...(info ?? {}), observedAt: now };
    if (info?.retryAfterMs === undefined) delete next.retryAfterMs;
    this.#rateLimits = next;
  }

  /** The last learned rate limits. */
  rateLimits(): RateLimitStatus {
    return { ...this.#rateLimits };
  }

  /** Usage through this instance, plus the request quota the vendor reported (`x-ratelimit-*-requests`). */
  quota(): QuotaStatus {
    const status: QuotaStatus = { requests: 0, tokens: 0, costUsd: 0 };
    for (const totals of this.#byModel.values()) {
      status.requests += totals.requests;
      status.tokens += totals.totalTokens;
      status.costUsd += totals.costUsd;
    }
    const limits = this.#rateLimits;
    if (limits.remainingRequests !== undefined) status.remaining = limits.remainingRequests;
    if (limits.limitRequests !== undefined) status.limit = limits.limitRequests;
    if (limits.resetRequestsMs !== undefined && limits.observedAt !== undefined) status.resetsAt = limits.observedAt + limits.resetRequestsMs;
    return status;
  }
}
