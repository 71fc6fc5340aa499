/** BaseRotationPolicy and ThresholdRotationPolicy pass the selection, deactivation and recovery suites, directly and through their descriptors. */
import { createManualClock } from "@modelmesh/core";
import { describeDeactivationConformance, describeRecoveryConformance, describeSelectionConformance } from "@modelmesh/testing";
import { thresholdRotationConnector, thresholdRotationRecoveryConnector } from "../../src/connectors/rotation-connectors.js";
import { BaseRotationPolicy } from "../../src/services/base-rotation-policy.js";
import { ThresholdRotationPolicy } from "../../src/services/threshold-rotation-policy.js";

const context = { instanceId: "pool", clock: createManualClock(0), env: {}, runtime: "node" as const };
const pool = { deactivation: { retry_limit: 3, error_rate_threshold: 0.5, error_rate_window: 20 }, recovery: { cooldown: "60s" } };

for (const [name, create] of [
  ["BaseRotationPolicy", () => new BaseRotationPolicy()],
  ["BaseRotationPolicy with priorities", () => new BaseRotationPolicy({ modelPriority: ["p2.model-a"], providerPriority: ["p3"] })],
  ["ThresholdRotationPolicy", () => new ThresholdRotationPolicy()],
  ["ThresholdRotationPolicy (status-code filter)", () => new ThresholdRotationPolicy({ errorCodes: [500, 503], retryLimit: 2 })],
] as const) {
  describeSelectionConformance(name, { create });
  describeDeactivationConformance(name, { create });
  describeRecoveryConformance(name, { create });
}

// The registry validates (and converts `60s` to ms) before `create`; do the same here.
describeDeactivationConformance("modelmesh.threshold-rotation.v1", { create: () => thresholdRotationConnector.create(thresholdRotationConnector.configSchema!.parse(pool), context) });
describeRecoveryConformance("modelmesh.threshold-rotation-recovery.v1", {
  create: () => thresholdRotationRecoveryConnector.create(thresholdRotationRecoveryConnector.configSchema!.parse(pool), context),
});
