import {
  ProviderError,
  classifyHttpError,
  codeForCategory,
  formatMessage,
  parseResetDuration,
  parseRetryAfter,
  type ErrorCategory,
  type ErrorClassification,
} from "@modelmesh/core";
import { redactHeaders } from "@modelmesh/cdk";

/**
 * Google API errors → ModelMesh categories. Google answers failures with a `google.rpc.Status` envelope,
 * `{"error": {"code": 429, "message": "…", "status": "RESOURCE_EXHAUSTED", "details": [...]}}`, and its
 * wording differs from OpenAI's in ways core's generic classifier gets wrong:
 *
 * - EVERY Gemini 429 says "You exceeded your current quota, please check your plan and billing details",
 *   per-minute limits included, so the quota/billing wording cannot tell a spent daily quota from a rate
 *   limit. The `google.rpc.QuotaFailure` detail can: a violated quota whose id or metric names a day
 *   (`GenerateRequestsPerDayPerProjectPerModel-FreeTier`) is `quota_exhausted`; per-minute ones are
 *   `rate_limit`. Without that detail, only day / billing-account / credit wording (or a quota `limit: 0`,
 *   a model without free tier) makes it `quota_exhausted`.
 * - The wait comes from `Retry-After` when present, else the `google.rpc.RetryInfo` detail
 *   (`"retryDelay": "17s"`), else the message's "Please retry in 17.37s".
 * - An invalid API key is a 400 `INVALID_ARGUMENT` (reason `API_KEY_INVALID`), not a 401: it is `auth`.
 * - "The input token count (…) exceeds the maximum number of tokens allowed (…)" is `context_length`.
 * - `FAILED_PRECONDITION` "free tier is not available in your country. Please enable billing" is
 *   `quota_exhausted`; "User location is not supported" is `auth` (the whole provider is unusable from here
 *   until its account changes, which is what `auth` deactivates).
 * - `INTERNAL` 500, `UNAVAILABLE` 503 ("The model is overloaded"), `DEADLINE_EXCEEDED` 504 are `server`.
 */

/** Who raised an error, and how to scrub secrets from upstream text (structurally the CDK's ErrorContext). */
export interface GeminiErrorContext {
  provider: string;
  model?: string;
  scrub: (text: string) => string;
}

/** The parsed `error` object of a Google error body. */
export interface GoogleErrorDetail {
  code?: number;
  message?: string;
  status?: string;
  details: Array<Record<string, unknown>>;
}

const RETRYABLE: ReadonlySet<ErrorCategory> = new Set(["rate_limit", "server", "network"]);
const DAILY = /per ?day|daily|per_day/i;
const QUOTA_WORDING = /\bper day\b|\bdaily\b|billing account|billing (is )?(not enabled|disabled)|enable billing|prepay|credits?\b|spend(ing)? (cap|limit)|limit: 0\b/i;
const TOKEN_WORDING = /input token count|exceeds the maximum number of tokens|token count.*exceeds|too many tokens|context (window|length)|prompt is too long/i;
const API_KEY_WORDING = /api key (not valid|expired|invalid)|invalid api key|API_KEY_INVALID/i;
const LOCATION_WORDING = /location is not supported|not available in your (country|region)/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a Google error body (text or JSON). Returns undefined when it is not one. */
export function parseGoogleError(body: unknown): GoogleErrorDetail | undefined {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  // Some Google front ends wrap the envelope in a one-element array.
  if (Array.isArray(value) && value.length === 1) value = value[0];
  if (!isRecord(value) || !isRecord(value.error)) return undefined;
  const error = value.error;
  return {
    ...(typeof error.code === "number" ? { code: error.code } : {}),
    ...(typeof error.message === "string" ? { message: error.message } : {}),
    ...(typeof error.status === "string" ? { status: error.status } : {}),
    details: Array.isArray(error.details) ? error.details.filter(isRecord) : [],
  };
}

function detailsOfType(detail: GoogleErrorDetail, type: string): Array<Record<string, unknown>> {
  return detail.details.filter((entry) => typeof entry["@type"] === "string" && (entry["@type"] as string).endsWith(type));
}

