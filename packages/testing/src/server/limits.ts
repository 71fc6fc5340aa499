/** `x-ratelimit-*` header counters and the daily quota cap. */
import type { RateLimitHeadersOptions } from "./types.js";

/** Counts 2xx responses for `dailyQuota` and produces the `x-ratelimit-*` headers of each response. */
export class Limits {
  readonly #rate: RateLimitHeadersOptions | undefined;
  readonly #dailyQuota: number | undefined;
  #successes = 0;
  #remainingRequests: number | undefined;
  #remainingTokens: number | undefined;

  /**
   * @param rate header values, or undefined for no `x-ratelimit-*` headers
   * @param dailyQuota 2xx responses allowed before every request gets `insufficient_quota`
   */
  constructor(rate: RateLimitHeadersOptions | undefined, dailyQuota: number | undefined) {
    this.#rate = rate;
    this.#dailyQuota = dailyQuota;
    this.reset();
  }

  /** True once `dailyQuota` 2xx responses have been sent. */
  get quotaExhausted(): boolean {
    return this.#dailyQuota !== undefined && this.#successes >= this.#dailyQuota;
  }

  /**
   * Accounts for a response about to be sent and returns its rate-limit headers. Only 2xx responses use up
   * quota and remaining counts: a refused request cost the provider nothing.
   */
  onResponse(status: number, tokens: number): Record<string, string> {
    if (status >= 200 && status < 300) {
      this.#successes += 1;
      if (this.#remainingRequests !== undefined) this.#remainingRequests = Math.max(0, this.#remainingRequests - 1);
      if (this.#remainingTokens !== undefined) this.#remainingTokens = Math.max(0, this.#remainingTokens - tokens);
    }
    const rate = this.#rate;
    if (rate === undefined) return {};
    const headers: Record<string, string> = {};
    const set = (name: string, value: number | string | undefined): void => {
      if (value !== undefined) headers[`x-ratelimit-${name}`] = String(value);
    };
    set("limit-requests", rate.limitRequests);
    set("remaining-requests", this.#remainingRequests);
    set("reset-requests", rate.resetRequests);
    set("limit-tokens", rate.limitTokens);
    set("remaining-tokens", this.#remainingTokens);
    set("reset-tokens", rate.resetTokens);
    return headers;
  }

  /** Resets the daily quota count only. */
  resetQuota(): void {
    this.#successes = 0;
  }

  /** Resets the quota count and the remaining-requests / remaining-tokens counters. */
  reset(): void {
    this.#successes = 0;
    this.#remainingRequests = this.#rate?.remainingRequests ?? this.#rate?.limitRequests;
    this.#remainingTokens = this.#rate?.remainingTokens ?? this.#rate?.limitTokens;
  }
}
