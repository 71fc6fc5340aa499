/**
 * Value objects for the string unions of the connector contracts, for JavaScript callers and switch-free
 * config building. Each is `as const` and checked against core's types, so they cannot drift.
 */
import type { CircuitState, DeactivationReason, RecoveryTrigger, RouteStatus, Severity, SyncPolicy } from "@modelmesh/core";

/** Route status values. */
export const ModelStatus = { ACTIVE: "active", STANDBY: "standby" } as const satisfies Record<string, RouteStatus>;

/** Deactivation reasons. */
export const DeactivationReasons = {
  ERROR_THRESHOLD: "error_threshold",
  ERROR_RATE: "error_rate",
  ERROR_CODE: "error_code",
  RATE_LIMITED: "rate_limited",
  QUOTA_EXHAUSTED: "quota_exhausted",
  BUDGET_EXCEEDED: "budget_exceeded",
  TOKEN_LIMIT: "token_limit",
  REQUEST_LIMIT: "request_limit",
  MAINTENANCE_WINDOW: "maintenance_window",
  AUTH_FAILURE: "auth_failure",
  MANUAL: "manual",
} as const satisfies Record<string, DeactivationReason>;

/** Recovery triggers. */
export const RecoveryTriggers = {
  COOLDOWN_EXPIRED: "cooldown_expired",
  QUOTA_RESET: "quota_reset",
  PROBE_SUCCESS: "probe_success",
  MANUAL: "manual",
  STARTUP_PROBE: "startup_probe",
} as const satisfies Record<string, RecoveryTrigger>;

/** Trace severities, in increasing order. */
export const Severities = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warning",
  ERROR: "error",
  CRITICAL: "critical",
} as const satisfies Record<string, Severity>;

/** Numeric order of severities (debug 0 … critical 4). */
export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { debug: 0, info: 1, warning: 2, error: 3, critical: 4 };

/** Circuit states. */
export const CircuitStates = { CLOSED: "closed", OPEN: "open", HALF_OPEN: "half-open" } as const satisfies Record<string, CircuitState>;

/** Request-log detail levels. */
export const LogLevel = { METADATA: "metadata", SUMMARY: "summary", FULL: "full" } as const;
/** A request-log detail level. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** What discovery does with a newly listed model. */
export const SyncAction = { REGISTER: "register", NOTIFY: "notify", IGNORE: "ignore" } as const;
/** A new-model action. */
export type SyncAction = (typeof SyncAction)[keyof typeof SyncAction];

/** What discovery does with a model that disappeared from the vendor list. */
export const DeprecationAction = { DEACTIVATE: "deactivate", NOTIFY: "notify", IGNORE: "ignore" } as const;
/** A deprecated-model action. */
export type DeprecationAction = (typeof DeprecationAction)[keyof typeof DeprecationAction];

/** Storage sync policies (docs/ARCHITECTURE.md §2.9); the type is core's `SyncPolicy`. */
export const SyncPolicies = {
  IN_MEMORY: "in-memory",
  SYNC_ON_BOUNDARY: "sync-on-boundary",
  PERIODIC: "periodic",
  IMMEDIATE: "immediate",
} as const satisfies Record<string, SyncPolicy>;
