import {
  LOCAL_RESOURCE_CODES,
  LOCAL_RESOURCE_RETRY_AFTER_MS,
  ProviderError,
  formatMessage,
  type ErrorCategory,
  type ModelMeshErrorCode,
} from "@modelmesh/core";

/**
 * Maps low-level failures (socket errors, DNS, undici and fetch errors, aborts) to `ProviderError`s with the
 * routing categories of docs/ARCHITECTURE.md §2.6. Shared by both transports and by provider error classification,
 * so the fetch and undici paths can never disagree on what a reset or a refused connection is.
 */

/** Where in an exchange a failure happened. */
export type TransportPhase = "connect" | "body";

/** Error codes that mean the network failed (retryable on the same route). */
const NETWORK_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EPROTO",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
  "UND_ERR_INFO",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);

/** Error codes that mean a timer inside the network stack fired. */
const TIMEOUT_CODES: ReadonlyMap<string, ModelMeshErrorCode> = /* @__PURE__ */ new Map<string, ModelMeshErrorCode>([
  ["ETIMEDOUT", "MM_TIMEOUT_CONNECT"],
  ["UND_ERR_CONNECT_TIMEOUT", "MM_TIMEOUT_CONNECT"],
  ["UND_ERR_HEADERS_TIMEOUT", "MM_TIMEOUT_CONNECT"],
  ["UND_ERR_BODY_TIMEOUT", "MM_TIMEOUT_IDLE"],
]);

/**
 * What a low-level error is, as far as routing cares. `internal` (code `MM_LOCAL_RESOURCE`) is a failure of
 * this host (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`, `EADDRNOTAVAIL`): the upstream was never reached.
 */
export interface LowLevelClassification {
  category: Extract<ErrorCategory, "network" | "timeout" | "internal">;
  code: ModelMeshErrorCode;
  /** The system or undici code found on the error or its causes (e.g. `ECONNRESET`). */
  systemCode?: string;
}

/** Walks `error.cause` (at most 5 levels) and returns the first string `code`. */
export function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The first local-resource code (`EMFILE`, …) on `error` or its causes (at most 5 levels), if any. */
function findLocalResourceCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && LOCAL_RESOURCE_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for DOM-style abort or timeout errors (`AbortError`, `TimeoutError`). */
export function isAbortLike(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === "AbortError" || name === "TimeoutError" || findErrorCode(error) === "UND_ERR_ABORTED";
}

/**
 * Classifies a socket / DNS / TLS / fetch failure. Returns undefined when the error is not recognisably a
 * network failure. A `TypeError` thrown by `fetch` (`fetch failed`, `Failed to fetch`, `terminated`,
 * `network error`) counts as network: browsers give no more detail than that.
 */
export function classifyLowLevelError(error: unknown): LowLevelClassification | undefined {
  const local = findLocalResourceCode(error);
  if (local !== undefined) return { category: "internal", code: "MM_LOCAL_RESOURCE", systemCode: local };
  const systemCode = findErrorCode(error);
  if (systemCode !== undefined) {
    const timeoutCode = TIMEOUT_CODES.get(systemCode);
    if (timeoutCode) return { category: "timeout", code: timeoutCode, systemCode };
    if (NETWORK_CODES.has(systemCode)) return { category: "network", code: "MM_NETWORK", systemCode };
  }
  if (error instanceof TypeError && /fetch|network|terminated|socket|load failed/i.test(error.message)) {
    return { category: "network", code: "MM_NETWORK", ...(systemCode !== undefined ? { systemCode } : {}) };
  }
  return undefined;
}

/**
 * The URL without query, fragment or credentials (query strings may hold keys). For logs only: it goes into
 * an error's `metadata.url`, never into its message, which clients may see.
 */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "<invalid url>";
  }
}

/** What a transport error records about its failure (in `metadata`, next to the URL for logs). */
export interface TransportFailure {
  phase: TransportPhase;
  /** The system or undici code, e.g. `ECONNREFUSED`. */
  systemCode?: string;
  /** For a connect timeout: the limit that fired. */
  timeoutMs?: number;
}

