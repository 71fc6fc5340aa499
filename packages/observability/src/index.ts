/**
 * @modelmesh/observability — the observability connectors: console and null (from the CDK's classes),
 * webhook (ordered JSON batches with a bounded queue), callback (the host's functions) and Prometheus
 * (metrics from events, with a bounded text-exposition registry). Platform-neutral; the Node-only JSONL file
 * sinks are in `@modelmesh/observability/node`.
 */
import type { ConnectorDescriptor } from "@modelmesh/core";
import { OBSERVABILITY_CONNECTORS } from "./observability-connectors.js";

declare const __PACKAGE_VERSION__: string;
/** Version of this package. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Connectors (register them, then name them in `observability.routing|logging|statistics.connector`)
export {
  OBSERVABILITY_CONNECTORS,
  consoleConfigSchema,
  consoleObservabilityConnector,
  createPrometheusConnector,
  nullConfigSchema,
  nullObservabilityConnector,
  prometheusConfigSchema,
  prometheusObservabilityConnector,
  webhookConfigSchema,
  webhookObservabilityConnector,
  type PrometheusConnector,
} from "./observability-connectors.js";

/** The same list under the name `connectors.packages` loading looks for. */
export const connectors: readonly ConnectorDescriptor[] = OBSERVABILITY_CONNECTORS;

// Sinks
export {
  WebhookDeliveryError,
  WebhookObservability,
  parseRetryAfter,
  type WebhookDeliveryStats,
  type WebhookObservabilityOptions,
  type WebhookProblem,
} from "./webhook-observability.js";
export {
  CallbackObservability,
  callbackObservability,
  type CallbackConnectorOptions,
  type CallbackObservabilityOptions,
  type ObservabilityHandlers,
} from "./callback-observability.js";
export { DEFAULT_LATENCY_BUCKETS, PrometheusObservability, type PrometheusObservabilityOptions } from "./prometheus-observability.js";

// Metrics registry (Prometheus text exposition 0.0.4)
export { Counter, Gauge, Histogram, MetricsRegistry, escapeLabel, type CounterSeries, type HistogramSeries, type MetricsRegistryOptions } from "./metrics-registry.js";
