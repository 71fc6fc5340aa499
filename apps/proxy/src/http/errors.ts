/**
 * OpenAI-style error bodies and HTTP statuses. Core errors are classified once, by category (docs/errors.md);
 * this file only maps a category (and a few stable codes) to what an OpenAI client expects, and makes the
 * message safe to send (shortened, no addresses, no secrets).
 */
import { isModelMeshError, type ModelMeshError } from "@modelmesh/core";
import { scrubSecrets } from "@modelmesh/cdk";
import { MAX_CLIENT_MESSAGE } from "../limits.js";

/** The `error` object of an OpenAI error body, plus the ModelMesh code for machine matching. */
export interface OpenAIErrorObject {
  message: string;
  /** OpenAI error type (`invalid_request_error`, `rate_limit_error`, `server_error`, …). */
  type: string;
  param: string | null;
  /** Snake_case code (`context_length_exceeded`, `rate_limit_exceeded`, `no_candidates`, …). */
  code: string;
  /** The stable ModelMesh code (`MM_…`) or a proxy code (`PROXY_…`). */
  modelmesh_code: string;
}

/** A complete error answer: status, extra headers and body. */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { error: OpenAIErrorObject };
}

/** An error raised by the proxy itself (auth, limits, bad bodies, unknown paths). */
export class ProxyHttpError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** OpenAI error type. */
  readonly type: string;
  /** Snake_case code. */
  readonly code: string;
  /** Seconds for `Retry-After`, when the client should come back later. */
  readonly retryAfterSeconds: number | undefined;
  /** True when the connection must be closed after the answer (e.g. an unread oversized body). */
  readonly closeConnection: boolean;

  constructor(status: number, type: string, code: string, message: string, options: { retryAfterSeconds?: number; closeConnection?: boolean } = {}) {
    super(message);
    this.name = "ModelMeshProxyError";
    this.status = status;
    this.type = type;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.closeConnection = options.closeConnection ?? false;
  }
}

interface Mapping {
  status: number;
  type: string;
  code: string;
}

/** Category → status/type/code. Upstream `auth` is the proxy's problem, not the client's: 502. */
function mapCategory(error: ModelMeshError): Mapping {
  switch (error.category) {
    case "invalid_request":
      if (error.code === "MM_UNKNOWN_MODEL") return { status: 404, type: "invalid_request_error", code: "model_not_found" };
      if (error.code === "MM_AMBIGUOUS_NAME") return { status: 400, type: "invalid_request_error", code: "ambiguous_model" };
      if (error.code === "MM_NOT_SUPPORTED") return { status: 400, type: "invalid_request_error", code: "not_supported" };
      return { status: clientStatus(error.status), type: "invalid_request_error", code: "invalid_request" };
    case "context_length":
      return { status: 400, type: "invalid_request_error", code: "context_length_exceeded" };
    case "content_filter":
      return { status: 400, type: "invalid_request_error", code: "content_filter" };
    case "routing":
      if (error.code === "MM_NO_CANDIDATES") return { status: error.status === 400 ? 400 : 503, type: error.status === 400 ? "invalid_request_error" : "server_error", code: "no_candidates" };
      return { status: 503, type: "server_error", code: "no_route_available" };
    case "rate_limit":
      return { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded" };
    case "quota_exhausted":
      return { status: 429, type: "insufficient_quota", code: "insufficient_quota" };
    case "timeout":
      return { status: 504, type: "server_error", code: error.code === "MM_DEADLINE_EXCEEDED" ? "deadline_exceeded" : "upstream_timeout" };
    case "auth":
      return { status: 502, type: "server_error", code: "upstream_auth_failed" };
    case "server":
      return { status: 502, type: "server_error", code: "upstream_error" };
    case "network":
      return { status: 502, type: "server_error", code: "upstream_unreachable" };
    case "stream_interrupted":
      return { status: 502, type: "server_error", code: "stream_interrupted" };
    case "cancelled":
      return { status: 499, type: "invalid_request_error", code: "client_closed_request" };
    case "config":
      return { status: 500, type: "server_error", code: "config_error" };
    case "internal":
      // This host ran out of file descriptors, ports or buffers (docs/errors.md): not the upstream's fault, and
      // over soon; the error carries a retryAfterMs, sent as Retry-After.
      if (error.code === "MM_LOCAL_RESOURCE") return { status: 503, type: "server_error", code: "local_resource_exhausted" };
      // The shared state store (Redis) is unreachable (docs/errors.md, MM_STORE_UNAVAILABLE): also this side's, not the upstream's.
      if (error.code === "MM_STORE_UNAVAILABLE") return { status: 503, type: "server_error", code: "state_store_unavailable" };
      return { status: 500, type: "server_error", code: "internal_error" };
    default:
      return { status: 500, type: "server_error", code: "internal_error" };
  }
}

/** An upstream 4xx that is still the caller's (404, 422, …) keeps its status; anything else becomes 400. */
function clientStatus(status: number | undefined): number {
  if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429) return status;
  return 400;
}

