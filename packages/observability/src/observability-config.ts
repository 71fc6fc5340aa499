/**
 * Config pieces shared by the observability descriptors: YAML durations and sizes, the keys of an
 * `observability.routing|logging|statistics` section that core owns (the mesh passes the whole section to the
 * connector), the pipeline keys every BaseObservability sink reads, and strict schemas that reject any other
 * key by name.
 */
import { tryParseDuration, tryParseSize, type MeshEventType } from "@modelmesh/core";
import type { ObservabilityOptions } from "@modelmesh/cdk";
import { z } from "zod";

/** A duration in YAML (`30s`, `5m`, `500ms`) or milliseconds as a number; outputs milliseconds. */
export const durationMs = z.union([z.number(), z.string()]).transform((value, context) => {
  const ms = tryParseDuration(value);
  if (ms === undefined || ms < 0) {
    context.addIssue({ code: "custom", message: "expected a duration such as 500ms, 10s, 5m, 1h or a number of milliseconds" });
    return z.NEVER;
  }
  return ms;
});

/** A size in YAML (`10MB`, `512KB`) or bytes as a number; outputs bytes. */
export const sizeBytes = z.union([z.number(), z.string()]).transform((value, context) => {
  const bytes = tryParseSize(value);
  if (bytes === undefined) {
    context.addIssue({ code: "custom", message: "expected a size such as 512KB, 10MB or a number of bytes" });
    return z.NEVER;
  }
  return bytes;
});

/**
 * Keys of the observability sections that core's config schema owns and passes through with the section
 * (packages/core/src/config/schema-services.ts). `connector`, `max_payload_size`, `flush_interval` and
 * `retention` are read by core (or nobody) and ignored here; `events`, `level`, `redact` and `scopes` are also
 * read by the connectors that extend BaseObservability (see {@link pipelineKeys}).
 */
export const sectionKeys = {
  connector: z.string().optional(),
  events: z.array(z.string()).optional(),
  level: z.enum(["metadata", "summary", "full"]).optional(),
  redact: z.boolean().optional(),
  max_payload_size: z.unknown().optional(),
  flush_interval: z.unknown().optional(),
  retention: z.unknown().optional(),
  scopes: z.array(z.string()).optional(),
} as const;

/** Section keys plus the pipeline's own `min_severity`: the keys of every BaseObservability sink. */
export const pipelineKeys = {
  ...sectionKeys,
  min_severity: z.enum(["debug", "info", "warning", "error", "critical"]).optional(),
} as const;

/**
 * A strict object schema for one connector: an unknown key fails with a message naming the key, the connector
 * and the keys it accepts (the registry prefixes the config path, e.g. `observability.routing.config`).
 */
export function connectorSchema<T extends z.ZodRawShape>(connectorId: string, shape: T) {
  const accepted = Object.keys(shape).sort().join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => `'${key}'`).join(", ")}: connector '${connectorId}' does not read ${issue.keys.length > 1 ? "them" : "it"}; accepted keys are ${accepted}`
        : undefined,
  });
}

/** The pipeline options of a section with {@link pipelineKeys}. */
export function pipelineOptions(config: {
  events?: string[] | undefined;
  level?: "metadata" | "summary" | "full" | undefined;
  redact?: boolean | undefined;
  min_severity?: ObservabilityOptions["minSeverity"] | undefined;
  scopes?: string[] | undefined;
}): Partial<ObservabilityOptions> {
  return defined({
    // Unknown type names simply never match; core's event names are `route-deactivated`, `rotation`, …
    eventFilter: config.events as MeshEventType[] | undefined,
    logLevel: config.level,
    redactSecrets: config.redact,
    minSeverity: config.min_severity,
    scopes: config.scopes,
  });
}

/** Drops undefined values so optional config keys never override a class default with `undefined`. */
export function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = inner;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
