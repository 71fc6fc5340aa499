import {
  ProviderError,
  classifyHttpError,
  codeForCategory,
  extractErrorDetail,
  formatMessage,
} from "@modelmesh/core";
import { redactText } from "../helpers/redact.js";
import { rawUpstreamText, sanitizeUpstreamText } from "../helpers/upstream-text.js";

/**
 * Errors raised while reading a chat stream. A stream error object has no HTTP status of its own (the
 * response was a 200), so its category is inferred from the vendor code and wording through core's
 * `classifyHttpError`.
 */

/** Context attached to stream errors. */
export interface StreamErrorContext {
  /** Provider instance id. */
  provider?: string;
  /** Model id. */
  model?: string;
  /** Makes upstream text fit for a message (secrets, URLs, addresses, header dumps removed; cut short). */
  scrub?: (text: string) => string;
  /** Removes secrets only, for the raw text kept in `metadata.upstreamBody`. */
  redact?: (text: string) => string;
}

/** Wording that makes core classify as a 429 (rate limit, or quota when the words say so). */
const RATE_WORDING = /rate[_ ]?limit|too many requests|throttl|quota|billing|insufficient[_ ]?(quota|funds|balance)/i;

/** Reads a numeric HTTP-like status from an error object (`{error: {code: 429}}`, `{status: 503}`). */
function statusOf(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const inner = typeof record.error === "object" && record.error !== null ? (record.error as Record<string, unknown>) : record;
  for (const candidate of [inner.status, inner.code, record.status, record.code]) {
    const n = typeof candidate === "number" ? candidate : typeof candidate === "string" && /^\d{3}$/.test(candidate) ? Number(candidate) : NaN;
    if (n >= 400 && n <= 599) return n;
  }
  return undefined;
}

/**
 * Classifies an error object received inside a 200 stream (`data: {"error": {...}}`, or an `event: error`).
 * A numeric code is used as the status; otherwise rate-limit or quota wording counts as 429, context-length and
 * content-filter wording keep their categories, and anything else is a `server` error (the upstream failed
 * mid-answer, which is not the caller's fault).
 */
