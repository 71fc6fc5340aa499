import type { ErrorClassification, RateLimitInfo } from "../connectors/provider.js";

/**
 * Shared HTTP error classification (docs/ARCHITECTURE.md §2.6). Providers call it with the status, headers and body
 * of a failed response; vendor families refine the result for their own error shapes.
 */

const QUOTA_WORDING = /quota|billing|insufficient[_ ]?(quota|funds|balance)|credit balance|exceeded your current|daily limit|monthly limit|per day/i;
const QUOTA_CODES = /insufficient_quota|quota_exceeded|billing|credit|spend_limit/i;
const RATE_CODES = /rate_limit|too_many_requests|requests_per_minute/i;
const RATE_WORDING = /rate limit|per min|per minute|\b[RT]PM\b|try again in|too many requests|slow down/i;
const CONTEXT_WORDING = /context[_ ]length[_ ]exceeded|maximum context length|context window|too many tokens|prompt is too long|input is too long|reduce the length/i;
const CONTENT_WORDING = /content[_ ]policy[_ ]violation|content[_ ]filter|safety system|flagged|responsible ai policy/i;

/** Parses `Retry-After` (delta-seconds or HTTP-date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Parses a reset duration like `1s`, `6m0s`, `20ms`, `1h2m3.5s` or plain seconds into milliseconds. */
export function parseResetDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const pattern = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(pattern)) {
    const amount = Number(match[1]);
    const unit = match[2];
    total += unit === "h" ? amount * 3_600_000 : unit === "m" ? amount * 60_000 : unit === "s" ? amount * 1000 : amount;
    consumed += match[0].length;
  }
  return consumed === trimmed.length ? Math.round(total) : undefined;
}

function numberHeader(headers: Record<string, string>, name: string): number | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** The headers {@link readRateLimitHeaders} reads. */
const RATE_LIMIT_HEADERS = [
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
  "retry-after-ms",
  "retry-after",
] as const;

/** Reads `x-ratelimit-*` and `Retry-After` headers (lower-cased names) into a RateLimitInfo. */
export function readRateLimitHeaders(headers: Record<string, string>, now: number): RateLimitInfo | undefined {
  // Most responses carry none of them: nothing to parse or allocate (this runs on every response).
  let present = false;
  for (let i = 0; i < RATE_LIMIT_HEADERS.length; i++) {
    if (headers[RATE_LIMIT_HEADERS[i]!] !== undefined) {
      present = true;
      break;
    }
  }
  if (!present) return undefined;
  // Only the fields found, in this order.
  const info: RateLimitInfo = {};
  const limitRequests = numberHeader(headers, "x-ratelimit-limit-requests");
  if (limitRequests !== undefined) info.limitRequests = limitRequests;
  const remainingRequests = numberHeader(headers, "x-ratelimit-remaining-requests");
  if (remainingRequests !== undefined) info.remainingRequests = remainingRequests;
  const resetRequestsMs = parseResetDuration(headers["x-ratelimit-reset-requests"]);
  if (resetRequestsMs !== undefined) info.resetRequestsMs = resetRequestsMs;
  const limitTokens = numberHeader(headers, "x-ratelimit-limit-tokens");
  if (limitTokens !== undefined) info.limitTokens = limitTokens;
  const remainingTokens = numberHeader(headers, "x-ratelimit-remaining-tokens");
  if (remainingTokens !== undefined) info.remainingTokens = remainingTokens;
  const resetTokensMs = parseResetDuration(headers["x-ratelimit-reset-tokens"]);
  if (resetTokensMs !== undefined) info.resetTokensMs = resetTokensMs;
  const retryAfterMs = parseRetryAfter(headers["retry-after-ms"] !== undefined ? String(Number(headers["retry-after-ms"]) / 1000) : headers["retry-after"], now);
  if (retryAfterMs !== undefined) info.retryAfterMs = retryAfterMs;
  return Object.keys(info).length > 0 ? info : undefined;
}

/** Extracts `{error: {message, code, type}}` (OpenAI style) or similar from a parsed or raw body. */
export function extractErrorDetail(body: unknown): { message?: string; code?: string; type?: string } {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  if (typeof value !== "object" || value === null) return {};
  const record = value as Record<string, unknown>;
  const inner = (typeof record.error === "object" && record.error !== null ? record.error : record) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
  return {
    message: str(inner.message) ?? str(record.message) ?? (typeof record.error === "string" ? record.error : undefined),
    code: str(inner.code) ?? str(inner.status),
    type: str(inner.type),
  };
}

/**
 * Classifies a failed HTTP response. `body` may be the raw text or parsed JSON.
 * 429 is a rate limit unless its wording says quota/billing; 402 is quota; 401/403 auth; 5xx and 529 server;
 * 408/425 server-side timeouts count as server; 400 splits into context length, content filter and invalid
 * request by vendor code or wording; 404/409/413/422 are invalid requests.
 */
export function classifyHttpError(status: number, headers: Record<string, string>, body: unknown, now: number): ErrorClassification {
  const detail = extractErrorDetail(body);
  const text = `${detail.code ?? ""} ${detail.type ?? ""} ${detail.message ?? ""}`;
  const retryAfterMs = headers["retry-after-ms"] !== undefined && Number.isFinite(Number(headers["retry-after-ms"])) ? Number(headers["retry-after-ms"]) : parseRetryAfter(headers["retry-after"], now);
  const message = detail.message ? detail.message.slice(0, 300) : `HTTP ${status}`;
  const base = { status, code: detail.code ?? detail.type, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  if (status === 429) {
    // A vendor code decides first; then rate wording (per-minute windows, "try again in") beats quota wording,
    // because many vendors mention billing or plans in every 429.
    const code = `${detail.code ?? ""} ${detail.type ?? ""}`;
    if (QUOTA_CODES.test(code)) return { ...base, category: "quota_exhausted", retryable: false };
    if (RATE_CODES.test(code) || RATE_WORDING.test(detail.message ?? "")) return { ...base, category: "rate_limit", retryable: true };
    if (QUOTA_WORDING.test(text)) return { ...base, category: "quota_exhausted", retryable: false };
    return { ...base, category: "rate_limit", retryable: true };
  }
  if (status === 402) return { ...base, category: "quota_exhausted", retryable: false };
  if (status === 401 || status === 403) {
    if (status === 403 && QUOTA_WORDING.test(text)) return { ...base, category: "quota_exhausted", retryable: false };
    return { ...base, category: "auth", retryable: false };
  }
  if (status >= 500 || status === 408 || status === 425) return { ...base, category: "server", retryable: true };
  if (CONTEXT_WORDING.test(text)) return { ...base, category: "context_length", retryable: false };
  if (CONTENT_WORDING.test(text)) return { ...base, category: "content_filter", retryable: false };
  return { ...base, category: "invalid_request", retryable: false };
}
