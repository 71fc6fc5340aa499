import {
  ProviderError,
  classifyHttpError,
  codeForCategory,
  extractErrorDetail,
  formatMessage,
  isModelMeshError,
  type ErrorCategory,
  type ErrorClassification,
  type RateLimitInfo,
} from "@modelmesh/core";
import { isSecretHeader, redactHeaders, errorIdentity, errorSource, invalidResponseError, unsupportedRequestError as unsupportedRequest } from "@modelmesh/cdk";

/**
 * Cohere errors → ModelMesh categories (docs/ARCHITECTURE.md §2.6). Core's `classifyHttpError` is the base;
 * this file refines it with Cohere's statuses and wording, the one place that does so for this connector. Pure:
 * no I/O. Reference: https://docs.cohere.com/reference/errors
 *
 * | HTTP | Cohere meaning | category |
 * |---|---|---|
 * | 400 | bad request ("too many tokens…" → context length; blocked output → content filter) | invalid_request / context_length / content_filter |
 * | 401, 403, 498 | unauthorized, forbidden, invalid token | auth |
 * | 402 | payment required (no billing method, spend limit) | quota_exhausted |
 * | 404, 422, 501 | not found, unprocessable entity, not implemented | invalid_request |
 * | 429 | too many requests; a trial key's monthly allowance is quota_exhausted | rate_limit / quota_exhausted |
 * | 499 | request closed before Cohere answered (e.g. by a gateway): the route is healthy | server, retryable |
 * | 500, 502, 503, 504 | internal error, unavailable, gateway timeout | server, retryable |
 */

/** Who raised an error and how to scrub upstream text (the provider's error context). */
export interface CohereErrorContext {
  provider?: string;
  model?: string;
  scrub?: (text: string) => string;
}

/** The connector id, used as the message prefix of errors raised before any provider context exists. */
export const COHERE_CONNECTOR_ID = "cohere.chat.v2";

