import type { DeactivationPolicyV1, RecoveryPolicyV1, SelectionStrategyV1 } from "../connectors/rotation.js";
import type { PoolConfig } from "../config/schema.js";
import type { ConnectorDescriptor, ConnectorRegistry } from "../registry/registry.js";
import { ConfigError } from "../errors/errors.js";
import { createPrioritySelection, PRIORITY_SELECTION_ID } from "../router/priority-selection.js";
import { createStickUntilFailure, STICK_UNTIL_FAILURE_ID } from "../router/stick-until-failure.js";
import { COOLDOWN_RECOVERY_ID, THRESHOLD_DEACTIVATION_ID, createCooldownRecovery, createThresholdDeactivation } from "../state/policies.js";

/**
 * What a rotation connector's factory receives as config: the whole pool entry (snake_case, validated), so
 * a strategy can read `model_priority`, `rate_limit`, `session`… and a deactivation policy `deactivation`.
 */
export type PoolPolicyConfig = PoolConfig & { id: string };

/**
 * The default selection strategy: the highest-priority available model, in pool order (or
 * `model_priority` / `provider_priority`), so traffic returns to a preferred model once its probe succeeds.
 * This core descriptor takes `fallback_strategy: stick-until-failure` only; `@modelmesh/rotation` registers
 * the same id with every shipped strategy as a fallback.
 */
export const prioritySelectionConnector: ConnectorDescriptor<PoolPolicyConfig, SelectionStrategyV1> = {
  id: PRIORITY_SELECTION_ID,
  type: "rotation",
  role: "selection",
  specificationVersion: "v1",
  aliases: ["priority-selection"],
  runtime: "universal",
  description: "Always the highest-priority available model; a fallback strategy for the rest.",
  create: (pool) => {
    const fallback = pool.fallback_strategy;
    if (fallback !== undefined && fallback !== STICK_UNTIL_FAILURE_ID && fallback !== "stick-until-failure") {
      throw new ConfigError({
        issues: [{ path: `pools.${pool.id}`, message: `fallback_strategy "${fallback}" needs @modelmesh/rotation. Install it (the modelmesh package includes it), or use stick-until-failure.` }],
      });
    }
    return createPrioritySelection({ modelPriority: pool.model_priority, providerPriority: pool.provider_priority });
  },
};

/** Stick until failure: keep the current model until it fails, then advance in pool order. */
export const stickUntilFailureConnector: ConnectorDescriptor<PoolPolicyConfig, SelectionStrategyV1> = {
  id: STICK_UNTIL_FAILURE_ID,
  type: "rotation",
  role: "selection",
  specificationVersion: "v1",
  aliases: ["stick-until-failure"],
  runtime: "universal",
  description: "Keep using the current model until it fails, then advance in pool order.",
  create: () => createStickUntilFailure(),
};

/** The default deactivation policy: thresholds from `pools.<id>.deactivation`. */
export const thresholdDeactivationConnector: ConnectorDescriptor<PoolPolicyConfig, DeactivationPolicyV1> = {
  id: THRESHOLD_DEACTIVATION_ID,
  type: "rotation",
  role: "deactivation",
  specificationVersion: "v1",
  aliases: ["threshold-deactivation"],
  runtime: "universal",
  description: "Standby on consecutive failures, error rate, counted status codes, caps and quota windows.",
  create: (pool) => {
    const d = pool.deactivation;
    return createThresholdDeactivation({
      retryLimit: d.retry_limit,
      // Unset means off (the schema's contract), not the policy's own default.
      errorRateThreshold: d.error_rate_threshold ?? Number.POSITIVE_INFINITY,
      errorRateMinSamples: d.error_rate_min_samples,
      errorCodes: d.error_codes,
      requestLimit: d.request_limit,
      tokenLimit: d.token_limit,
      budgetLimit: d.budget_limit,
      quotaWindow: d.quota_window === "monthly" ? "month" : "day",
    });
  },
};

/** The default recovery policy: cooldown that grows on repeated failure, then one half-open probe. */
export const cooldownRecoveryConnector: ConnectorDescriptor<PoolPolicyConfig, RecoveryPolicyV1> = {
  id: COOLDOWN_RECOVERY_ID,
  type: "rotation",
  role: "recovery",
  specificationVersion: "v1",
  aliases: ["cooldown-recovery"],
  runtime: "universal",
  description: "Cooldown (growing on repeated failure) then a single half-open probe.",
  create: (pool) => createCooldownRecovery({ cooldownMs: pool.recovery.cooldown, growth: pool.recovery.cooldown_growth, maxCooldownMs: pool.recovery.max_cooldown }),
};

/** Core's built-in connectors (the default rotation policy parts). */
export const CORE_CONNECTORS = [prioritySelectionConnector, stickUntilFailureConnector, thresholdDeactivationConnector, cooldownRecoveryConnector] as const;

/** Registers core's built-ins on a registry unless already present. */
export function registerCoreConnectors(registry: ConnectorRegistry): ConnectorRegistry {
  for (const descriptor of CORE_CONNECTORS) if (!registry.has(descriptor.id)) registry.register(descriptor);
  return registry;
}
