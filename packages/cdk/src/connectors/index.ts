/**
 * The CDK's connector descriptors (platform-neutral). Register them on a registry to make config-only
 * connectors (`connector: openai-compatible`) work; Node-only ones are `CDK_NODE_CONNECTORS` in
 * `@modelmesh/cdk/node`.
 */
import type { ConnectorDescriptor } from "@modelmesh/core";
import { httpApiConnector, openAICompatibleConnector, quickConnector } from "./provider-connectors.js";
import { thresholdRotationConnector, thresholdRotationRecoveryConnector } from "./rotation-connectors.js";
import {
  consoleObservabilityConnector,
  envSecretsConnector,
  healthMonitorConnector,
  memorySecretsConnector,
  memoryStorageConnector,
  nullObservabilityConnector,
} from "./service-connectors.js";

/**
 * Every platform-neutral CDK connector: providers (`openai-compatible`, `http-api`, `quick`), threshold
 * rotation (deactivation + recovery), secret stores (`env`, `memory-secrets`), storage (`memory`),
 * observability (`console`, `null`) and discovery (`health-monitor`).
 * @example
 * const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }) });
 */
export const CDK_CONNECTORS: readonly ConnectorDescriptor[] = Object.freeze([
  openAICompatibleConnector,
  httpApiConnector,
  quickConnector,
  thresholdRotationConnector,
  thresholdRotationRecoveryConnector,
  envSecretsConnector,
  memorySecretsConnector,
  memoryStorageConnector,
  consoleObservabilityConnector,
  nullObservabilityConnector,
  healthMonitorConnector,
]);
