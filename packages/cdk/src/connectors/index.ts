/**
 * The CDK's connector descriptors: the config-only providers and the threshold rotation policy. Register them
 * on a registry to make config-only connectors (`connector: openai-compatible`) work. The service families
 * (secret stores, storage, observability, discovery) ship their connectors in their own packages:
 * `@modelmesh/secrets`, `@modelmesh/storage`, `@modelmesh/observability`, `@modelmesh/discovery`.
 */
import type { ConnectorDescriptor } from "@modelmesh/core";
import { httpApiConnector, openAICompatibleConnector, quickConnector } from "./provider-connectors.js";
import { thresholdRotationConnector, thresholdRotationRecoveryConnector } from "./rotation-connectors.js";

/**
 * Every CDK connector: providers (`openai-compatible`, `http-api`, `quick`) and threshold rotation
 * (deactivation + recovery).
 * @example
 * const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }) });
 */
export const CDK_CONNECTORS: readonly ConnectorDescriptor[] = Object.freeze([
  openAICompatibleConnector,
  httpApiConnector,
  quickConnector,
  thresholdRotationConnector,
  thresholdRotationRecoveryConnector,
]);
