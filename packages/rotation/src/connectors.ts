import { ConfigError, PRIORITY_SELECTION_ID, STICK_UNTIL_FAILURE_ID, createPrioritySelection, createStickUntilFailure } from "@modelmesh/core";
import { ROTATION_SERVICES } from "./scheduler/service.js";
import type { ConnectorContext, ConnectorDescriptor, ConnectorRegistry, DeactivationPolicyV1, PoolPolicyConfig, RecoveryPolicyV1, SelectionStrategyV1 } from "@modelmesh/core";
import { CALENDAR_RECOVERY_ID, createCalendarRecovery } from "./policies/calendar-recovery.js";
import type { QuotaCalendar } from "./policies/quota-reset.js";
import { RULES_DEACTIVATION_ID, createRulesDeactivation } from "./policies/rules-deactivation.js";
import { COST_FIRST_ID, createCostFirst } from "./strategies/cost-first.js";
import { LATENCY_FIRST_ID, createLatencyFirst } from "./strategies/latency-first.js";
import { LOAD_BALANCED_ID, createLoadBalanced } from "./strategies/load-balanced.js";
import { RATE_LIMIT_AWARE_ID, createRateLimitAware } from "./strategies/rate-limit-aware.js";
import { ROUND_ROBIN_ID, createRoundRobin } from "./strategies/round-robin.js";
import { SESSION_STICKINESS_ID, createSessionStickiness } from "./strategies/session-stickiness.js";

type Selection = ConnectorDescriptor<PoolPolicyConfig, SelectionStrategyV1>;

function selection(id: string, alias: string, description: string, create: (pool: PoolPolicyConfig, context: ConnectorContext) => SelectionStrategyV1): Selection {
  return { id, type: "rotation", role: "selection", specificationVersion: "v1", aliases: [alias], runtime: "universal", description, create };
}

/** Round-robin over available models in pool order (`modelmesh.round-robin.v1`). */
export const roundRobinConnector: Selection = selection(ROUND_ROBIN_ID, "round-robin", "Cycle through the available models in pool order.", () => createRoundRobin());

/** Cheapest model by declared price (`modelmesh.cost-first.v1`). */
export const costFirstConnector: Selection = selection(COST_FIRST_ID, "cost-first", "Cheapest available model by declared price, estimated from the request.", () => createCostFirst());

/** Lowest latency EWMA, unmeasured models explored first (`modelmesh.latency-first.v1`). */
export const latencyFirstConnector: Selection = selection(LATENCY_FIRST_ID, "latency-first", "Lowest latency EWMA; unmeasured models are explored first.", () => createLatencyFirst());

/** Same session → same model by consistent hashing; reads `pools.<id>.session.ttl` (`modelmesh.session-stickiness.v1`). */
export const sessionStickinessConnector: Selection = selection(SESSION_STICKINESS_ID, "session-stickiness", "Same session, same model (consistent hashing, 100 virtual nodes).", (pool) =>
  createSessionStickiness({ ttlMs: pool.session?.ttl }),
);

/** Switches before limits; reads `pools.<id>.rate_limit` (`modelmesh.rate-limit-aware.v1`). */
export const rateLimitAwareConnector: Selection = selection(RATE_LIMIT_AWARE_ID, "rate-limit-aware", "Switch to another model before a known rate limit is reached.", (pool) =>
  createRateLimitAware({ threshold: pool.rate_limit.threshold, maxRpm: pool.rate_limit.max_rpm, minDeltaMs: pool.rate_limit.min_delta }),
);

/** Smooth weighted round-robin; reads `pools.<id>.balance_mode` (`modelmesh.load-balanced.v1`). */
export const loadBalancedConnector: Selection = selection(LOAD_BALANCED_ID, "load-balanced", "Smooth weighted round-robin (equal weights, or by known limits).", (pool) =>
  createLoadBalanced({ mode: pool.balance_mode }),
);

/**
 * Highest priority first; reads `model_priority`, `provider_priority`, `fallback_strategy`
 * (`modelmesh.priority-selection.v1`, core's default strategy). Registered over core's descriptor of the same
 * id so that every strategy of this package can be the fallback.
 */
export const prioritySelectionConnector: Selection = selection(PRIORITY_SELECTION_ID, "priority-selection", "Always the highest-priority available model; a fallback strategy for the rest.", (pool, context) =>
  createPrioritySelection({ modelPriority: pool.model_priority, providerPriority: pool.provider_priority, fallback: fallbackOf(pool, context) }),
);

