/**
 * Errors of the Redis backend. A Redis outage, a timeout or a closed store is a {@link StoreUnavailableError}:
 * core's code `MM_STORE_UNAVAILABLE`, category `internal` (docs/errors.md), which the router never counts
 * against a route or a provider. A counter holding something other than a number is a
 * {@link StoreValueError}, the same `MM_INTERNAL` the memory store throws. Messages name the operation and the
 * key prefix, and show the server's URL only with its password masked.
 */
import { ModelMeshError, formatMessage } from "@modelmesh/core";

const UNAVAILABLE = Symbol.for("modelmesh.error.store-unavailable");

/** What an unreachable store reports, to match on: core's `MM_STORE_UNAVAILABLE` (docs/errors.md). */
export const STORE_UNAVAILABLE_CODE = "MM_STORE_UNAVAILABLE" as const;

/** Options of {@link StoreUnavailableError}. */
export interface StoreUnavailableErrorOptions {
  /** The store operation that failed (`get`, `increment`, `connect`, `storage.load`, …). */
  operation: string;
  /** The key prefix of the store. */
  keyPrefix: string;
  /** The server, password masked (see {@link redactUrl}). */
  server?: string;
  /** Why: `timed out after 1000 ms`, `the connection is down`, … (never a secret). */
  reason: string;
  /** What to do; default: check that Redis is reachable (the client reconnects by itself). */
  hint?: string;
  cause?: unknown;
}

/**
 * Redis could not be reached in time: connection refused or lost, a command that did not answer within
 * `commandTimeoutMs`, or a store already closed. A {@link ModelMeshError} with code `MM_STORE_UNAVAILABLE` and
 * category `internal`; `retryable` is true except for a closed store.
 *
 * @example
 * try {
 *   await store.increment("hits", 1);
 * } catch (error) {
 *   if (StoreUnavailableError.is(error)) answer503(error.message); // names the operation and the prefix
 * }
 */
export class StoreUnavailableError extends ModelMeshError {
  readonly [UNAVAILABLE] = true;
  /** Always {@link STORE_UNAVAILABLE_CODE}. */
  declare readonly code: typeof STORE_UNAVAILABLE_CODE;
  /** The operation that failed. */
  readonly operation: string;
  /** The store's key prefix. */
  readonly keyPrefix: string;

  constructor(options: StoreUnavailableErrorOptions & { retryable?: boolean }) {
    const where = options.server ? ` at ${options.server}` : "";
    super({
      name: "StoreUnavailableError",
      code: STORE_UNAVAILABLE_CODE,
      category: "internal",
      // Whether the same operation may succeed later: false once the store is closed.
      retryable: options.retryable ?? true,
      message: formatMessage(
        "storage-redis",
        `${options.operation} failed for key prefix "${options.keyPrefix}"${where}: ${options.reason}`,
        options.hint ?? (options.retryable === false ? undefined : "Check that Redis is running and reachable; the client reconnects by itself."),
      ),
      cause: options.cause,
      metadata: { operation: options.operation, keyPrefix: options.keyPrefix },
    });
    this.operation = options.operation;
    this.keyPrefix = options.keyPrefix;
  }

  /** True for a StoreUnavailableError from any copy of this package. */
  static is(error: unknown): error is StoreUnavailableError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[UNAVAILABLE] === true;
  }
}

/**
 * `increment` met a value that is not a number. Code `MM_INTERNAL`, as in the memory store: it is a bug in
 * the caller, which mixed a counter and a record under one key.
 *
 * @example
 * await store.set("name", "text");
 * await store.increment("name", 1); // rejects: StoreValueError, code MM_INTERNAL
 */
export class StoreValueError extends ModelMeshError {
  constructor(key: string, keyPrefix: string) {
    super({
      name: "StoreValueError",
      code: "MM_INTERNAL",
      category: "internal",
      message: formatMessage("storage-redis", `cannot increment "${key}" (key prefix "${keyPrefix}"): it does not hold a number`),
    });
  }
}

/**
 * A Redis URL fit for messages: the password (and a lone user-info token, which Redis treats as a password)
 * is replaced by `***`. Anything that does not parse as a URL is shown as `<redis url>`.
 *
 * @example
 * redactUrl("redis://app:s3cret@cache:6379/0"); // "redis://app:***@cache:6379/0"
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    else if (parsed.username) parsed.username = "***";
    return parsed.toString();
  } catch {
    return "<redis url>";
  }
}

/** Removes every occurrence of the URL's password (raw or percent-encoded) from a text. */
export function redactSecret(text: string, url: string): string {
  let secret: string | undefined;
  try {
    const parsed = new URL(url);
    secret = parsed.password || parsed.username || undefined;
  } catch {
    return text;
  }
  if (!secret) return text;
  let out = text.split(secret).join("***");
  const decoded = safeDecode(secret);
  if (decoded && decoded !== secret) out = out.split(decoded).join("***");
  return out;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