/**
 * The message text of a transport failure: the phase and the system code, never the URL (error messages
 * reach clients, e.g. through the proxy; upstream addresses are internal). `target` names what was called
 * when the caller knows it (`model gpt-4o`); the transport itself does not, so the provider re-words the
 * message with its id and the model (`withProviderContext` in `providers/provider-errors.ts`).
 */
export function describeTransportFailure(failure: TransportFailure, target?: string): { what: string; fix?: string } {
  const detail = failure.systemCode ? ` (${failure.systemCode})` : "";
  if (failure.systemCode !== undefined && LOCAL_RESOURCE_CODES.has(failure.systemCode)) {
    return {
      what: `could not ${failure.phase === "connect" ? "open a connection" : "keep reading the response"}${target ? ` for ${target}` : ""}: this host is out of a local resource${detail}; the upstream is not at fault`,
      fix: "Retry shortly; if it persists, raise the process's file-descriptor limit or lower its concurrency",
    };
  }
  if (failure.timeoutMs !== undefined) {
    return { what: `no response headers${target ? ` for ${target}` : ""} within ${failure.timeoutMs} ms`, fix: "Raise timeouts.connect or check the upstream" };
  }
  if (failure.phase === "connect") return { what: `request${target ? ` to ${target}` : ""} failed${detail}` };
  return { what: `connection broke while reading the response${target ? ` of ${target}` : ""}${detail}` };
}

/**
 * The failure recorded by {@link toTransportError} or {@link connectTimeoutError} in an error's metadata, or
 * undefined for any other error (only transport errors carry `metadata.url` with a connect or body phase).
 */
export function transportFailureOf(metadata: Readonly<Record<string, unknown>> | undefined): TransportFailure | undefined {
  if (!metadata || typeof metadata.url !== "string") return undefined;
  const phase = metadata.phase;
  if (phase !== "connect" && phase !== "body") return undefined;
  return {
    phase,
    ...(typeof metadata.systemCode === "string" ? { systemCode: metadata.systemCode } : {}),
    ...(typeof metadata.timeoutMs === "number" ? { timeoutMs: metadata.timeoutMs } : {}),
  };
}

/** The error of a request whose response headers did not arrive in time. The URL is kept in `metadata.url`. */
export function connectTimeoutError(url: string, timeoutMs: number): ProviderError {
  const { what, fix } = describeTransportFailure({ phase: "connect", timeoutMs });
  return new ProviderError({
    code: "MM_TIMEOUT_CONNECT",
    category: "timeout",
    retryable: false,
    message: formatMessage("transport", what, fix),
    metadata: { timeoutMs, phase: "connect", url: safeUrl(url) },
  });
}

/**
 * Converts anything a transport caught into what it rethrows: the abort reason when `signal` was aborted
 * (the router decides what an abort means), an existing `ProviderError` unchanged, and otherwise a
 * `ProviderError` of category `network` or `timeout` (unrecognised failures count as `network`: a transport
 * failure is, by definition, not the upstream's answer). The message names the phase and the system code;
 * the URL (without query or credentials) is kept for logs in `metadata.url`. A local resource failure
 * (`EMFILE`, …) becomes `MM_LOCAL_RESOURCE` (category `internal`, `retryAfterMs` 1 s): the router neither
 * counts it against the route nor parks the endpoint for it (docs/errors.md).
 */
export function toTransportError(error: unknown, context: { url: string; phase: TransportPhase; signal?: { readonly aborted: boolean; readonly reason: unknown } }): unknown {
  if (context.signal?.aborted) return context.signal.reason;
  if (ProviderError.is(error)) return error;
  if (isAbortLike(error)) return error;
  const low = classifyLowLevelError(error);
  const code = low?.code ?? "MM_NETWORK";
  const category = low?.category ?? "network";
  const local = category === "internal";
  const { what, fix } = describeTransportFailure({ phase: context.phase, ...(low?.systemCode ? { systemCode: low.systemCode } : {}) });
  return new ProviderError({
    code,
    category,
    retryable: category === "network",
    ...(local ? { retryAfterMs: LOCAL_RESOURCE_RETRY_AFTER_MS } : {}),
    message: formatMessage("transport", what, local ? fix : undefined),
    cause: error,
    metadata: { phase: context.phase, ...(low?.systemCode ? { systemCode: low.systemCode } : {}), ...(local ? { local: true } : {}), url: safeUrl(context.url) },
  });
}