export function streamErrorFromPayload(payload: unknown, context: StreamErrorContext, now: number): ProviderError {
  const detail = extractErrorDetail(payload);
  const text = `${detail.code ?? ""} ${detail.type ?? ""} ${detail.message ?? ""}`;
  const status = statusOf(payload) ?? (RATE_WORDING.test(text) ? 429 : 400);
  let result = classifyHttpError(status, {}, payload, now);
  if (statusOf(payload) === undefined && result.category === "invalid_request") {
    result = { ...result, category: "server", retryable: true };
  }
  // The whole upstream reason goes through the scrubber (secrets, URLs, addresses, header dumps; cut short).
  const scrub = context.scrub ?? ((text: string) => sanitizeUpstreamText(redactText(text)));
  const reason = detail.message ? scrub(detail.message) : "";
  const raw = typeof payload === "string" ? payload : safeJson(payload);
  return new ProviderError({
    code: codeForCategory(result.category),
    category: result.category,
    retryable: result.retryable,
    message: formatMessage(where(context), `error event inside the stream: ${reason === "" ? `HTTP ${status}` : reason}`),
    ...(context.provider !== undefined ? { provider: context.provider } : {}),
    ...(context.model !== undefined ? { model: context.model } : {}),
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    metadata: {
      phase: "stream",
      ...(result.code !== undefined ? { upstreamCode: result.code } : {}),
      ...(raw !== "" ? { upstreamBody: rawUpstreamText(raw, context.redact ?? redactText) } : {}),
    },
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/**
 * A stream broken by events whose payload is not valid JSON (or not a chunk): `count` is how many such events
 * it carried (the message says so when known). Never retried by the provider.
 */
export function malformedChunkError(context: StreamErrorContext, cause?: unknown, count?: number): ProviderError {
  const what =
    count === undefined
      ? "malformed event in the stream (not a JSON chat chunk)"
      : `${count} malformed event${count === 1 ? "" : "s"} in the stream (not JSON chat chunks): the stream is treated as broken`;
  return new ProviderError({
    code: "MM_INVALID_RESPONSE",
    category: "stream_interrupted",
    retryable: false,
    message: formatMessage(where(context), what),
    ...(context.provider !== undefined ? { provider: context.provider } : {}),
    ...(context.model !== undefined ? { model: context.model } : {}),
    ...(cause !== undefined ? { cause } : {}),
    metadata: { phase: "stream", ...(count !== undefined ? { malformedEvents: count } : {}) },
  });
}

/** The body ended without `[DONE]` and before any `finish_reason`: the answer is incomplete. */
export function truncatedStreamError(context: StreamErrorContext): ProviderError {
  return new ProviderError({
    code: "MM_STREAM_INTERRUPTED",
    category: "stream_interrupted",
    retryable: false,
    message: formatMessage(where(context), "stream ended without [DONE] and without finish_reason"),
    ...(context.provider !== undefined ? { provider: context.provider } : {}),
    ...(context.model !== undefined ? { model: context.model } : {}),
    metadata: { phase: "stream" },
  });
}

/**
 * A stream timer fired: time to first token, or the gap between two events. `pendingBytes` (bytes received
 * since the last complete event) tells a silent upstream from one still sending an event that never ends.
 */
export function streamTimeoutError(kind: "first-token" | "idle", timeoutMs: number, context: StreamErrorContext, pendingBytes = 0): ProviderError {
  const unfinished = pendingBytes > 0 ? `, though ${pendingBytes} bytes of an unfinished event arrived (an event that never ends, or one sent too slowly)` : "";
  const what =
    kind === "first-token"
      ? `no first token within ${timeoutMs} ms${unfinished}`
      : pendingBytes > 0
        ? `no complete event for ${timeoutMs} ms${unfinished}`
        : `stream stalled: no event for ${timeoutMs} ms`;
  return new ProviderError({
    code: kind === "first-token" ? "MM_TIMEOUT_FIRST_TOKEN" : "MM_TIMEOUT_IDLE",
    category: "timeout",
    retryable: false,
    message: formatMessage(where(context), what),
    ...(context.provider !== undefined ? { provider: context.provider } : {}),
    ...(context.model !== undefined ? { model: context.model } : {}),
    metadata: { phase: "stream", timeoutMs, ...(pendingBytes > 0 ? { pendingBytes } : {}) },
  });
}

/** Formats a byte count for messages: `1MB`, `512KB`, `300B` (binary multiples, like config sizes). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}KB`;
  return `${bytes}B`;
}

/**
 * The upstream sent more than a size limit allows: a non-streamed `body` past `max_response_size`, or one
 * stream `event` (or line) past `max_event_size` (`providers.<name>.limits`). Reading stopped at the limit.
 * Category `server` (an upstream fault: the router fails over), not retried on the same route.
 */
export function responseTooLargeError(kind: "body" | "event", limitBytes: number, context: StreamErrorContext): ProviderError {
  const what =
    kind === "body"
      ? `the response body is larger than ${formatSize(limitBytes)}; reading stopped at the limit`
      : `a stream event is larger than ${formatSize(limitBytes)}; reading stopped at the limit`;
  const key = kind === "body" ? "max_response_size" : "max_event_size";
  return new ProviderError({
    code: "MM_RESPONSE_TOO_LARGE",
    category: "server",
    retryable: false,
    message: formatMessage(where(context), what, `Raise providers.${context.provider ?? "<name>"}.limits.${key} if the upstream is trusted to send that much`),
    ...(context.provider !== undefined ? { provider: context.provider } : {}),
    ...(context.model !== undefined ? { model: context.model } : {}),
    metadata: { phase: kind === "body" ? "body" : "stream", limitBytes },
  });
}

function where(context: StreamErrorContext): string {
  return context.provider !== undefined ? `provider ${context.provider}` : "stream";
}
