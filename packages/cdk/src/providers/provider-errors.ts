import {
  LOCAL_RESOURCE_RETRY_AFTER_MS,
  ProviderError,
  classifyHttpError,
  codeForCategory,
  extractErrorDetail,
  formatMessage,
  isModelMeshError,
  type ErrorClassification,
} from "@modelmesh/core";
import { redactText } from "../helpers/redact.js";
import { rawUpstreamText } from "../helpers/upstream-text.js";
import { redactHeaders } from "../transport/redact-headers.js";
import { classifyLowLevelError, describeTransportFailure, isAbortLike, transportFailureOf } from "../transport/transport-errors.js";

/**
 * Error construction and classification for providers. HTTP failures go through core's `classifyHttpError`;
 * this file only chooses codes, writes secret-free messages and attaches redacted metadata.
 */

/** Who raised an error, and how to scrub upstream text. */
export interface ErrorContext {
  provider: string;
  model?: string;
  /**
   * Makes upstream text fit for a message: removes secret values (the API key), then URLs, addresses and
   * header dumps, and cuts it short (`helpers/upstream-text.ts`).
   */
  scrub: (text: string) => string;
  /** Removes secret values only, for the raw text kept in `metadata.upstreamBody`. Default: key shapes. */
  redact?: (text: string) => string;
}

/**
 * The upstream's reason for a message: the error detail of a JSON body (or the raw text), through the
 * context's scrubber, never empty. `fallback` is used when nothing readable is left.
 */