/** URLs (any scheme), IPv4 / bracketed-IPv6 / bare-IPv6 addresses with or without a port, and `name:port`. */
const ADDRESS_PATTERNS: readonly RegExp[] = [
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*[^\s"'<>`.,;:!?)\]}]/gi,
  /\[[0-9a-f]*:[0-9a-f:.]*\](?::\d{1,5})?/gi,
  /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])/g,
  /(?<![\w:.])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])/gi,
  /(?<![\w:.])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?(?![\w:])/gi,
  /\b(?:localhost|(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*):\d{1,5}\b/gi,
];

/**
 * The message a client may see: secrets (the given values, bearer tokens, vendor key shapes) masked, anything
 * that looks like a URL or a network address replaced by `[address]`, and at most {@link MAX_CLIENT_MESSAGE}
 * characters (an ellipsis marks the cut). Upstream error texts can carry header dumps and internal
 * addresses; the full text belongs in the log line only (see {@link logMessage}).
 */
export function clientMessage(message: string, secrets: readonly string[] = []): string {
  let out = scrubSecrets(message, secrets);
  for (const pattern of ADDRESS_PATTERNS) out = out.replace(pattern, "[address]");
  return out.length > MAX_CLIENT_MESSAGE ? `${out.slice(0, MAX_CLIENT_MESSAGE)}…` : out;
}

/** The full message for a log line: not shortened, addresses kept, secrets masked. */
export function logMessage(message: string, secrets: readonly string[] = []): string {
  return scrubSecrets(message, secrets);
}

/** Options of {@link errorReply}. */
export interface ErrorReplyOptions {
  /** Secret values (configured tokens and upstream keys) to mask in the message. */
  secrets?: readonly string[];
}

/**
 * Maps anything thrown while serving a request to an OpenAI-style error answer. Never leaks a stack; the
 * message is made safe for clients by {@link clientMessage}.
 */
export function errorReply(error: unknown, options: ErrorReplyOptions = {}): ErrorReply {
  const secrets = options.secrets ?? [];
  if (error instanceof ProxyHttpError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
    if (error.closeConnection) headers.connection = "close";
    return { status: error.status, headers, body: { error: { message: clientMessage(error.message, secrets), type: error.type, param: null, code: error.code, modelmesh_code: `PROXY_${error.code.toUpperCase()}` } } };
  }
  if (isModelMeshError(error)) {
    const mapped = mapCategory(error);
    const headers: Record<string, string> = {};
    if ((mapped.status === 429 || mapped.status === 503) && error.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    return { status: mapped.status, headers, body: { error: { message: clientMessage(error.message, secrets), type: mapped.type, param: null, code: mapped.code, modelmesh_code: error.code } } };
  }
  return {
    status: 500,
    headers: {},
    body: { error: { message: "[modelmesh] [proxy] internal error while serving the request", type: "server_error", param: null, code: "internal_error", modelmesh_code: "MM_INTERNAL" } },
  };
}

/** The SSE error event sent after a stream has started: `data: {"error":{…}}`, with no `[DONE]` after it. */
export function sseErrorEvent(error: unknown, options: ErrorReplyOptions = {}): string {
  const { message, type, code, modelmesh_code } = errorReply(error, options).body.error;
  return `data: ${JSON.stringify({ error: { message, type, code, modelmesh_code } })}\n\n`;
}
