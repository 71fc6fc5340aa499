/**
 * What runs beside the router once a mesh is assembled (docs/ARCHITECTURE.md §2.15): the discovery connectors of
 * `discovery.health` / `discovery.sync`, and the background services registered with the connectors (the recovery
 * scheduler of `@modelmesh/rotation`). Each is started only when the config asks for it and stopped on `close()`;
 * a key that needs a service nobody registered is rejected at start-up, naming the package that provides it.
 */
import type { MeshConfig } from "../config/schema.js";
import type { ConfigIssueDraft } from "../config/issues.js";
import type { DiscoveryConnectorV1, DiscoveryHost, HealthReport } from "../connectors/services.js";
import { ConfigError } from "../errors/errors.js";
import type { MeshEventBus } from "../events/events.js";
import type { Clock } from "../internal/clock.js";
import type { ConnectorContext, ConnectorRegistry, MeshServiceHandle } from "../registry/registry.js";
import type { RouterProvider } from "../router/types.js";
import type { StateLedger } from "../state/ledger.js";

/** The service of `@modelmesh/rotation` that probes standby routes and parks providers on an outage. */
export const RECOVERY_SCHEDULER_ID = "modelmesh.recovery-scheduler.v1";

/** Where a config asks for the recovery scheduler: probes at start-up or on a period, provider outage detection. */
export function schedulerKeys(config: Pick<MeshConfig, "pools">): string[][] {
  const paths: string[][] = [];
  for (const [id, pool] of Object.entries(config.pools)) {
    if (pool.recovery.probe_on_start) paths.push(["pools", id, "recovery", "probe_on_start"]);
    if (pool.recovery.probe_interval !== undefined) paths.push(["pools", id, "recovery", "probe_interval"]);
    if (pool.provider_deactivation === "on_api_outage") paths.push(["pools", id, "provider_deactivation"]);
  }
  return paths;
}

/** Fails when the config needs a service the registry lacks (the keys would otherwise be accepted and ignored). */
export function checkServices(config: MeshConfig, registry: ConnectorRegistry): ConfigIssueDraft[] {
  if (registry.hasService(RECOVERY_SCHEDULER_ID)) return [];
  return schedulerKeys(config).map((path) => ({
    path,
    message:
      "needs the recovery scheduler of @modelmesh/rotation, which this mesh's registry does not have. modelmesh's create() and the proxy include it; with createMesh, register it: registry.registerService(recoverySchedulerService)",
  }));
}

/** Starts every registered service whose `wants(config)` is true; returns their stop functions. */
export async function startServices(mesh: unknown, config: MeshConfig, registry: ConnectorRegistry): Promise<MeshServiceHandle[]> {
  const handles: MeshServiceHandle[] = [];
  try {
    for (const service of registry.services()) if (service.wants(config)) handles.push(await service.start(mesh));
  } catch (error) {
    await Promise.allSettled(handles.map((handle) => handle.stop()));
    throw error;
  }
  return handles;
}

/** What {@link startDiscovery} works with. */
export interface DiscoveryParts {
  config: MeshConfig;
  registry: ConnectorRegistry;
  context: (instanceId: string) => ConnectorContext;
  providers: ReadonlyMap<string, RouterProvider>;
  ledger: StateLedger;
  events: MeshEventBus;
  clock: Clock;
  /** Connector ids given explicitly in the source (validated even when their section is off). */
  given: (path: readonly string[]) => boolean;
}

/**
 * Creates and starts the discovery connectors of enabled `discovery.health` / `discovery.sync` sections. An
 * explicitly named connector of a disabled section is still resolved, so a typo fails now, not when someone
 * switches it on. Returns their stop functions.
 */
export async function startDiscovery(parts: DiscoveryParts): Promise<MeshServiceHandle[]> {
  const { config, registry } = parts;
  const handles: MeshServiceHandle[] = [];
  const host = discoveryHost(parts);
  try {
    for (const section of ["health", "sync"] as const) {
      const block = config.discovery[section];
      const path = `discovery.${section}`;
      if (!block.enabled) {
        if (parts.given(["discovery", section, "connector"])) registry.resolve(block.connector, { type: "discovery", path: `${path}.connector` });
        continue;
      }
      const connector = await registry.create<DiscoveryConnectorV1>(block.connector, block, parts.context(path), { type: "discovery", path, connectorPath: `${path}.connector` });
      if (typeof connector.start !== "function") {
        await Promise.allSettled([connector.stop?.()]);
        throw registryError(`${path}.connector`, `connector '${connector.id}' cannot run in the background (it has no start()); use one that does, or set ${path}.enabled: false`);
      }
      connector.start(host);
      handles.push({ stop: () => connector.stop?.() });
    }
  } catch (error) {
    await Promise.allSettled(handles.map((handle) => handle.stop()));
    throw error;
  }
  return handles;
}

function registryError(path: string, message: string): ConfigError {
  return new ConfigError({ code: "MM_CONNECTOR_INVALID", issues: [{ path, message }] });
}

/** The mesh side of {@link DiscoveryHost}: health findings park and recover providers through the ledger. */
function discoveryHost(parts: DiscoveryParts): DiscoveryHost {
  const { providers, ledger, events, clock } = parts;
  const parked = new Set<string>();
  const warn = (providerId: string, error: unknown) =>
    events.emit({ type: "warning", timestamp: clock.now(), requestId: "", message: `discovery: could not update provider '${providerId}': ${(error as Error)?.message ?? String(error)}` });
  const health = (report: HealthReport, healthy: boolean) =>
    events.emit({
      type: "provider-health",
      timestamp: clock.now(),
      providerId: report.providerId,
      healthy,
      consecutiveFailures: report.consecutiveFailures,
      ...(!healthy && report.error !== undefined ? { error: report.error } : {}),
    });
  return {
    providerIds: () => [...providers.keys()],
    async listModels(providerId) {
      const provider = providers.get(providerId);
      if (!provider) throw new Error(`unknown provider '${providerId}'`);
      return (await provider.connector.listModels()).map((model) => model.id);
    },
    providerUnhealthy(providerId, report) {
      if (!providers.has(providerId) || parked.has(providerId)) return;
      parked.add(providerId);
      health(report, false);
      ledger.deactivateProvider(providerId, "endpoint_unreachable").catch((error: unknown) => warn(providerId, error));
    },
    providerHealthy(providerId, report) {
      if (!parked.delete(providerId)) return;
      health(report, true);
      ledger.reactivateProvider(providerId, "probe_success").catch((error: unknown) => warn(providerId, error));
    },
    syncResult(result) {
      events.emit({ type: "registry-sync", timestamp: clock.now(), newModels: [...result.newModels], deprecatedModels: [...result.deprecatedModels], updatedModels: [...result.updatedModels], errors: [...result.errors] });
    },
  };
}
