/**
 * The discovery descriptors: `modelmesh.health-monitor.v1` (same id and alias as the CDK's) and
 * `modelmesh.registry-sync.v1`. The mesh hands each the whole `discovery.health` / `discovery.sync` section,
 * so the schemas accept the keys core owns (`connector`, `enabled`; `interval`, `timeout`, `failure_threshold`,
 * `providers`, `auto_register` are used here) next to the connector's own, and reject any other key, naming it.
 */
import { tryParseDuration, type ConnectorDescriptor } from "@modelmesh/core";
import { z } from "zod";
import { HealthMonitor } from "./health-monitor.js";
import { RegistrySync } from "./registry-sync.js";
import { contextTransportOf } from "./transport.js";

/** A duration (`30s`, `5m`) or milliseconds; outputs milliseconds (core's section schema already outputs ms). */
const durationMs = z.union([z.number().positive(), z.string()]).transform((value, context) => {
  const ms = tryParseDuration(value);
  if (ms === undefined || ms <= 0) {
    context.addIssue({ code: "custom", message: "expected a positive duration such as 500ms, 10s, 5m or a number of milliseconds" });
    return z.NEVER;
  }
  return ms;
});

const providerList = z.array(z.string().min(1)).min(1, "list at least one provider, or leave the key out to use every provider");

/** Config of `modelmesh.health-monitor.v1` (the `discovery.health` section). */
export const healthMonitorConfigSchema = z.strictObject({
  connector: z.string().optional(),
  /** Core starts the connector only when true. */
  enabled: z.boolean().optional(),
  /** Period between probe rounds (from the end of one round). Default 60s. */
  interval: durationMs.optional(),
  /** Bound of one probe. Default 10s. */
  timeout: durationMs.optional(),
  /** Consecutive failures that make a provider unhealthy. Default 3. */
  failure_threshold: z.number().int().positive().optional(),
  /** Providers to probe. Default: every provider of the mesh. */
  providers: providerList.optional(),
  /** Base URL per provider id; every probed provider needs one. */
  endpoints: z.record(z.string(), z.url()).optional(),
  /** Path appended to the endpoint. Default `/health`. */
  health_path: z.string().startsWith("/", "expected a path starting with /").optional(),
  /** Status that means healthy. Default 200. */
  expected_status: z.number().int().min(100).max(599).optional(),
  /** Headers sent with each probe (e.g. auth of a private health endpoint). */
  headers: z.record(z.string(), z.string()).optional(),
});

/** `modelmesh.health-monitor.v1` (`health-monitor`): `GET <endpoint><health_path>` per provider on an interval. */
export const healthMonitorConnector: ConnectorDescriptor<z.infer<typeof healthMonitorConfigSchema>, HealthMonitor> = {
  id: "modelmesh.health-monitor.v1",
  type: "discovery",
  specificationVersion: "v1",
  aliases: ["health-monitor"],
  runtime: "universal",
  description: "HTTP health probes per provider; start(host) takes failing providers out of rotation and brings them back.",
  configSchema: healthMonitorConfigSchema,
  create: (config, context) => {
    const transport = contextTransportOf(context);
    return new HealthMonitor({
      clock: context.clock,
      ...(transport ? { transport } : {}),
      ...(config.endpoints !== undefined ? { endpoints: config.endpoints } : {}),
      ...(config.providers !== undefined ? { providers: config.providers } : {}),
      ...(config.health_path !== undefined ? { healthPath: config.health_path } : {}),
      ...(config.expected_status !== undefined ? { expectedStatus: config.expected_status } : {}),
      ...(config.headers !== undefined ? { headers: config.headers } : {}),
      ...(config.interval !== undefined ? { healthIntervalMs: config.interval } : {}),
      ...(config.timeout !== undefined ? { healthTimeoutMs: config.timeout } : {}),
      ...(config.failure_threshold !== undefined ? { failureThreshold: config.failure_threshold } : {}),
    });
  },
};

/** Config of `modelmesh.registry-sync.v1` (the `discovery.sync` section). */
export const registrySyncConfigSchema = z.strictObject({
  connector: z.string().optional(),
  /** Core starts the connector only when true. */
  enabled: z.boolean().optional(),
  /** Period between syncs (from the end of one). Default 1h. */
  interval: durationMs.optional(),
  /** Providers to sync. Default: every provider of the mesh. */
  providers: providerList.optional(),
  /** Only `false`: new models are reported, not registered. */
  auto_register: z
    .boolean()
    .refine((on) => !on, { message: "not supported yet: the mesh builds pools at start-up; restart to pick up new models" })
    .optional(),
});

/** `modelmesh.registry-sync.v1` (`registry-sync`): diffs each provider's model listing on an interval. */
export const registrySyncConnector: ConnectorDescriptor<z.infer<typeof registrySyncConfigSchema>, RegistrySync> = {
  id: "modelmesh.registry-sync.v1",
  type: "discovery",
  specificationVersion: "v1",
  aliases: ["registry-sync"],
  runtime: "universal",
  description: "Lists every provider's models on an interval and reports new, deprecated and failing listings.",
  configSchema: registrySyncConfigSchema,
  create: (config, context) =>
    new RegistrySync({
      clock: context.clock,
      ...(config.interval !== undefined ? { intervalMs: config.interval } : {}),
      ...(config.providers !== undefined ? { providers: config.providers } : {}),
    }),
};

/** Every discovery descriptor of this package. */
export const DISCOVERY_CONNECTORS: readonly ConnectorDescriptor[] = [healthMonitorConnector, registrySyncConnector] as readonly ConnectorDescriptor[];