/** Milliseconds from `google.rpc.RetryInfo.retryDelay` (`"17s"`, `"0.5s"`), else from "Please retry in 17.3s". */
export function googleRetryDelayMs(detail: GoogleErrorDetail): number | undefined {
  for (const info of detailsOfType(detail, "google.rpc.RetryInfo")) {
    const delay = info.retryDelay;
    if (typeof delay === "string") {
      const ms = parseResetDuration(delay);
      if (ms !== undefined) return ms;
    }
    if (isRecord(delay)) return Math.round(Number(delay.seconds ?? 0) * 1000 + Number(delay.nanos ?? 0) / 1e6);
  }
  const match = /retry in (\d+(?:\.\d+)?)\s*s/i.exec(detail.message ?? "");
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** Ids and metrics of the violated quotas (`google.rpc.QuotaFailure`). */
export function googleQuotaViolations(detail: GoogleErrorDetail): string[] {
  const out: string[] = [];
  for (const failure of detailsOfType(detail, "google.rpc.QuotaFailure")) {
    for (const violation of Array.isArray(failure.violations) ? failure.violations : []) {
      if (!isRecord(violation)) continue;
      for (const key of ["quotaId", "quotaMetric", "subject"]) if (typeof violation[key] === "string") out.push(violation[key] as string);
    }
  }
  return out;
}

/** `google.rpc.ErrorInfo.reason` (e.g. `API_KEY_INVALID`), when present. */
export function googleErrorReason(detail: GoogleErrorDetail): string | undefined {
  const info = detailsOfType(detail, "google.rpc.ErrorInfo")[0];
  return typeof info?.reason === "string" ? info.reason : undefined;
}

/** The category Google's status name, details and wording give, refining core's status-based verdict. */
function googleCategory(status: number, detail: GoogleErrorDetail | undefined, base: ErrorCategory): ErrorCategory {
  if (!detail) return base;
  const name = detail.status ?? "";
  const message = detail.message ?? "";
  const reason = googleErrorReason(detail) ?? "";
  if (name === "RESOURCE_EXHAUSTED" || status === 429) {
    const violations = googleQuotaViolations(detail);
    if (violations.length > 0) return violations.some((id) => DAILY.test(id)) ? "quota_exhausted" : "rate_limit";
    return QUOTA_WORDING.test(message) ? "quota_exhausted" : "rate_limit";
  }
  if (name === "UNAUTHENTICATED" || name === "PERMISSION_DENIED" || status === 401 || status === 403) return "auth";
  if (API_KEY_WORDING.test(`${reason} ${message}`)) return "auth";
  if (name === "INTERNAL" || name === "UNAVAILABLE" || name === "DEADLINE_EXCEEDED" || status >= 500) return "server";
  if (name === "FAILED_PRECONDITION" || name === "INVALID_ARGUMENT" || status === 400) {
    if (TOKEN_WORDING.test(message)) return "context_length";
    if (LOCATION_WORDING.test(message) && !/enable billing/i.test(message)) return "auth";
    if (QUOTA_WORDING.test(message)) return "quota_exhausted";
  }
  if (name === "NOT_FOUND") return "invalid_request";
  return base;
}

/**
 * Classifies a failed Gemini response (status, lower-cased headers, raw or parsed body). See the module
 * comment for the Google-specific rules; anything they do not decide keeps core's classification.
 */
export function classifyGoogleError(status: number, headers: Record<string, string>, body: unknown, now: number): ErrorClassification {
  const base = classifyHttpError(status, headers, body, now);
  const detail = parseGoogleError(body);
  const category = googleCategory(status, detail, base.category);
  const retryAfterMs = parseRetryAfter(headers["retry-after"], now) ?? (detail ? googleRetryDelayMs(detail) : undefined);
  const code = detail?.status ?? base.code;
  return {
    category,
    retryable: category === base.category ? base.retryable : RETRYABLE.has(category),
    status,
    message: detail?.message ? detail.message.slice(0, 300) : base.message,
    ...(code !== undefined ? { code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

function buildError(
  result: ErrorClassification,
  detail: GoogleErrorDetail | undefined,
  context: GeminiErrorContext,
  what: string,
  extra: Record<string, unknown>,
): ProviderError {
  const violations = detail ? googleQuotaViolations(detail) : [];
  const reason = detail ? googleErrorReason(detail) : undefined;
  return new ProviderError({
    code: codeForCategory(result.category),
    category: result.category,
    retryable: result.retryable,
    message: formatMessage(`provider ${context.provider}`, `${what}: ${context.scrub(result.message)}`),
    provider: context.provider,
    ...(context.model !== undefined ? { model: context.model } : {}),
    ...(result.status !== undefined && extra.phase !== "stream" ? { status: result.status } : {}),
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    metadata: {
      ...extra,
      ...(result.code !== undefined ? { upstreamCode: result.code } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(violations.length > 0 ? { quotaViolations: violations } : {}),
    },
  });
}

/** The `ProviderError` of a non-2xx Gemini response; the message is scrubbed, headers are redacted. */
export function googleHttpError(status: number, headers: Record<string, string>, body: string, context: GeminiErrorContext, now: number): ProviderError {
  const result = classifyGoogleError(status, headers, body, now);
  const detail = parseGoogleError(body);
  const forModel = context.model ? ` for model ${context.model}` : "";
  const name = detail?.status ? ` ${detail.status}` : "";
  return buildError(result, detail, context, `HTTP ${status}${name}${forModel}`, { responseHeaders: redactHeaders(headers) });
}

/**
 * The `ProviderError` of an `{"error": {...}}` object received inside a 200 stream. Its `code` is the HTTP
 * status the failure would have had; without one the upstream failed mid-answer, which is a `server` error.
 */
export function googleStreamError(payload: unknown, context: GeminiErrorContext, now: number): ProviderError {
  const detail = parseGoogleError(payload);
  const status = detail?.code !== undefined && detail.code >= 400 && detail.code <= 599 ? detail.code : 500;
  let result = classifyGoogleError(status, {}, payload, now);
  if (detail?.code === undefined && result.category === "invalid_request") result = { ...result, category: "server", retryable: true };
  return buildError(result, detail, context, "error event inside the stream", { phase: "stream" });
}
