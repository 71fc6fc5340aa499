/**
 * Descriptors of the platform-neutral service connectors: env and in-memory secret stores, in-memory
 * storage, console and null observability, and the HTTP health monitor. Config keys are snake_case; the
 * section's own keys (`store`, `connector`, `sync_policy`, …) pass through and are ignored here.
 */
import type { ConnectorDescriptor, MeshEventType } from "@modelmesh/core";
import { z } from "zod";
import { NullObservability } from "../services/base-observability.js";
import { MemorySecretStore } from "../services/base-secret-store.js";
import { BaseStorage } from "../services/base-storage.js";
import { ConsoleObservability } from "../services/console-observability.js";
import { EnvSecretStore } from "../services/env-secret-store.js";
import { HttpHealthDiscovery } from "../services/http-health-discovery.js";
import { contextTransport, defined, durationMs } from "./connector-schemas.js";

/** Keys shared by the secret-store sections. */
const secretStoreBlock = z.looseObject({
  cache_ttl: durationMs.optional(),
  fail_on_missing: z.boolean().optional(),
});

/** Config of `modelmesh.env.v1`. */
export const envSecretsConfigSchema = secretStoreBlock.extend({ prefix: z.string().optional() });

/** `modelmesh.env.v1` (`env`): secrets from the environment the host passes in (`createMesh({ env })`). */
export const envSecretsConnector: ConnectorDescriptor<z.infer<typeof envSecretsConfigSchema>, EnvSecretStore> = {
  id: "modelmesh.env.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["env"],
  runtime: "universal",
  description: "Secrets from environment variables (name as given, then UPPER_SNAKE), with an optional prefix.",
  configSchema: envSecretsConfigSchema,
  create: (config, context) =>
    new EnvSecretStore({ id: "modelmesh.env.v1", env: context.env, clock: context.clock, ...defined({ prefix: config.prefix, cacheTtlMs: config.cache_ttl, failOnMissing: config.fail_on_missing }) }),
};

/** Config of `modelmesh.memory-secrets.v1`. */
export const memorySecretsConfigSchema = secretStoreBlock.extend({ secrets: z.record(z.string(), z.string()).optional() });

/** `modelmesh.memory-secrets.v1` (`memory-secrets`): secrets given in the config or set at run time (tests, demos). */
export const memorySecretsConnector: ConnectorDescriptor<z.infer<typeof memorySecretsConfigSchema>, MemorySecretStore> = {
  id: "modelmesh.memory-secrets.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["memory-secrets"],
  runtime: "universal",
  description: "In-memory secrets from the config block (`secrets:`) or set at run time.",
  configSchema: memorySecretsConfigSchema,
  create: (config, context) => new MemorySecretStore({ clock: context.clock, ...defined({ secrets: config.secrets, failOnMissing: config.fail_on_missing }) }),
};

/** Lock and format keys of storage sections. */
export const storageConfigSchema = z.looseObject({
  format: z.enum(["json", "yaml", "msgpack"]).optional(),
  locking: z.looseObject({ enabled: z.boolean().optional(), ttl: durationMs.optional(), timeout: durationMs.optional() }).optional(),
});

/** Storage options from a storage section. */
export function storageOptions(config: z.infer<typeof storageConfigSchema>) {
  return defined({ format: config.format, lockingEnabled: config.locking?.enabled, lockTtlMs: config.locking?.ttl, lockWaitMs: config.locking?.timeout });
}

/** `modelmesh.memory.v1` (`memory`): in-process storage with locks (the default; state is lost on exit). */
export const memoryStorageConnector: ConnectorDescriptor<z.infer<typeof storageConfigSchema>, BaseStorage> = {
  id: "modelmesh.memory.v1",
  type: "storage",
  specificationVersion: "v1",
  aliases: ["memory"],
  runtime: "universal",
  description: "In-memory storage with advisory locks.",
  configSchema: storageConfigSchema,
  create: (config, context) => new BaseStorage({ id: "modelmesh.memory.v1", clock: context.clock, ...storageOptions(config) }),
};

/** Keys shared by the observability sink sections (`observability.routing|logging|statistics`). */
export const observabilityConfigSchema = z.looseObject({
  events: z.array(z.string()).optional(),
  level: z.enum(["metadata", "summary", "full"]).optional(),
  redact: z.boolean().optional(),
  min_severity: z.enum(["debug", "info", "warning", "error", "critical"]).optional(),
  scopes: z.array(z.string()).optional(),
});

/** Pipeline options from a sink section. */
export function observabilityOptions(config: z.infer<typeof observabilityConfigSchema>) {
  return defined({
    // Unknown type names simply never match; core's event names are `route-deactivated`, `rotation`, …
    eventFilter: config.events as MeshEventType[] | undefined,
    logLevel: config.level,
    redactSecrets: config.redact,
    minSeverity: config.min_severity,
    scopes: config.scopes,
  });
}

/** Config of `modelmesh.console.v1`. */
export const consoleConfigSchema = observabilityConfigSchema.extend({ use_color: z.boolean().optional(), show_timestamp: z.boolean().optional(), prefix: z.string().optional() });

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
    new ConsoleObservability({ env: context.env, clock: context.clock, ...observabilityOptions(config), ...defined({ useColor: config.use_color, showTimestamp: config.show_timestamp, prefix: config.prefix }) }),
};

/** `modelmesh.null.v1` (`null`): discards everything. */
export const nullObservabilityConnector: ConnectorDescriptor<Record<string, unknown>, NullObservability> = {
  id: "modelmesh.null.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["null"],
  runtime: "universal",
  description: "Discards every event, log, statistic and trace.",
  create: () => new NullObservability(),
};

/** Config of `modelmesh.health-monitor.v1` (the `discovery.health` section). */
export const healthMonitorConfigSchema = z.looseObject({
  interval: durationMs.optional(),
  timeout: durationMs.optional(),
  failure_threshold: z.number().int().positive().optional(),
  providers: z.array(z.string()).optional(),
  endpoints: z.record(z.string(), z.url()).optional(),
  health_path: z.string().optional(),
  expected_status: z.number().int().min(100).max(599).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

/** `modelmesh.health-monitor.v1` (`health-monitor`): `GET <endpoint><health_path>` per provider on an interval. */
export const healthMonitorConnector: ConnectorDescriptor<z.infer<typeof healthMonitorConfigSchema>, HttpHealthDiscovery> = {
  id: "modelmesh.health-monitor.v1",
  type: "discovery",
  specificationVersion: "v1",
  aliases: ["health-monitor"],
  runtime: "universal",
  description: "HTTP health probes per provider with availability scores; start() polls on an interval.",
  configSchema: healthMonitorConfigSchema,
  create: (config, context) => {
    const transport = contextTransport(context);
    return new HttpHealthDiscovery({
      id: "modelmesh.health-monitor.v1",
      clock: context.clock,
      ...(transport ? { transport } : {}),
      ...defined({
        endpoints: config.endpoints,
        providers: config.providers,
        healthPath: config.health_path,
        expectedStatus: config.expected_status,
        headers: config.headers,
        healthIntervalMs: config.interval,
        healthTimeoutMs: config.timeout,
        failureThreshold: config.failure_threshold,
      }),
    });
  },
};
