/**
 * @modelmesh/observability/node — everything of the root entry plus the Node-only JSONL file sinks
 * (`modelmesh.file.v1`, `modelmesh.json-log.v1`).
 */
import type { ConnectorDescriptor } from "@modelmesh/core";
import { OBSERVABILITY_NODE_CONNECTORS } from "./node-connectors.js";
import { OBSERVABILITY_CONNECTORS } from "./observability-connectors.js";

export * from "./index.js";
export { OBSERVABILITY_NODE_CONNECTORS, fileObservabilityConfigSchema, fileObservabilityConnector, jsonLogConfigSchema, jsonLogObservabilityConnector } from "./node-connectors.js";

/** Every connector of the package, Node-only ones included (what `connectors.packages` loads from this entry). */
export const connectors: readonly ConnectorDescriptor[] = Object.freeze([...OBSERVABILITY_CONNECTORS, ...OBSERVABILITY_NODE_CONNECTORS]);