/** Every deactivation trigger (maintenance window, failure rules, learned quota, caps), composed; reads `pools.<id>.deactivation` and `recovery` (`modelmesh.rules-deactivation.v1`). */
export const rulesDeactivationConnector: ConnectorDescriptor<PoolPolicyConfig, DeactivationPolicyV1> = {
  id: RULES_DEACTIVATION_ID,
  type: "rotation",
  role: "deactivation",
  specificationVersion: "v1",
  aliases: ["rules-deactivation"],
  runtime: "universal",
  description: "Consecutive failures, error rate, status codes, caps, quota windows, learned quotas, maintenance windows.",
  create: (pool) => {
    const d = pool.deactivation;
    const window = d.quota_window === "monthly" ? "month" : "day";
    if (window === "month" && (d.request_limit !== undefined || d.token_limit !== undefined)) {
      throw configError(pool.id, "request_limit and token_limit count per quota day; a monthly count is not available yet", "Use a daily quota_window for them, or budget_limit for a monthly cap.");
    }
    return createRulesDeactivation({
      failures: {
        retryLimit: d.retry_limit,
        // The schema documents the error-rate rule as off when unset.
        errorRateThreshold: d.error_rate_threshold ?? Infinity,
        errorRateMinSamples: d.error_rate_min_samples,
        errorCodes: d.error_codes,
      },
      caps: window === "day" ? { requestsPerDay: d.request_limit, tokensPerDay: d.token_limit, costPerDay: d.budget_limit } : { costPerMonth: d.budget_limit },
      maintenanceWindow: d.maintenance_window,
      quotaRecovery: pool.recovery.on_quota_reset ? "calendar" : "recovery-policy",
      calendar: calendarOf(pool),
    });
  },
};

/** Cooldown plus calendar (quota reset, maintenance end); reads `pools.<id>.recovery` (`modelmesh.calendar-recovery.v1`). */
export const calendarRecoveryConnector: ConnectorDescriptor<PoolPolicyConfig, RecoveryPolicyV1> = {
  id: CALENDAR_RECOVERY_ID,
  type: "rotation",
  role: "recovery",
  specificationVersion: "v1",
  aliases: ["calendar-recovery"],
  runtime: "universal",
  description: "Quota standby ends at the provider's quota reset, maintenance at the window end, errors after a growing cooldown.",
  create: (pool) =>
    createCalendarRecovery({
      cooldownMs: pool.recovery.cooldown,
      growth: pool.recovery.cooldown_growth,
      maxCooldownMs: pool.recovery.max_cooldown,
      onQuotaReset: pool.recovery.on_quota_reset,
      calendar: calendarOf(pool),
      maintenanceWindow: pool.deactivation.maintenance_window,
    }),
};

/** Every connector of this package: seven selection strategies, one deactivation and one recovery policy. */
export const ROTATION_CONNECTORS = [
  prioritySelectionConnector,
  roundRobinConnector,
  costFirstConnector,
  latencyFirstConnector,
  sessionStickinessConnector,
  rateLimitAwareConnector,
  loadBalancedConnector,
  rulesDeactivationConnector,
  calendarRecoveryConnector,
] as const;

/**
 * Registers {@link ROTATION_CONNECTORS} and the recovery scheduler service on a registry (skipping ids already
 * present) and returns it.
 *
 * @example
 * const registry = registerRotationConnectors(new ConnectorRegistry());
 * const mesh = await createMesh(yaml, { registry });
 */
export function registerRotationConnectors(registry: ConnectorRegistry): ConnectorRegistry {
  for (const descriptor of ROTATION_CONNECTORS) if (!registry.has(descriptor.id)) registry.register(descriptor);
  for (const service of ROTATION_SERVICES) if (!registry.hasService(service.id)) registry.registerService(service);
  return registry;
}

function calendarOf(pool: PoolPolicyConfig): QuotaCalendar {
  return { schedule: pool.recovery.quota_reset_schedule, window: pool.deactivation.quota_window === "monthly" ? "month" : "day" };
}

/** The `fallback_strategy` of a priority pool, built from this package's (or core's default) selection connectors. */
function fallbackOf(pool: PoolPolicyConfig, context: ConnectorContext): SelectionStrategyV1 | undefined {
  const id = pool.fallback_strategy;
  if (id === undefined) return undefined;
  if (id === STICK_UNTIL_FAILURE_ID || id === "stick-until-failure") return createStickUntilFailure();
  const shipped = [roundRobinConnector, costFirstConnector, latencyFirstConnector, sessionStickinessConnector, rateLimitAwareConnector, loadBalancedConnector];
  const found = shipped.find((c) => c.id === id || c.aliases?.includes(id));
  if (found === undefined) {
    const known = [STICK_UNTIL_FAILURE_ID, ...shipped.map((c) => c.id)];
    throw configError(pool.id, `fallback_strategy "${id}" is not a shipped selection strategy`, `Use one of: ${known.join(", ")}.`);
  }
  // The shipped factories are synchronous and ignore the context.
  return found.create(pool, context) as SelectionStrategyV1;
}

function configError(poolId: string, what: string, fix: string): ConfigError {
  return new ConfigError({ issues: [{ path: `pools.${poolId}`, message: `${what}. ${fix}` }] });
}
