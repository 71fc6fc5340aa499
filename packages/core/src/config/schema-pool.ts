/**
 * `pools.<id>`: a virtual model name with its members and its rotation, retry and recovery rules
 * (docs/ARCHITECTURE.md §2.7, §2.10). SystemServices' synonyms `hierarchy_node` and `allowed_providers` are accepted and
 * normalised to `capability` and `providers`.
 */
import { z } from "zod";
import { exclusive } from "./schema-checks.js";
import {
  count,
  cron,
  duration,
  factor,
  firstTokenSetting,
  flag,
  fraction,
  httpStatusList,
  idKey,
  idList,
  notSupported,
  nullAsEmpty,
  positiveInt,
  streamCommit,
  text,
  usd,
} from "./schema-primitives.js";

/** The default selection strategy. */
export const DEFAULT_SELECTION_STRATEGY = "modelmesh.priority-selection.v1";

/** When a model goes to standby. Evaluated per route (model on provider), shared by every pool. */
export const deactivationSchema = z.strictObject({
  /** Deactivation policy connector (replaceable on its own). Default `modelmesh.threshold-deactivation.v1`. */
  connector: text().default("modelmesh.threshold-deactivation.v1"),
  /** Consecutive failures that put the model on standby. Default 3. */
  retry_limit: count().default(3),
  /** Error rate (0–1) over the sliding window that puts the model on standby. Off when unset. */
  error_rate_threshold: fraction().optional(),
  /** Size of the sliding window, in requests. Default 20. */
  error_rate_window: positiveInt().default(20),
  /** Minimum requests in the window before the error rate counts. Default 5. */
  error_rate_min_samples: positiveInt().default(5),
  /** HTTP status codes that count as failures (e.g. [429, 500, 503]). Default: every classified failure. */
  error_codes: httpStatusList().optional(),
  /** Requests per `quota_window` before standby (free-tier capping). */
  request_limit: count().optional(),
  /** Tokens per `quota_window` before standby. */
  token_limit: count().optional(),
  /** USD per `quota_window` before standby. */
  budget_limit: usd().optional(),
  /** Period the limits above count over: `daily` or `monthly` (UTC). */
  quota_window: z.enum(["daily", "monthly"]).optional(),
  /** Scheduled standby, as a 5-field cron string. */
  maintenance_window: cron().optional(),
});

/** When a standby model comes back. */
export const recoverySchema = z.strictObject({
  /** Recovery policy connector (replaceable on its own). Default `modelmesh.cooldown-recovery.v1`. */
  connector: text().default("modelmesh.cooldown-recovery.v1"),
  /** Standby time before the model is reconsidered; output ms. Default 60s. */
  cooldown: duration().default(60_000),
  /** Factor the cooldown grows by on each repeated failure. Default 2. */
  cooldown_growth: factor().default(2),
  /** Upper bound of the grown cooldown; output ms. Default 30m. */
  max_cooldown: duration().default(1_800_000),
  /** Probe standby models at start-up. Default false. */
  probe_on_start: flag().default(false),
  /** Period of probes of standby models; output ms. No probes when unset. */
  probe_interval: duration().optional(),
  /** Reactivate when the provider's quota resets. Default true. */
  on_quota_reset: flag().default(true),
  /** Calendar of that reset: `daily_utc` or `monthly`. Default: the provider's `quota` clock. */
  quota_reset_schedule: z.enum(["daily_utc", "monthly"]).optional(),
});

/** Retry budgets and backoff. Same-route retries and total attempts are separate budgets (docs/ARCHITECTURE.md §2.5: retries do not nest). */
export const retrySchema = z.strictObject({
  /** Retries on the same route (per `scope`) before rotating. Default 2. */
  max_attempts: count().default(2),
  /** Attempts across all candidates for one request, first included. Default 6. */
  max_total_attempts: positiveInt().default(6),
  /** Delay shape: `fixed`, `exponential_jitter` (default) or `retry_after`. */
  backoff: z.enum(["fixed", "exponential_jitter", "retry_after"]).default("exponential_jitter"),
  /** First delay; output ms. Default 500ms. */
  initial_delay: duration().default(500),
  /** Delay cap; output ms. Default 10s. */
  max_delay: duration().default(10_000),
  /**
   * HTTP codes retried on the same route. Default [429, 500, 502, 503]. A server error with another status (504)
   * fails over at once; a 429 is retried only when its Retry-After fits; a listed code of a caller error is retried too.
   */
  retryable_codes: httpStatusList().default([429, 500, 502, 503]),
  /** HTTP codes never retried on the same route (they fail over, or surface when they are the caller's fault). Default [400, 401, 403]. */
  non_retryable_codes: httpStatusList().default([400, 401, 403]),
  /** Where a retry may land: `same_model` (default), `same_provider` or `any`. */
  scope: notSupported(
    z.enum(["same_model", "same_provider", "any"]),
    "a retry goes to the same route (same_model); other routes are reached by failover, bounded by max_total_attempts",
    (scope) => scope === "same_model",
  ).default("same_model"),
  /** Obey `Retry-After` when it fits the deadline. Default true. */
  honor_retry_after: flag().default(true),
});

