/**
 * @modelmesh/observability-otel — OpenTelemetry for ModelMesh: one span per request and one child span per
 * upstream attempt, and the GenAI client metrics, following the OpenTelemetry GenAI semantic conventions.
 */
declare const __PACKAGE_VERSION__: string;

/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Connector (register it, then name it in `observability.routing.connector: otel`)
export { OTEL_CONNECTORS, OTEL_CONNECTOR_ID, otelConfigSchema, otelObservabilityConnector, type OtelConfig } from "./otel-connector.js";
/** The descriptor as `connector`, so `connectors.packages: ["@modelmesh/observability-otel"]` loads it. */
export { otelObservabilityConnector as connector } from "./otel-connector.js";

// Code users
export {
  createOtelObservability,
  DEFAULT_MAX_OPEN_REQUESTS,
  OTEL_EVENT_TYPES,
  OTEL_SCOPE_NAME,
  OtelObservability,
  type OtelEventType,
  type OtelObservabilityOptions,
} from "./otel-observability.js";

// Attribute and metric names
export { DURATION_BUCKETS, GEN_AI, INCOMPLETE_ERROR_TYPE, METRICS, MODELMESH, TOKEN_BUCKETS } from "./otel-attributes.js";
