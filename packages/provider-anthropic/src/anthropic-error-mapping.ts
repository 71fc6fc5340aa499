import {
  ProviderError,
  classifyHttpError,
  codeForCategory,
  extractErrorDetail,
  formatMessage,
  parseRetryAfter,
  isModelMeshError,
  type ErrorCategory,
  type ErrorClassification,
  type RateLimitInfo,
} from "@modelmesh/core";
import { isSecretHeader, redactHeaders, errorIdentity, errorSource, invalidResponseError, unsupportedRequestError as unsupportedRequest } from "@modelmesh/cdk";

/**
 * Anthropic errors → ModelMesh categories (docs/ARCHITECTURE.md §2.6), and `anthropic-ratelimit-*` headers →
 * `RateLimitInfo`. Pure: no I/O. Reference: https://docs.anthropic.com/en/api/errors and
 * https://docs.anthropic.com/en/api/rate-limits#response-headers
 */

/** Who raised an error and how to scrub upstream text (the provider's error context). */
export interface AnthropicErrorContext {
  provider?: string;
  model?: string;
  scrub?: (text: string) => string;
}

/** The connector id, used as the message prefix of errors raised before any provider context exists. */
export const ANTHROPIC_CONNECTOR_ID = "anthropic.claude.v1";

/**
 * Billing, credit and spend-limit wording. Anthropic reports an empty prepaid balance as a 400
 * `invalid_request_error` ("Your credit balance is too low…") and a reached workspace spend limit as a 400 or
 * 429 ("…reached your specified API usage limits"): neither is fixed by retrying, so both are quota.
 */
const QUOTA_WORDING = /credit balance|billing|purchase credits|spend(ing)? limit|usage limits?|quota|plans? & billing/i;
/** "prompt is too long: 210345 tokens > 200000 maximum" and "input length and `max_tokens` exceed context limit". */
const CONTEXT_WORDING = /prompt is too long|exceed(s|ed)? (the )?context (limit|window)|context length|context window|maximum context/i;
/** "Output blocked by content filtering policy" (and OpenAI-style wording from compatible gateways). */
const CONTENT_WORDING = /content filtering|content[_ ]policy|blocked by .*polic|safety system/i;
/** The 400 a model that refuses assistant prefill sends for a conversation ending with an assistant turn. */
const PREFILL_WORDING = /prefill|final assistant content|conversation must end with a user message/i;

/** Category of an Anthropic error `type` (with its message), or undefined for a type we do not know. */
export function classifyAnthropicErrorType(type: string | undefined, message: string): { category: ErrorCategory; retryable: boolean } | undefined {
  switch (type) {
    case "overloaded_error": // 529: Anthropic is temporarily overloaded; the same route recovers soon.
    case "api_error": // 500: unexpected internal error.
    case "timeout_error": // 504
      return { category: "server", retryable: true };
    case "rate_limit_error":
      return QUOTA_WORDING.test(message) ? { category: "quota_exhausted", retryable: false } : { category: "rate_limit", retryable: true };
    case "billing_error": // 402
      return { category: "quota_exhausted", retryable: false };
    case "authentication_error": // 401
    case "permission_error": // 403
      return { category: "auth", retryable: false };
    case "not_found_error": // 404
    case "request_too_large": // 413: the body is over the byte limit (not the token limit)
      return { category: "invalid_request", retryable: false };
    case "invalid_request_error": {
      if (CONTEXT_WORDING.test(message)) return { category: "context_length", retryable: false };
      if (CONTENT_WORDING.test(message)) return { category: "content_filter", retryable: false };
      if (QUOTA_WORDING.test(message)) return { category: "quota_exhausted", retryable: false };
      return { category: "invalid_request", retryable: false };
    }
    default:
      return undefined;
  }
}

/** The `{type, message}` of an Anthropic error envelope, or of an OpenAI-style one from a gateway. */
function errorFields(body: unknown): { type?: string; message: string; requestId?: string } {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  const detail = extractErrorDetail(value);
  const requestId = typeof (value as { request_id?: unknown })?.request_id === "string" ? (value as { request_id: string }).request_id : undefined;
  return { ...(detail.type !== undefined ? { type: detail.type } : {}), message: detail.message ?? "", ...(requestId ? { requestId } : {}) };
}

/**
 * Builds the `ProviderError` of a non-2xx response. The Anthropic error `type` decides the category when it
 * is known (529 `overloaded_error` → server); otherwise core's status/wording classifier does. `Retry-After`
 * becomes `retryAfterMs`; the metadata keeps the redacted response headers, the vendor type and request id,
 * and `prefillRejected: true` when the model refused an assistant prefill.
 */