/** Proactive switching before limits are hit (rate-limit-aware strategy). */
export const rateLimitSchema = z.strictObject({
  /** Fraction (0–1) of a known limit at which to switch. Default 0.8. */
  threshold: fraction().default(0.8),
  /** Minimum spacing between two requests to one model; output ms. */
  min_delta: duration().optional(),
  /** Self-imposed requests per minute per model. */
  max_rpm: count().optional(),
});

/** Session affinity (session-stickiness strategy). */
export const sessionSchema = z.strictObject({
  /** Request header carrying the session id (e.g. `x-session-id`). */
  header: text().optional(),
  /** Request body field carrying the session id (e.g. `user`). */
  field: text().optional(),
  /** How long a session stays pinned after its last request; output ms. */
  ttl: duration().optional(),
});

/** One `pools.<id>` entry; `capability`/`providers` also accepted as `hierarchy_node`/`allowed_providers`. */
export const poolEntrySchema = z
  .strictObject({
    /** Target capability node (full path or alias); members = models at or below it. Default: the pool id when it names a node. */
    capability: text().optional(),
    /** Synonym of `capability` (SystemServices). */
    hierarchy_node: text().optional(),
    /** Explicit member model ids (alone: a fixed list; with `capability`: added to it). */
    models: idList().optional(),
    /** Only models of these providers. Default: all enabled providers. */
    providers: idList().optional(),
    /** Synonym of `providers` (SystemServices). */
    allowed_providers: idList().optional(),
    /** Drop these providers' models. Default []. */
    excluded_providers: idList().default([]),
    /** Preference order of model ids. */
    model_priority: idList().optional(),
    /** Preference order of provider names. */
    provider_priority: idList().optional(),
    /** Selection strategy connector id. Default `modelmesh.priority-selection.v1` (docs/routing-defaults.md). */
    strategy: text().default(DEFAULT_SELECTION_STRATEGY),
    /** Strategy used once the priority list is exhausted. */
    fallback_strategy: text().optional(),
    /** Load-balanced weighting: `absolute` (equal, default) or `relative` (by known limits). */
    balance_mode: z.enum(["absolute", "relative"]).default("absolute"),
    /** Deactivation rules (defaults applied). */
    deactivation: deactivationSchema.prefault({}),
    /** Recovery rules (defaults applied). */
    recovery: recoverySchema.prefault({}),
    /** Retry rules (defaults applied). */
    retry: retrySchema.prefault({}),
    /** Proactive rate-limit switching (defaults applied). */
    rate_limit: rateLimitSchema.prefault({}),
    /** Session affinity settings. */
    session: sessionSchema.optional(),
    /** Take a whole provider down across all pools: `on_auth_failure` or `on_api_outage`. */
    provider_deactivation: z.enum(["on_auth_failure", "on_api_outage"]).optional(),
    /** Bring a provider back everywhere: `on_probe_success` or `on_manual`. */
    provider_recovery: z.enum(["on_probe_success", "on_manual"]).optional(),
    /** Per-attempt timeouts for requests through this pool. Unset ones fall back to the provider's, then `routing.timeouts`. */
    timeouts: z.strictObject({
      /** Time to the first token of a stream: `auto` or a duration (see `routing.timeouts.first_token`). */
      first_token: firstTokenSetting().optional(),
    }).optional(),
    /** Streaming behaviour for this pool. Unset keys fall back to `routing.stream`. */
    stream: z.strictObject({
      /** Commit mode (see `routing.stream.commit`). */
      commit: streamCommit().optional(),
    }).optional(),
    /** End-to-end deadline for requests to this pool; output ms. Default: `routing.deadline`. */
    deadline: duration().optional(),
    /** Fail over to another model on a content-filter refusal. Default false (surface it). */
    failover_on_content_filter: flag().default(false),
  })
  .check(
    exclusive([
      [["capability"], ["hierarchy_node"]],
      [["providers"], ["allowed_providers"]],
    ]),
  )
  .transform(({ hierarchy_node, allowed_providers, ...pool }) => {
    const capability = pool.capability ?? hierarchy_node;
    const providers = pool.providers ?? allowed_providers;
    return {
      ...pool,
      ...(capability !== undefined ? { capability } : {}),
      ...(providers !== undefined ? { providers } : {}),
    };
  });

/** The `pools` section: pool id → pool. */
export const poolsSectionSchema = z.record(idKey(), nullAsEmpty(poolEntrySchema));
