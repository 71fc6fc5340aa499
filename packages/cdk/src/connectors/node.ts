/** The Node-only CDK connector descriptors, for `@modelmesh/cdk/node`. */
import type { ConnectorDescriptor } from "@modelmesh/core";
import {
  dotenvSecretsConnector,
  fileObservabilityConnector,
  jsonLogObservabilityConnector,
  jsonSecretsConnector,
  localFileStorageConnector,
} from "./node-connectors.js";

/**
 * The Node-only CDK connectors: `dotenv` and `json-secrets` secret stores, `local-file` storage, and the
 * `file` / `json-log` JSONL sinks. They complement (never repeat) `CDK_CONNECTORS`; register both on Node.
 * @example
 * const registry = new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...CDK_NODE_CONNECTORS] });
 */
export const CDK_NODE_CONNECTORS: readonly ConnectorDescriptor[] = Object.freeze([
  dotenvSecretsConnector,
  jsonSecretsConnector,
  localFileStorageConnector,
  fileObservabilityConnector,
  jsonLogObservabilityConnector,
]);
