/**
 * Descriptors of the platform-neutral observability connectors: console, null (taken over from the CDK, same
 * ids and aliases), webhook and prometheus. Each schema is strict: the section keys core owns pass, the
 * connector's own keys are read, anything else is rejected naming the key.
 */
import type { ConnectorDescriptor } from "@modelmesh/core";
import { ConsoleObservability, NullObservability } from "@modelmesh/cdk";
import { z } from "zod";
import { MetricsRegistry } from "./metrics-registry.js";
import { connectorSchema, defined, durationMs, pipelineKeys, pipelineOptions, sectionKeys } from "./observability-config.js";
import { PrometheusObservability } from "./prometheus-observability.js";
import { WebhookObservability } from "./webhook-observability.js";

/** Config of `modelmesh.console.v1`. */
export const consoleConfigSchema = connectorSchema("modelmesh.console.v1", {
  ...pipelineKeys,
  use_color: z.boolean().optional(),
  show_timestamp: z.boolean().optional(),
  prefix: z.string().optional(),
});

/** `modelmesh.console.v1` (`console`): one ANSI-coloured line per record (NO_COLOR honoured, from the host env). */
export const consoleObservabilityConnector: ConnectorDescriptor<z.infer<typeof consoleConfigSchema>, ConsoleObservability> = {
  id: "modelmesh.console.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["console"],
  runtime: "universal",
  description: "Human-readable, ANSI-coloured console output for development; redacted.",
  configSchema: consoleConfigSchema,
  create: (config, context) =>
    new ConsoleObservability({ env: context.env, clock: context.clock, ...pipelineOptions(config), ...defined({ useColor: config.use_color, showTimestamp: config.show_timestamp, prefix: config.prefix }) }),
};

/** Config of `modelmesh.null.v1`: the section's own keys only. */
export const nullConfigSchema = connectorSchema("modelmesh.null.v1", { ...sectionKeys });

/** `modelmesh.null.v1` (`null`): discards everything. */
export const nullObservabilityConnector: ConnectorDescriptor<z.infer<typeof nullConfigSchema>, NullObservability> = {
  id: "modelmesh.null.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["null"],
  runtime: "universal",
  description: "Discards every event, log, statistic and trace.",
  configSchema: nullConfigSchema,
  create: () => new NullObservability(),
};

const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });

/** Config of `modelmesh.webhook.v1`. */
export const webhookConfigSchema = connectorSchema("modelmesh.webhook.v1", {
  ...pipelineKeys,
  url: httpUrl,
  headers: z.record(z.string(), z.string()).optional(),
  batch_size: z.number().int().min(1).max(100_000).optional(),
  batch_interval: durationMs.optional(),
  max_queue: z.number().int().min(1).max(10_000_000).optional(),
  timeout: durationMs.refine((ms) => ms > 0, "must be more than 0").optional(),
  close_timeout: durationMs.optional(),
  max_retries: z.number().int().min(0).optional(),
  retry_backoff: durationMs.optional(),
  max_backoff: durationMs.optional(),
});

/** `modelmesh.webhook.v1` (`webhook`): redacted records POSTed as JSON batches, in order, with retries. */
export const webhookObservabilityConnector: ConnectorDescriptor<z.infer<typeof webhookConfigSchema>, WebhookObservability> = {
  id: "modelmesh.webhook.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["webhook"],
  runtime: "universal",
  description: "Redacted records POSTed as JSON batches to a URL: ordered, bounded queue, retries with backoff.",
  configSchema: webhookConfigSchema,
  create: (config, context) =>
    new WebhookObservability({
      url: config.url,
      clock: context.clock,
      ...pipelineOptions(config),
      ...defined({
        headers: config.headers,
        batchSize: config.batch_size,
        batchIntervalMs: config.batch_interval,
        maxQueue: config.max_queue,
        timeoutMs: config.timeout,
        closeTimeoutMs: config.close_timeout,
        maxRetries: config.max_retries,
        retryBackoffMs: config.retry_backoff,
        maxBackoffMs: config.max_backoff,
      }),
    }),
};

/** Config of `modelmesh.prometheus.v1`. */
export const prometheusConfigSchema = connectorSchema("modelmesh.prometheus.v1", {
  ...sectionKeys,
  namespace: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "expected a metric name prefix such as modelmesh").optional(),
  max_series: z.number().int().min(1).max(1_000_000).optional(),
  max_label_length: z.number().int().min(8).max(4096).optional(),
  buckets: z.array(z.number().positive()).min(1).optional(),
});

type PrometheusConfig = z.infer<typeof prometheusConfigSchema>;

/** A Prometheus descriptor whose instances all record into one registry the host can render. */
export interface PrometheusConnector extends ConnectorDescriptor<PrometheusConfig, PrometheusObservability> {
  /** The registry every instance records into (created on first use when not given). */
  readonly registry: MetricsRegistry | undefined;
  /** The exposition of that registry (empty until the mesh has built an instance). */
  render(): string;
}

function prometheusOptions(config: PrometheusConfig, registry?: MetricsRegistry) {
  return {
    ...(registry ? { registry } : {}),
    ...defined({ namespace: config.namespace, maxSeries: config.max_series, maxLabelLength: config.max_label_length, latencyBuckets: config.buckets, eventFilter: config.events }),
  };
}

const prometheusBase = {
  id: "modelmesh.prometheus.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["prometheus"],
  runtime: "universal",
  description: "Prometheus metrics from events and request logs: requests, attempts, errors, latency, tokens, cost, deactivations.",
  configSchema: prometheusConfigSchema,
} as const;

/**
 * `modelmesh.prometheus.v1` (`prometheus`): each instance has its own registry (`instance.render()`). When
 * the mesh builds the instance from YAML, use {@link createPrometheusConnector} to reach its metrics.
 */
export const prometheusObservabilityConnector: ConnectorDescriptor<PrometheusConfig, PrometheusObservability> = {
  ...prometheusBase,
  create: (config) => new PrometheusObservability(prometheusOptions(config)),
};

/**
 * The same connector (`modelmesh.prometheus.v1`, alias `prometheus`) bound to one registry the host keeps:
 * register it instead of {@link prometheusObservabilityConnector}, load the YAML, then serve
 * `connector.render()`. The first instance creates the registry from its config (`max_series`,
 * `max_label_length`) unless `registry` is given; later instances record into the same metrics.
 */
export function createPrometheusConnector(options: { registry?: MetricsRegistry } = {}): PrometheusConnector {
  let registry = options.registry;
  return {
    ...prometheusBase,
    get registry() {
      return registry;
    },
    render: () => registry?.render() ?? "",
    create: (config) => {
      const instance = new PrometheusObservability(prometheusOptions(config, registry));
      registry = instance.registry;
      return instance;
    },
  };
}

/** The platform-neutral connectors of this package (console, null, webhook, prometheus). */
export const OBSERVABILITY_CONNECTORS: readonly ConnectorDescriptor[] = Object.freeze([
  consoleObservabilityConnector,
  nullObservabilityConnector,
  webhookObservabilityConnector,
  prometheusObservabilityConnector,
] as ConnectorDescriptor[]);
