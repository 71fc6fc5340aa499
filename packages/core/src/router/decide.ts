import { ProviderError, RoutingError } from "../errors/errors.js";
import { LOCAL_RESOURCE_RETRY_AFTER_MS, localResourceCode } from "../errors/local-resource.js";
import { codeForCategory, isModelMeshError, ModelMeshError, type ErrorCategory } from "../errors/model-mesh-error.js";
import type { ErrorClassification, ProviderConnectorV1 } from "../connectors/provider.js";
import { backoffDelay } from "./backoff.js";
import type { RoutingTrace } from "./trace.js";
import type { RetrySettings } from "./types.js";

/**
 * Normalises anything a provider threw into a ModelMeshError, classified once: a ModelMeshError keeps its own
 * category; anything else goes through the provider's `classifyError`.
 */
export function normaliseError(error: unknown, provider: ProviderConnectorV1, model: { id: string; providerId: string }): ModelMeshError {
  if (isModelMeshError(error)) return error;
  let classification: ErrorClassification;
  try {
    classification = provider.classifyError(error);
  } catch {
    classification = { category: "internal", retryable: false, message: String((error as Error)?.message ?? error) };
  }
  const localCode = localResourceCode(error);
  if (localCode !== undefined) {
    // This host ran out of a resource (docs/errors.md, MM_LOCAL_RESOURCE), whatever the connector called it.
    return new ProviderError({
      code: "MM_LOCAL_RESOURCE",
      category: "internal",
      retryable: false,
      retryAfterMs: LOCAL_RESOURCE_RETRY_AFTER_MS,
      message: `[modelmesh] [${model.providerId}] could not reach the upstream: this host is out of a local resource (${localCode}). The upstream was not contacted; retry shortly`,
      provider: model.providerId,
      model: model.id,
      cause: error,
      metadata: { systemCode: localCode, local: true },
    });
  }
  return new ProviderError({
    code: codeForCategory(classification.category),
    category: classification.category,
    retryable: classification.retryable,
    status: classification.status,
    retryAfterMs: classification.retryAfterMs,
    message: `[modelmesh] [${model.providerId}] ${classification.message}`,
    provider: model.providerId,
    model: model.id,
    cause: error,
    metadata: classification.code ? { vendorCode: classification.code } : undefined,
  });
}

/** Categories the caller must see as they are (never rotated for). */
const SURFACED: ReadonlySet<ErrorCategory> = new Set(["invalid_request", "cancelled", "config", "internal"]);
/** Categories the error table retries on the same route. */
const RETRIED: ReadonlySet<ErrorCategory> = new Set(["server", "network", "rate_limit"]);

/**
 * What `retry.retryable_codes` / `retry.non_retryable_codes` say about this failure's HTTP status: `never`
 * (listed as non-retryable), `unlisted` (a status the table would retry, missing from a given retryable list),
 * `listed` (in the retryable list), or undefined (no status, or no lists: the error table decides).
 */
function statusRule(error: ModelMeshError, retry: RetrySettings): "never" | "unlisted" | "listed" | undefined {
  const status = error.status;
  if (status === undefined) return undefined;
  if (retry.nonRetryableStatuses?.includes(status)) return "never";
  if (retry.retryableStatuses === undefined) return undefined;
  if (retry.retryableStatuses.includes(status)) return "listed";
  return RETRIED.has(error.category) ? "unlisted" : undefined;
}

/** What to do after a failed attempt. */
export type Decision =
  | { action: "retry-same-route"; delayMs: number }
  | { action: "rotate" }
  | { action: "surface" };

// The caller categories are defined once, next to the ledger records that ignore them; the router reads the same set.
export { CALLER_CATEGORIES } from "../state/route-record.js";

/**
 * The error table of docs/ARCHITECTURE.md §2.6 as code. `sameRouteRetries` is how many retries this route already
 * had in this request; `remainingMs` the time left before the deadline.
 */
