/**
 * The one error hierarchy of ModelMesh. Every error carries a stable `code`, a routing `category` and a
 * cross-package brand, so `isModelMeshError(e)` works across duplicate copies of this package and across
 * realms. Match on `code` or `category`, not on class identity.
 */

const BRAND = Symbol.for("modelmesh.error");

/**
 * Error categories. The category, not the class, decides what the router does next (docs/ARCHITECTURE.md §2.6).
 * `config`, `routing`, `internal` and `cancelled` never come from an upstream.
 */
export type ErrorCategory =
  | "rate_limit"
  | "quota_exhausted"
  | "auth"
  | "server"
  | "network"
  | "timeout"
  | "context_length"
  | "content_filter"
  | "invalid_request"
  | "stream_interrupted"
  | "config"
  | "routing"
  | "cancelled"
  | "internal";

/** Stable error codes. Never renamed; see docs/errors.md. */
export type ModelMeshErrorCode =
  | "MM_RATE_LIMIT"
  | "MM_QUOTA_EXHAUSTED"
  | "MM_AUTH"
  | "MM_SERVER"
  | "MM_NETWORK"
  | "MM_TIMEOUT_CONNECT"
  | "MM_TIMEOUT_FIRST_TOKEN"
  | "MM_TIMEOUT_IDLE"
  | "MM_TIMEOUT_RESPONSE"
  | "MM_DEADLINE_EXCEEDED"
  | "MM_CONTEXT_LENGTH"
  | "MM_CONTENT_FILTER"
  | "MM_INVALID_REQUEST"
  | "MM_INVALID_RESPONSE"
  | "MM_RESPONSE_TOO_LARGE"
  | "MM_STREAM_INTERRUPTED"
  | "MM_CONFIG_INVALID"
  | "MM_SECRET_MISSING"
  | "MM_CONNECTOR_UNKNOWN"
  | "MM_CONNECTOR_INVALID"
  | "MM_UNKNOWN_MODEL"
  | "MM_AMBIGUOUS_NAME"
  | "MM_CAPABILITY_INVALID"
  | "MM_NO_CANDIDATES"
  | "MM_ROUTING_EXHAUSTED"
  | "MM_ALL_QUOTAS_EXHAUSTED"
  | "MM_CIRCUIT_OPEN"
  | "MM_ABORTED"
  | "MM_NOT_SUPPORTED"
  | "MM_LOCAL_RESOURCE"
  | "MM_STORE_UNAVAILABLE"
  | "MM_MIDDLEWARE"
  | "MM_INTERNAL";

/** The one category-to-code table (docs/errors.md): the code of an error known only by its category. */
const CODE_BY_CATEGORY: Readonly<Record<ErrorCategory, ModelMeshErrorCode>> = {
  rate_limit: "MM_RATE_LIMIT",
  quota_exhausted: "MM_QUOTA_EXHAUSTED",
  auth: "MM_AUTH",
  server: "MM_SERVER",
  network: "MM_NETWORK",
  timeout: "MM_TIMEOUT_RESPONSE",
  context_length: "MM_CONTEXT_LENGTH",
  content_filter: "MM_CONTENT_FILTER",
  invalid_request: "MM_INVALID_REQUEST",
  stream_interrupted: "MM_STREAM_INTERRUPTED",
  config: "MM_CONFIG_INVALID",
  routing: "MM_ROUTING_EXHAUSTED",
  cancelled: "MM_ABORTED",
  internal: "MM_INTERNAL",
};

/**
 * The stable code for a category: what a connector uses when its classification gives only a category (an
 * HTTP status, a vendor error object). Unknown categories (from untyped callers) get `MM_INTERNAL`.
 */
export function codeForCategory(category: ErrorCategory): ModelMeshErrorCode {
  return CODE_BY_CATEGORY[category] ?? "MM_INTERNAL";
}

/** Constructor options shared by every ModelMesh error. */
export interface ModelMeshErrorOptions {
  message: string;
  code: ModelMeshErrorCode;
  category: ErrorCategory;
  /** Whether the same route may be tried again. Defaults from the category. */
  retryable?: boolean;
  /** Provider id (config name) involved, if any. */
  provider?: string;
  /** Model id involved, if any. */
  model?: string;
  /** HTTP status from the upstream, if any. */
  status?: number;
  /** Milliseconds the upstream asked us to wait (`Retry-After`). */
  retryAfterMs?: number;
  /** The underlying error. */
  cause?: unknown;
  /** Explicit name; never derived from `constructor.name` (minifiers rewrite it). */
  name?: string;
  /** Provider-specific detail, redacted. */
  metadata?: Record<string, unknown>;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCategory> = new Set(["rate_limit", "server", "network"]);

/** Base of every error thrown by ModelMesh. */
export class ModelMeshError extends Error {
  /** Cross-package brand (see {@link isModelMeshError}). */
  readonly [BRAND] = true;
  /** Stable machine-readable code. */
  readonly code: ModelMeshErrorCode;
  /** Routing category. */
  readonly category: ErrorCategory;
  /** Whether the same route may be retried. */
  readonly retryable: boolean;
  /** Provider id, when one was involved. */
  readonly provider: string | undefined;
  /** Model id, when one was involved. */
  readonly model: string | undefined;
  /** Upstream HTTP status, when there was one. */
  readonly status: number | undefined;
  /** Upstream-requested wait, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** Redacted provider-specific detail. */
  readonly metadata: Record<string, unknown>;

  constructor(options: ModelMeshErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = options.name ?? "ModelMeshError";
    this.code = options.code;
    this.category = options.category;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(options.category);
    this.provider = options.provider;
    this.model = options.model;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.metadata = options.metadata ?? {};
  }

  /** A plain, secret-free object for logs and JSON bodies. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      category: this.category,
      message: this.message,
      retryable: this.retryable,
      provider: this.provider,
      model: this.model,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/** True for any ModelMesh error, from any copy of this package. */
export function isModelMeshError(error: unknown): error is ModelMeshError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/** Formats a message in the house shape: `[modelmesh] [<where>] <what>. <fix>.` */
export function formatMessage(where: string | undefined, what: string, fix?: string): string {
  const head = where ? `[modelmesh] [${where}] ${what}` : `[modelmesh] ${what}`;
  return fix ? `${head.replace(/\.$/, "")}. ${fix}` : head;
}
