/**
 * Config defaults as plain values, for the code that must not load the config schema (the browser build,
 * on-demand pools). The schema (`schema-pool.ts`, `schema.ts`) stays their owner: `defaults.test.ts` parses an
 * empty entry with it and fails when these values drift from what it produces.
 */
import type { MeshConfig, PoolConfig } from "./schema.js";

/** What the schema gives a pool entry with no keys (`pools.<id>: {}`). */
export const DEFAULT_POOL_ENTRY: Readonly<PoolConfig> = deepFreeze({
  excluded_providers: [],
  strategy: "modelmesh.priority-selection.v1",
  balance_mode: "absolute",
  deactivation: { connector: "modelmesh.threshold-deactivation.v1", retry_limit: 3, error_rate_window: 20, error_rate_min_samples: 5 },
  recovery: { connector: "modelmesh.cooldown-recovery.v1", cooldown: 60_000, cooldown_growth: 2, max_cooldown: 1_800_000, probe_on_start: false, on_quota_reset: true },
  retry: {
    max_attempts: 2,
    max_total_attempts: 6,
    backoff: "exponential_jitter",
    initial_delay: 500,
    max_delay: 10_000,
    retryable_codes: [429, 500, 502, 503],
    non_retryable_codes: [400, 401, 403],
    scope: "same_model",
    honor_retry_after: true,
  },
  rate_limit: { threshold: 0.8 },
  failover_on_content_filter: false,
} as PoolConfig);

/** What the schema gives `routing` when the section is absent. */
export const DEFAULT_ROUTING: Readonly<MeshConfig["routing"]> = deepFreeze({
  deadline: 60_000,
  timeouts: { connect: 10_000, first_token: "auto", idle: 30_000 },
  stream: { resume: false, commit: "first_token" },
} as MeshConfig["routing"]);

/** A fresh, mutable copy of the default pool entry, with `capability` when given. */
export function defaultPoolEntry(capability?: string): PoolConfig {
  const entry = structuredClone(DEFAULT_POOL_ENTRY) as PoolConfig;
  if (capability !== undefined) entry.capability = capability;
  return entry;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