export function decide(
  error: ModelMeshError,
  input: { retry: RetrySettings; sameRouteRetries: number; remainingMs: number; random: () => number; failoverOnContentFilter: boolean; routeParked: boolean },
): Decision {
  const { retry } = input;
  const retriesLeft = input.sameRouteRetries < retry.maxSameRouteRetries && !input.routeParked;
  const byStatus = statusRule(error, retry);
  if (byStatus === "never") return SURFACED.has(error.category) || (error.category === "content_filter" && !input.failoverOnContentFilter) ? { action: "surface" } : { action: "rotate" };
  if (byStatus === "unlisted") return { action: "rotate" };
  if (byStatus === "listed" && !RETRIED.has(error.category)) {
    if (!retriesLeft) return SURFACED.has(error.category) ? { action: "surface" } : { action: "rotate" };
    const delayMs = error.retryAfterMs !== undefined && retry.honorRetryAfter ? error.retryAfterMs : backoffDelay(retry, input.sameRouteRetries, input.random);
    return delayMs < input.remainingMs ? { action: "retry-same-route", delayMs } : { action: "rotate" };
  }
  switch (error.category) {
    case "invalid_request":
    case "cancelled":
    case "config":
    case "internal":
      return { action: "surface" };
    case "content_filter":
      return input.failoverOnContentFilter ? { action: "rotate" } : { action: "surface" };
    case "rate_limit": {
      // The ledger parks a rate-limited route exactly for its Retry-After, so waiting that long and retrying
      // the same route is consistent with the park.
      const wait = error.retryAfterMs;
      if (retry.honorRetryAfter && wait !== undefined && input.sameRouteRetries < retry.maxSameRouteRetries && wait <= retry.maxDelayMs && wait < input.remainingMs) {
        return { action: "retry-same-route", delayMs: wait };
      }
      return { action: "rotate" };
    }
    case "server":
    case "network": {
      if (!retriesLeft || error.retryable === false) return { action: "rotate" };
      const delayMs = error.retryAfterMs !== undefined && retry.honorRetryAfter ? error.retryAfterMs : backoffDelay(retry, input.sameRouteRetries, input.random);
      return delayMs < input.remainingMs ? { action: "retry-same-route", delayMs } : { action: "rotate" };
    }
    default:
      // timeout (a silent route is not retried), context_length, auth, quota_exhausted, stream_interrupted
      return { action: "rotate" };
  }
}

const MEANING: readonly ErrorCategory[] = [
  "context_length",
  "content_filter",
  "invalid_request",
  "auth",
  "quota_exhausted",
  "rate_limit",
  "server",
  "stream_interrupted",
  "network",
  "timeout",
];

/** The most meaningful error among the attempts (what the caller should read first). */
export function mostMeaningful(errors: readonly ModelMeshError[]): ModelMeshError | undefined {
  let best: ModelMeshError | undefined;
  let bestRank = Infinity;
  for (const error of errors) {
    const rank = MEANING.indexOf(error.category);
    const effective = rank === -1 ? MEANING.length : rank;
    if (effective < bestRank || (effective === bestRank && best !== undefined)) {
      best = error;
      bestRank = effective;
    }
  }
  return best;
}

/** The final error after every candidate failed. Lists every attempt; surfaces the most meaningful cause. */
export function exhaustedError(poolId: string, errors: readonly ModelMeshError[], trace: RoutingTrace): RoutingError {
  const cause = mostMeaningful(errors)!;
  const lines = trace.attempts.map(
    (a) => `${a.attempt}) ${a.routeId}: ${a.error ? `${a.error.category}${a.error.status ? ` ${a.error.status}` : ""} ${a.error.message}` : "ok"}`,
  );
  return new RoutingError({
    code: "MM_ROUTING_EXHAUSTED",
    category: cause.category,
    retryable: false,
    status: cause.status,
    retryAfterMs: cause.retryAfterMs,
    provider: cause.provider,
    model: cause.model,
    message: `[modelmesh] [pool ${poolId}] all ${errors.length} attempt(s) failed; most meaningful cause: ${cause.message}\n  ${lines.join("\n  ")}`,
    cause,
    trace,
    attempts: [...errors],
  });
}