export function upstreamReason(body: unknown, context: Pick<ErrorContext, "scrub">, fallback: string): string {
  const detail = typeof body === "string" && !isJson(body) ? body : extractErrorDetail(body).message;
  const text = detail === undefined || detail === "" ? "" : context.scrub(detail);
  return text === "" ? fallback : text;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the `ProviderError` of a non-2xx response. The message quotes the upstream reason, scrubbed of
 * secrets, URLs, addresses and header dumps and cut to 300 characters; the metadata holds the redacted raw
 * body (at most 64 KB, for logs), the redacted response headers and the vendor code; request headers are
 * never attached.
 */
export function httpStatusError(status: number, headers: Record<string, string>, body: string, context: ErrorContext, now: number): ProviderError {
  const result = classifyHttpError(status, headers, body, now);
  const forModel = context.model ? ` for model ${context.model}` : "";
  return new ProviderError({
    code: codeForCategory(result.category),
    category: result.category,
    retryable: result.retryable,
    status,
    message: formatMessage(`provider ${context.provider}`, `HTTP ${status}${forModel}: ${upstreamReason(body, context, `HTTP ${status}`)}`),
    provider: context.provider,
    ...(context.model !== undefined ? { model: context.model } : {}),
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    metadata: {
      responseHeaders: redactHeaders(headers),
      ...(result.code !== undefined ? { upstreamCode: result.code } : {}),
      ...(body !== "" ? { upstreamBody: rawUpstreamText(body, context.redact ?? redactText) } : {}),
    },
  });
}


/** Who raised an error when there may be no provider yet (a native connector's mapping code). */
export interface ErrorSource {
  provider?: string;
  model?: string;
}

/** The prefix of an error's message: `provider <name>` once there is a provider, else the connector id. */
export function errorSource(context: ErrorSource, connectorId: string): string {
  return context.provider !== undefined ? `provider ${context.provider}` : connectorId;
}

/** The `provider` and `model` fields of an error raised in `context` (absent ones left out). */
export function errorIdentity(context: ErrorSource): { provider?: string; model?: string } {
  return { ...(context.provider !== undefined ? { provider: context.provider } : {}), ...(context.model !== undefined ? { model: context.model } : {}) };
}

/**
 * A 2xx response whose body is not what the protocol promises (bad JSON, missing fields). `connectorId` names
 * the source when the context has no provider yet.
 */
export function invalidResponseError(what: string, context: ErrorSource, cause?: unknown, connectorId = "provider"): ProviderError {
  return new ProviderError({
    code: "MM_INVALID_RESPONSE",
    category: "server",
    retryable: false,
    message: formatMessage(errorSource(context, connectorId), `invalid response: ${what}`),
    ...errorIdentity(context),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** A request the connector's protocol cannot express (a remote image where bytes are needed, `n > 1`…). Never retried. */
export function unsupportedRequestError(connectorId: string, what: string, fix?: string): ProviderError {
  return new ProviderError({ code: "MM_INVALID_REQUEST", category: "invalid_request", retryable: false, message: formatMessage(connectorId, what, fix) });
}

/** A non-streamed response did not complete within the attempt's budget. */
export function responseTimeoutError(timeoutMs: number, context: ErrorContext): ProviderError {
  return new ProviderError({
    code: "MM_TIMEOUT_RESPONSE",
    category: "timeout",
    retryable: false,
    message: formatMessage(`provider ${context.provider}`, `no complete response within ${timeoutMs} ms`),
    provider: context.provider,
    ...(context.model !== undefined ? { model: context.model } : {}),
    metadata: { timeoutMs },
  });
}

/**
 * Returns `error` with `provider` / `model` filled in when it is a `ProviderError` raised below the provider
 * (by a transport or the stream layer) without them. A transport error's message, which names only the phase
 * and the system code (`[modelmesh] [transport] request failed (ECONNREFUSED)`), is re-worded to name the
 * provider and the model (`[modelmesh] [provider p0] request to model gpt-4o failed (ECONNREFUSED)`); its URL
 * stays in `metadata.url`, for logs. Anything else is returned unchanged.
 */
export function withProviderContext(error: unknown, context: ErrorContext): unknown {
  if (!ProviderError.is(error) || (error.provider !== undefined && (error.model !== undefined || context.model === undefined))) return error;
  const model = error.model ?? context.model;
  const transport = error.provider === undefined ? transportFailureOf(error.metadata) : undefined;
  let message = error.message;
  if (transport) {
    const { what, fix } = describeTransportFailure(transport, model !== undefined ? `model ${model}` : undefined);
    message = formatMessage(`provider ${context.provider}`, what, fix);
  }
  return new ProviderError({
    name: error.name,
    code: error.code,
    category: error.category,
    retryable: error.retryable,
    message,
    provider: error.provider ?? context.provider,
    ...((error.model ?? context.model) !== undefined ? { model: (error.model ?? context.model) as string } : {}),
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    ...(error.cause !== undefined ? { cause: error.cause } : {}),
    metadata: error.metadata,
  });
}

/**
 * Classifies any error into a routing category (docs/ARCHITECTURE.md §2.6):
 * ModelMesh errors keep their category; `AbortError` / `TimeoutError` and timer codes are `timeout`; socket,
 * DNS and TLS codes (and fetch's `TypeError`s) are `network`; objects with an HTTP `status` go through core's
 * classifier; anything else is `internal` and not retryable.
 */
export function classifyAnyError(error: unknown, now: number): ErrorClassification {
  if (isModelMeshError(error)) {
    return {
      category: error.category,
      retryable: error.retryable,
      message: error.message,
      code: error.code,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isAbortLike(error)) return { category: "timeout", retryable: false, message, code: "MM_ABORTED" };
  const low = classifyLowLevelError(error);
  if (low) {
    return {
      category: low.category,
      retryable: low.category === "network",
      message,
      code: low.code,
      ...(low.category === "internal" ? { retryAfterMs: LOCAL_RESOURCE_RETRY_AFTER_MS } : {}),
    };
  }
  const status = statusOf(error);
  if (status !== undefined) {
    const record = error as { headers?: unknown; body?: unknown; responseBody?: unknown };
    const headers = isStringRecord(record.headers) ? redactHeaders(record.headers) : {};
    return classifyHttpError(status, headers, record.body ?? record.responseBody ?? message, now);
  }
  return { category: "internal", retryable: false, message };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as { status?: unknown; statusCode?: unknown };
  const status = typeof record.status === "number" ? record.status : record.statusCode;
  return typeof status === "number" && status >= 100 && status <= 599 ? status : undefined;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && Object.values(value).every((v) => typeof v === "string");
}