export function anthropicHttpError(status: number, headers: Record<string, string>, body: string, context: AnthropicErrorContext, now: number): ProviderError {
  const base = classifyHttpError(status, headers, body, now);
  const fields = errorFields(body);
  const refined = status === 529 ? { category: "server" as const, retryable: true } : classifyAnthropicErrorType(fields.type, fields.message);
  const category = refined?.category ?? base.category;
  const retryable = refined?.retryable ?? base.retryable;
  const scrub = context.scrub ?? ((text: string) => text);
  const forModel = context.model ? ` for model ${context.model}` : "";
  const reason = scrub(fields.message || base.message).slice(0, 300);
  const requestId = fields.requestId ?? headers["request-id"];
  return new ProviderError({
    code: codeForCategory(category),
    category,
    retryable,
    status,
    message: formatMessage(errorSource(context, ANTHROPIC_CONNECTOR_ID), `HTTP ${status}${forModel}: ${fields.type ? `${fields.type}: ` : ""}${reason}`),
    ...errorIdentity(context),
    ...(base.retryAfterMs !== undefined ? { retryAfterMs: base.retryAfterMs } : {}),
    metadata: {
      responseHeaders: redactHeaders(headers),
      ...(fields.type !== undefined ? { upstreamCode: fields.type } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
      ...(status === 400 && PREFILL_WORDING.test(fields.message) ? { prefillRejected: true } : {}),
    },
  });
}

/** Status an Anthropic error type stands for, used when a stream error event has no HTTP status of its own. */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * Classifies an `event: error` received inside a 200 stream (`{"type":"error","error":{"type":
 * "overloaded_error",…}}`), or an error envelope in a 200 body (`phase: "body"`). The error type stands in for
 * the missing status; an unknown type is a `server` error, since the upstream failed mid-answer through no
 * fault of the request.
 */
export function anthropicStreamError(payload: unknown, context: AnthropicErrorContext, now: number, phase: "stream" | "body" = "stream"): ProviderError {
  const fields = errorFields(payload);
  const status = (fields.type && STATUS_BY_TYPE[fields.type]) || 500;
  const classified = classifyAnthropicErrorType(fields.type, fields.message) ?? { category: "server" as const, retryable: true };
  const base = classifyHttpError(status, {}, payload, now);
  const scrub = context.scrub ?? ((text: string) => text);
  return new ProviderError({
    code: codeForCategory(classified.category),
    category: classified.category,
    retryable: classified.retryable,
    message: formatMessage(errorSource(context, ANTHROPIC_CONNECTOR_ID), `${phase === "stream" ? "error event inside the stream" : "error body in a 200 response"}: ${fields.type ?? "error"}: ${scrub(fields.message || base.message).slice(0, 300)}`),
    ...errorIdentity(context),
    metadata: { phase, ...(fields.type !== undefined ? { upstreamCode: fields.type } : {}), ...(fields.requestId ? { requestId: fields.requestId } : {}) },
  });
}

/**
 * Classifies an error object that carries an HTTP `status` and an Anthropic error body in `error` — such as
 * the official SDK's `APIError` — by its Anthropic error type. Undefined for anything else (ModelMesh errors
 * included: they keep their own category).
 */
export function classifyAnthropicApiError(error: unknown, now: number): ErrorClassification | undefined {
  const status = (error as { status?: unknown })?.status;
  const body = (error as { error?: unknown })?.error;
  if (isModelMeshError(error) || typeof status !== "number" || status < 400 || typeof body !== "object" || body === null) return undefined;
  const mapped = anthropicHttpError(status, headerRecord((error as { headers?: unknown }).headers), JSON.stringify(body), {}, now);
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
  const entries: Iterable<[string, unknown]> =
    typeof (headers as Headers)?.entries === "function" ? (headers as Headers).entries() : Object.entries((headers as Record<string, unknown>) ?? {});
  for (const [name, value] of entries) if (typeof value === "string" && !isSecretHeader(name)) out[name.toLowerCase()] = value;
  return out;
}

/** A request the Anthropic API cannot express (bad image URL, `n > 1`, audio input…). Never retried. */
export function unsupportedRequestError(what: string, fix?: string): ProviderError {
  return unsupportedRequest(ANTHROPIC_CONNECTOR_ID, what, fix);
}

/** A 2xx body that is not a Messages API response. */
export function invalidAnthropicResponse(what: string, context: AnthropicErrorContext, cause?: unknown): ProviderError {
  return invalidResponseError(what, context, cause, ANTHROPIC_CONNECTOR_ID);
}

/** The four header groups Anthropic sends; `tokens` is the most restrictive token limit in effect. */
const GROUPS = ["requests", "tokens", "input-tokens", "output-tokens"] as const;

/**
 * Reads `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}` (resets are
 * RFC 3339 timestamps) and `retry-after` (seconds) into a `RateLimitInfo`. `RateLimitInfo` has one token
 * window, so `tokens-*` is used when present and `input-tokens-*` (what a prompt spends) otherwise.
 */
export function readAnthropicRateLimits(headers: Record<string, string>, now: number): RateLimitInfo | undefined {
  const read = (group: (typeof GROUPS)[number]) => {
    const number = (name: string) => {
      const raw = headers[`anthropic-ratelimit-${group}-${name}`];
      const value = raw === undefined ? NaN : Number(raw);
      return Number.isFinite(value) ? value : undefined;
    };
    const resetRaw = headers[`anthropic-ratelimit-${group}-reset`];
    const resetAt = resetRaw === undefined ? NaN : Date.parse(resetRaw);
    return { limit: number("limit"), remaining: number("remaining"), resetMs: Number.isNaN(resetAt) ? undefined : Math.max(0, resetAt - now) };
  };
  const requests = read("requests");
  const tokens = read("tokens");
  const tokenGroup = tokens.limit !== undefined || tokens.remaining !== undefined ? tokens : read("input-tokens");
  const info: RateLimitInfo = {
    limitRequests: requests.limit,
    remainingRequests: requests.remaining,
    resetRequestsMs: requests.resetMs,
    limitTokens: tokenGroup.limit,
    remainingTokens: tokenGroup.remaining,
    resetTokensMs: tokenGroup.resetMs,
    retryAfterMs: parseRetryAfter(headers["retry-after"], now),
  };
  for (const key of Object.keys(info) as (keyof RateLimitInfo)[]) if (info[key] === undefined) delete info[key];
  return Object.keys(info).length > 0 ? info : undefined;
}


