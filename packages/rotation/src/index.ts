/**
 * @modelmesh/rotation — the shipped rotation policies: seven selection strategies (stick-until-failure, the
 * default, stays in core), a composable deactivation policy, a calendar-aware recovery policy, and the
 * schedulers that run clock-driven recovery probes and maintenance windows.
 */

declare const __PACKAGE_VERSION__: string;
/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Connectors (register them, then name them in `pools.<id>.strategy` / `deactivation.connector` / `recovery.connector`)
export {
  ROTATION_CONNECTORS,
  calendarRecoveryConnector,
  costFirstConnector,
  latencyFirstConnector,
  loadBalancedConnector,
  prioritySelectionConnector,
  rateLimitAwareConnector,
  registerRotationConnectors,
  roundRobinConnector,
  rulesDeactivationConnector,
  sessionStickinessConnector,
} from "./connectors.js";

// Selection strategies
export { PRIORITY_SELECTION_ID, createPrioritySelection, type PrioritySelectionOptions } from "@modelmesh/core";
export { ROUND_ROBIN_ID, createRoundRobin } from "./strategies/round-robin.js";
export { COST_FIRST_ID, createCostFirst, type CostFirstOptions } from "./strategies/cost-first.js";
export { LATENCY_FIRST_ID, createLatencyFirst, type LatencyFirstOptions } from "./strategies/latency-first.js";
export { SESSION_STICKINESS_ID, createSessionStickiness, type SessionStickinessOptions } from "./strategies/session-stickiness.js";
export { HashRing } from "./strategies/hash-ring.js";
export { RATE_LIMIT_AWARE_ID, createRateLimitAware, type KnownRateLimits, type RateLimitAwareOptions } from "./strategies/rate-limit-aware.js";
export { LOAD_BALANCED_ID, createLoadBalanced, type LoadBalancedOptions } from "./strategies/load-balanced.js";

// Deactivation and recovery policies
export { RULES_DEACTIVATION_ID, createRulesDeactivation, type QuotaCaps, type RulesDeactivationOptions } from "./policies/rules-deactivation.js";
export { CALENDAR_RECOVERY_ID, createCalendarRecovery, type CalendarRecoveryOptions } from "./policies/calendar-recovery.js";
export { quotaResetAt, type QuotaCalendar } from "./policies/quota-reset.js";
export { parseCron, type CronSchedule } from "./policies/cron.js";

// Schedulers (clock-driven triggers)
export {
  PROBED_REASONS,
  RecoveryScheduler,
  type ProbeKind,
  type ProbeReport,
  type RecoveryMesh,
  type RecoverySchedulerOptions,
} from "./scheduler/recovery-scheduler.js";
export { MaintenanceScheduler, type MaintenanceSchedulerOptions } from "./scheduler/maintenance-scheduler.js";
export { recoverySchedulerService, ROTATION_SERVICES } from "./scheduler/service.js";
export { defaultProbeRequest, type ProbeCallResult, type ProbeRequest } from "./scheduler/probe.js";
export type { SchedulerMesh, WatchedRoute } from "./scheduler/route-catalog.js";
