import {
  ProviderError,
  codeForCategory,
  extractErrorDetail,
  parseRetryAfter,
  readRateLimitHeaders,
  type ErrorCategory,
  type RateLimitInfo,
} from "@modelmesh/core";

/**
 * OpenAI's error envelope is `{"error": {"message", "type", "param", "code"}}`. Core's `classifyHttpError`
 * already classifies by status and wording; this module refines its result with what OpenAI states exactly:
 *
 * - the vendor `code` (or `type`) decides where it is unambiguous: `insufficient_quota` is a spent quota, not
 *   a rate limit, although both arrive as 429 (retrying it is pointless until the billing period or the
 *   balance changes); `rate_limit_exceeded` is a rate limit even when its message mentions billing ("add a
 *   payment method to increase your rate limit");
 * - the wait before a retry comes from `retry-after-ms` (OpenAI's precise form), else `Retry-After`
 *   (seconds or HTTP date), else — for a rate limit — the reset time of the exhausted window
 *   (`x-ratelimit-reset-requests` / `-tokens` when the matching `remaining` is 0), because OpenAI often sends
 *   a 429 with only those headers;
 * - the learned limits are attached as `metadata.rateLimit` so the router's ledger can see them.
 */

/** OpenAI error codes (and types) whose category is certain, whatever the status or wording. */
const CATEGORY_BY_CODE: Readonly<Record<string, ErrorCategory>> = {
  insufficient_quota: "quota_exhausted",
  billing_hard_limit_reached: "quota_exhausted",
  billing_not_active: "quota_exhausted",
  rate_limit_exceeded: "rate_limit",
  context_length_exceeded: "context_length",
  content_policy_violation: "content_filter",
  content_filter: "content_filter",
  invalid_api_key: "auth",
  invalid_organization: "auth",
  model_not_found: "invalid_request",
};

/** Categories the same route may be retried in (mirrors core's defaults). */
const RETRYABLE: ReadonlySet<ErrorCategory> = new Set(["rate_limit", "server", "network"]);

/** The `type` of OpenAI's 429 rate-limit errors: the window that ran out. */
const RATE_LIMIT_TYPES: ReadonlySet<string> = new Set(["requests", "tokens"]);

/**
 * The category OpenAI's own code or type names, if any. A 429 typed `requests` or `tokens` is a rate limit
 * whatever its wording (its message suggests adding a payment method, which core would read as billing).
 */
export function openaiErrorCategory(status: number, body: unknown): ErrorCategory | undefined {
  const detail = extractErrorDetail(body);
  const byCode = (detail.code !== undefined ? CATEGORY_BY_CODE[detail.code] : undefined) ?? (detail.type !== undefined ? CATEGORY_BY_CODE[detail.type] : undefined);
  if (byCode) return byCode;
  return status === 429 && detail.type !== undefined && RATE_LIMIT_TYPES.has(detail.type) ? "rate_limit" : undefined;
}

/**
 * Milliseconds to wait before retrying, from OpenAI's headers (lower-cased names): `retry-after-ms`, then
 * `Retry-After`, then — for rate limits only — the reset of a window whose `remaining` count is 0.
 */
export function openaiRetryAfterMs(headers: Record<string, string>, category: ErrorCategory, now: number): number | undefined {
  const precise = Number(headers["retry-after-ms"]);
  if (headers["retry-after-ms"] !== undefined && Number.isFinite(precise) && precise >= 0) return Math.round(precise);
  const standard = parseRetryAfter(headers["retry-after"], now);
  if (standard !== undefined || category !== "rate_limit") return standard;
  const limits = readRateLimitHeaders(headers, now);
  if (!limits) return undefined;
  const waits = [
    limits.remainingRequests === 0 ? limits.resetRequestsMs : undefined,
    limits.remainingTokens === 0 ? limits.resetTokensMs : undefined,
  ].filter((ms): ms is number => ms !== undefined);
  return waits.length > 0 ? Math.max(...waits) : undefined;
}

/**
 * Refines the error the CDK built for a non-2xx OpenAI response (see the module comment). Returns a new
 * `ProviderError` when the category or wait changes, otherwise `base` with the same identity.
 */
export function refineOpenAIError(base: ProviderError, status: number, headers: Record<string, string>, body: string, now: number): ProviderError {
  const category = openaiErrorCategory(status, body) ?? base.category;
  const retryAfterMs = openaiRetryAfterMs(headers, category, now) ?? base.retryAfterMs;
  const rateLimit: RateLimitInfo | undefined = readRateLimitHeaders(headers, now);
  if (category === base.category && retryAfterMs === base.retryAfterMs && !rateLimit) return base;
  return new ProviderError({
    name: base.name,
    code: category === base.category ? base.code : codeForCategory(category),
    category,
    retryable: category === base.category ? base.retryable : RETRYABLE.has(category),
    status,
    message: base.message,
    ...(base.provider !== undefined ? { provider: base.provider } : {}),
    ...(base.model !== undefined ? { model: base.model } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(base.cause !== undefined ? { cause: base.cause } : {}),
    metadata: { ...base.metadata, ...(rateLimit ? { rateLimit } : {}) },
  });
}
