/**
 * Rotation descriptors backed by `ThresholdRotationPolicy`. A pool names them per part:
 * `deactivation.connector: threshold-rotation` and `recovery.connector: threshold-rotation-recovery`. Their
 * config is the validated pool entry (core hands every rotation connector the whole pool block), so the
 * keys are the pool's own: `deactivation.retry_limit`, `error_rate_threshold`, `error_rate_window` (in
 * requests), `error_rate_min_samples`, `error_codes`, caps, and `recovery.cooldown` / `cooldown_growth` /
 * `max_cooldown`. Core's own `modelmesh.threshold-deactivation.v1` / `cooldown-recovery.v1` stay the
 * defaults; these differ by keeping their own sliding window of outcomes per route.
 */
import type { ConnectorDescriptor, DeactivationPolicyV1, RecoveryPolicyV1 } from "@modelmesh/core";
import { z } from "zod";
import { ThresholdRotationPolicy } from "../services/threshold-rotation-policy.js";
import { defined, durationMs } from "./connector-schemas.js";

const deactivationBlock = z.looseObject({
  retry_limit: z.number().int().nonnegative().optional(),
  error_rate_threshold: z.number().min(0).max(1).optional(),
  error_rate_window: z.number().int().positive().optional(),
  error_rate_min_samples: z.number().int().positive().optional(),
  error_codes: z.array(z.number().int()).optional(),
  request_limit: z.number().nonnegative().optional(),
  token_limit: z.number().nonnegative().optional(),
  budget_limit: z.number().nonnegative().optional(),
});

const recoveryBlock = z.looseObject({
  cooldown: durationMs.optional(),
  cooldown_growth: z.number().positive().optional(),
  max_cooldown: durationMs.optional(),
});

/** The pool entry as these connectors read it (other pool keys pass through untouched). */
export const thresholdRotationConfigSchema = z.looseObject({
  deactivation: deactivationBlock.optional(),
  recovery: recoveryBlock.optional(),
});

/** Pool config read by the threshold rotation connectors. */
export type ThresholdRotationConfig = z.infer<typeof thresholdRotationConfigSchema>;

/** Options of the policy from a pool entry. An unset `error_rate_threshold` turns the error-rate rule off, as in core. */
export function thresholdRotationOptions(config: ThresholdRotationConfig, id: string) {
  const d = config.deactivation ?? {};
  const r = config.recovery ?? {};
  return {
    id,
    // The window is counted in requests (`error_rate_window`), not time: keep samples by count only.
    windowMs: Number.MAX_SAFE_INTEGER,
    errorRateThreshold: d.error_rate_threshold ?? Number.POSITIVE_INFINITY,
    ...defined({
      failureThreshold: d.retry_limit,
      maxSamples: d.error_rate_window,
      minSamples: d.error_rate_min_samples,
      errorCodes: d.error_codes,
      requestLimit: d.request_limit,
      tokenLimit: d.token_limit,
      budgetLimit: d.budget_limit,
      cooldownMs: r.cooldown,
      cooldownGrowth: r.cooldown_growth,
      maxCooldownMs: r.max_cooldown,
    }),
  };
}

/** `modelmesh.threshold-rotation.v1` (`threshold-rotation`): deactivation by consecutive failures, error rate and caps over its own window. */
export const thresholdRotationConnector: ConnectorDescriptor<ThresholdRotationConfig, DeactivationPolicyV1> = {
  id: "modelmesh.threshold-rotation.v1",
  type: "rotation",
  role: "deactivation",
  specificationVersion: "v1",
  aliases: ["threshold-rotation"],
  runtime: "universal",
  description: "Standby on consecutive failures, error rate over the last N requests, status codes and daily caps.",
  configSchema: thresholdRotationConfigSchema,
  create: (config) => new ThresholdRotationPolicy(thresholdRotationOptions(config, "modelmesh.threshold-rotation.v1")),
};

/** `modelmesh.threshold-rotation-recovery.v1` (`threshold-rotation-recovery`): Retry-After, cap reset, else a growing cooldown. */
export const thresholdRotationRecoveryConnector: ConnectorDescriptor<ThresholdRotationConfig, RecoveryPolicyV1> = {
  id: "modelmesh.threshold-rotation-recovery.v1",
  type: "rotation",
  role: "recovery",
  specificationVersion: "v1",
  aliases: ["threshold-rotation-recovery"],
  runtime: "universal",
  description: "Back after Retry-After or the cap's reset when known, else after a cooldown growing per repeat.",
  configSchema: thresholdRotationConfigSchema,
  create: (config) => new ThresholdRotationPolicy(thresholdRotationOptions(config, "modelmesh.threshold-rotation-recovery.v1")),
};