/** A trial key's monthly allowance: `…limited to 1000 API calls / month…` (its text also says "rate limits"). */
const MONTHLY_WORDING = /\/\s*month\b|per month|monthly (limit|allowance)/i;
/** A per-minute window: `…limited to 20 API calls / minute…`. */
const MINUTE_WORDING = /\/\s*minute\b|per minute/i;
/** Billing wording. */
const QUOTA_WORDING = /billing|payment method|spend(ing)? limit|quota|credit/i;
/** Rate wording. */
const RATE_WORDING = /rate limit|too many requests/i;
/** `too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4203…`. */
const CONTEXT_WORDING = /too many tokens|exceeds? the (model's )?(maximum )?context|context (length|window)|prompt is too long|input is too long/i;
/** Output blocked by Cohere's safety modes. */
const CONTENT_WORDING = /blocked (by|due to) (the )?safety|unsafe content|content (filter|moderation|policy)/i;

/** Category of a Cohere status (with its message); undefined leaves core's classification as it is. */
export function classifyCohereStatus(status: number, message: string): { category: ErrorCategory; retryable: boolean } | undefined {
  switch (status) {
    case 400:
      if (CONTEXT_WORDING.test(message)) return { category: "context_length", retryable: false };
      if (CONTENT_WORDING.test(message)) return { category: "content_filter", retryable: false };
      return { category: "invalid_request", retryable: false };
    case 401:
    case 403:
    case 498:
      return { category: "auth", retryable: false };
    case 402:
      return { category: "quota_exhausted", retryable: false };
    case 404:
    case 422:
    case 501:
      return { category: "invalid_request", retryable: false };
    case 429:
      if (MONTHLY_WORDING.test(message)) return { category: "quota_exhausted", retryable: false };
      if (MINUTE_WORDING.test(message) || RATE_WORDING.test(message) || !QUOTA_WORDING.test(message)) return { category: "rate_limit", retryable: true };
      return { category: "quota_exhausted", retryable: false };
    case 499:
      return { category: "server", retryable: true };
    default:
      return undefined;
  }
}

/** The `{id, message}` of a Cohere error body (or of an OpenAI-style one from a gateway). */
function errorFields(body: unknown): { message: string; requestId?: string } {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  const detail = extractErrorDetail(value);
  const id = (value as { id?: unknown } | null)?.id;
  return { message: detail.message ?? "", ...(typeof id === "string" && id !== "" ? { requestId: id } : {}) };
}

/**
 * Builds the `ProviderError` of a non-2xx response: core's classification refined by
 * {@link classifyCohereStatus}; `Retry-After` becomes `retryAfterMs`; the metadata keeps the redacted response
 * headers and the request id (the body's `id`, else `x-debug-trace-id`).
 */
export function cohereHttpError(status: number, headers: Record<string, string>, body: string, context: CohereErrorContext, now: number): ProviderError {
  const base = classifyHttpError(status, headers, body, now);
  const fields = errorFields(body);
  const refined = classifyCohereStatus(status, fields.message);
  const category = refined?.category ?? base.category;
  const retryable = refined?.retryable ?? base.retryable;
  const scrub = context.scrub ?? ((text: string) => text);
  const forModel = context.model ? ` for model ${context.model}` : "";
  const reason = scrub(fields.message || base.message).slice(0, 300);
  const requestId = fields.requestId ?? headers["x-debug-trace-id"];
  return new ProviderError({
    code: codeForCategory(category),
    category,
    retryable,
    status,
    message: formatMessage(errorSource(context, COHERE_CONNECTOR_ID), `HTTP ${status}${forModel}: ${reason}`),
    ...errorIdentity(context),
    ...(base.retryAfterMs !== undefined ? { retryAfterMs: base.retryAfterMs } : {}),
    metadata: { responseHeaders: redactHeaders(headers), ...(requestId !== undefined ? { requestId } : {}) },
  });
}

/**
 * The error of a stream (or a 200 body) that reports a failure instead of an answer: a `message-end` whose
 * `finish_reason` is `ERROR` or `TIMEOUT` (with `delta.error`), or a JSON error body. The upstream failed
 * mid-answer through no fault of the request: `server`, retryable, unless the wording says otherwise.
 */
export function cohereStreamError(message: string, context: CohereErrorContext, phase: "stream" | "body", finishReason?: string): ProviderError {
  const scrub = context.scrub ?? ((text: string) => text);
  const refined = CONTEXT_WORDING.test(message)
    ? { category: "context_length" as const, retryable: false }
    : CONTENT_WORDING.test(message)
      ? { category: "content_filter" as const, retryable: false }
      : { category: "server" as const, retryable: true };
  const what = phase === "stream" ? "the stream ended with an error" : "error in a 200 response";
  return new ProviderError({
    code: codeForCategory(refined.category),
    category: refined.category,
    retryable: refined.retryable,
    message: formatMessage(errorSource(context, COHERE_CONNECTOR_ID), `${what}${finishReason ? ` (finish_reason ${finishReason})` : ""}: ${scrub(message || "no detail").slice(0, 300)}`),
    ...errorIdentity(context),
    metadata: { phase, ...(finishReason ? { upstreamCode: finishReason } : {}) },
  });
}

/**
 * Classifies an error object that carries an HTTP status (`statusCode`, as the official SDK's `CohereError`,
 * or `status`) and a Cohere error body (`body`, or `error`). Undefined for anything else (ModelMesh errors
 * included: they keep their own category).
 */
export function classifyCohereApiError(error: unknown, now: number): ErrorClassification | undefined {
  if (isModelMeshError(error) || typeof error !== "object" || error === null) return undefined;
  const record = error as { statusCode?: unknown; status?: unknown; body?: unknown; error?: unknown; rawResponse?: { headers?: unknown }; headers?: unknown };
  const status = typeof record.statusCode === "number" ? record.statusCode : record.status;
  if (typeof status !== "number" || status < 400) return undefined;
  const body = record.body ?? record.error;
  const text = typeof body === "string" ? body : JSON.stringify(body ?? {});
  const mapped = cohereHttpError(status, headerRecord(record.rawResponse?.headers ?? record.headers), text, {}, now);
  return {
    category: mapped.category,
    retryable: mapped.retryable,
    status,
    message: mapped.message,
    code: mapped.code,
    ...(mapped.retryAfterMs !== undefined ? { retryAfterMs: mapped.retryAfterMs } : {}),
  };
}

/** Headers of a foreign error (a `Headers` instance or a record), lower-cased, secrets dropped. */
function headerRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined || headers === null) return out;
  const entries: Iterable<[string, unknown]> =
    typeof (headers as Headers).entries === "function" ? (headers as Headers).entries() : Object.entries(headers as Record<string, unknown>);
  for (const [name, value] of entries) if (typeof value === "string" && !isSecretHeader(name)) out[name.toLowerCase()] = value;
  return out;
}

/** A request Cohere cannot express (`n > 1`, audio input, `logit_bias`…). Never retried. */
export function unsupportedRequestError(what: string, fix?: string): ProviderError {
  return unsupportedRequest(COHERE_CONNECTOR_ID, what, fix);
}

/** A 2xx body that is not the Cohere response it should be. */
export function invalidCohereResponse(what: string, context: CohereErrorContext, cause?: unknown): ProviderError {
  return invalidResponseError(what, context, cause, COHERE_CONNECTOR_ID);
}

/**
 * Reads Cohere's call-allowance headers into a `RateLimitInfo`: `x-trial-endpoint-call-limit` /
 * `-remaining` (trial keys, per endpoint and minute) as the request window. cdk already reads `x-ratelimit-*`
 * and `Retry-After`; these only fill what those left empty.
 */
export function readCohereRateLimits(headers: Record<string, string>): RateLimitInfo | undefined {
  const number = (name: string) => {
    const raw = headers[name];
    const value = raw === undefined ? NaN : Number(raw);
    return Number.isFinite(value) ? value : undefined;
  };
  const limit = number("x-trial-endpoint-call-limit");
  const remaining = number("x-trial-endpoint-call-remaining");
  if (limit === undefined && remaining === undefined) return undefined;
  return { ...(limit !== undefined ? { limitRequests: limit } : {}), ...(remaining !== undefined ? { remainingRequests: remaining } : {}) };
}


