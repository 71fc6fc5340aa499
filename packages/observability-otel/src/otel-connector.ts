/**
 * The config side: `modelmesh.otel.v1` (aliases `otel`, `opentelemetry`) for an `observability.<sink>` section,
 * using the global tracer and meter providers of `@opentelemetry/api`. The section keys core owns pass
 * through (docs/ARCHITECTURE.md §2.12); any other key is rejected with the reason.
 */
import { ConfigError, type ConnectorContext, type ConnectorDescriptor } from "@modelmesh/core";
import { z } from "zod";
import { OTEL_EVENT_TYPES, OtelObservability, type OtelEventType } from "./otel-observability.js";

/** Id of the OpenTelemetry connector. */
export const OTEL_CONNECTOR_ID = "modelmesh.otel.v1";

/**
 * Keys of the `observability.routing|logging|statistics` sections that core owns, validates
 * (packages/core/src/config/schema-services.ts) and acts on before anything reaches a sink
 * (packages/core/src/mesh/telemetry.ts: `level`, `redact` and `max_payload_size` shape the request-log records).
 * They arrive with the section, so they are accepted here. `events` is listed below: core filters the routing
 * sink's events by it, and this connector checks that it names events it uses.
 */
const sectionKeys = {
  connector: z.string().optional(),
  level: z.unknown().optional(),
  redact: z.unknown().optional(),
  max_payload_size: z.unknown().optional(),
  flush_interval: z.unknown().optional(),
  retention: z.unknown().optional(),
  scopes: z.unknown().optional(),
};

const eventType = z.string().refine((name) => (OTEL_EVENT_TYPES as readonly string[]).includes(name), {
  error: (issue) => `'${String(issue.input)}' is not an event this connector turns into telemetry. Use some of: ${OTEL_EVENT_TYPES.join(", ")}`,
});

/** Config of `modelmesh.otel.v1`: its own keys plus the section keys core owns. */
export const otelConfigSchema = z.strictObject({
  ...sectionKeys,
  /** Event types turned into telemetry (request spans need `request-start` and `request-end`). Default: all. */
  events: z.array(eventType).optional(),
  /** Record metrics (`gen_ai.client.*`, `modelmesh.client.*`) on the global meter provider. Default true. */
  metrics: z.boolean().default(true),
  /** Requests with open spans at once; past it the oldest is ended with an error status. Default 1000 (DEFAULT_MAX_OPEN_REQUESTS). */
  max_open_requests: z.number().int().positive().optional(),
  /** Chat prompts and answers on request spans (turns the mesh's payload capture on). Default false. */
  capture_content: z.boolean().optional(),
});

/** Validated config of `modelmesh.otel.v1`. */
export type OtelConfig = z.infer<typeof otelConfigSchema>;

/** Keys that only act on events, which only the `routing` sink receives. */
const EVENT_KEYS = ["events", "max_open_requests", "capture_content"] as const;

function sinkError(path: string, message: string): ConfigError {
  return new ConfigError({ code: "MM_CONFIG_INVALID", issues: [{ path, message }] });
}

/** `modelmesh.otel.v1` (`otel`, `opentelemetry`): spans and metrics on the global OpenTelemetry providers. */
export const otelObservabilityConnector: ConnectorDescriptor<OtelConfig, OtelObservability> = {
  id: OTEL_CONNECTOR_ID,
  type: "observability",
  specificationVersion: "v1",
  aliases: ["otel", "opentelemetry"],
  runtime: "universal",
  description: "OpenTelemetry spans (one per request, one per upstream attempt) and GenAI metrics on the global providers.",
  configSchema: otelConfigSchema,
  create: (config: OtelConfig, context: ConnectorContext) => {
    // The mesh feeds each sink one thing (packages/core/src/mesh/telemetry.ts): `routing` the events, `logging`
    // one record per request, `statistics` periodic aggregates, which the metric SDK makes itself.
    if (context.instanceId === "observability.statistics") {
      throw sinkError(`${context.instanceId}.connector`, "the OpenTelemetry connector makes its metrics from the mesh's events: configure it in observability.routing (the metric SDK aggregates; statistics flushes would add nothing)");
    }
    if (context.instanceId === "observability.logging") {
      const key = EVENT_KEYS.find((k) => config[k] !== undefined);
      if (key) throw sinkError(`${context.instanceId}.config.${key}`, "has no effect in observability.logging: this sink receives one record per request (its cost goes to modelmesh.client.cost), not events. Set it in observability.routing");
    }
    if (config.capture_content && context.events) context.events.capturePayloads = true;
    return new OtelObservability({
      id: OTEL_CONNECTOR_ID,
      metrics: config.metrics,
      captureContent: config.capture_content ?? false,
      ...(config.max_open_requests !== undefined ? { maxOpenRequests: config.max_open_requests } : {}),
      ...(config.events ? { events: config.events as OtelEventType[] } : {}),
    });
  },
};

/** Every descriptor of this package. */
export const OTEL_CONNECTORS: readonly ConnectorDescriptor[] = Object.freeze([otelObservabilityConnector as ConnectorDescriptor]);
