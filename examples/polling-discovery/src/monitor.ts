/**
 * Builds the mesh and the configured health monitor (`discovery.health`, created through the same registry),
 * starts its polling, and mirrors its verdicts into the routing state: a degraded provider goes to standby,
 * a provider whose probes pass again comes back.
 */
import { readFile } from "node:fs/promises";
import { CDK_CONNECTORS, type HttpHealthDiscovery } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh, systemClock, type Mesh } from "@modelmesh/core";

/** A running mesh with its health monitor. */
export interface MonitoredMesh {
  readonly mesh: Mesh;
  readonly discovery: HttpHealthDiscovery;
  /** Providers the monitor currently considers degraded. */
  degraded(): string[];
  /** Applies the monitor's verdicts to the routing state now (also runs on every poll). */
  applyHealth(): Promise<void>;
  /** Stops polling and closes the mesh. */
  close(): Promise<void>;
}

/**
 * Starts the example. `env` holds `PRIMARY_URL` and `BACKUP_URL`; `intervalMs` overrides the configured
 * poll interval (tests use a short one).
 * @example
 * const monitored = await startMonitoredMesh(env);
 * await monitored.mesh.router.chat({ model: "chat", messages });
 */
export async function startMonitoredMesh(env: Record<string, string>, options: { intervalMs?: number } = {}): Promise<MonitoredMesh> {
  const yaml = await readFile(new URL("../modelmesh.yaml", import.meta.url), "utf8");
  const registry = new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] });
  const mesh = await createMesh(yaml, { registry, env, file: "modelmesh.yaml" });
  const health = { ...mesh.config.discovery.health, ...(options.intervalMs ? { interval: options.intervalMs } : {}) };
  const context = { instanceId: "discovery.health", clock: systemClock, env, runtime: "node" as const };
  const discovery = await registry.create<HttpHealthDiscovery>(health.connector, health, context, { type: "discovery", path: "discovery.health" });
  const providers = Object.keys(mesh.config.providers);
  const standby = new Set<string>();

  const degraded = () => providers.filter((id) => discovery.isProviderDegraded(id));
  const applyHealth = async () => {
    const now = degraded();
    for (const id of now) if (!standby.has(id)) await mesh.ledger.deactivateProvider(id, "error_threshold").then(() => standby.add(id));
    for (const id of [...standby]) if (!now.includes(id)) await mesh.ledger.reactivateProvider(id).then(() => standby.delete(id));
  };
  // Polling: the monitor probes every interval on its own (timers never keep the process alive);
  // this loop only copies its verdicts into the routing state.
  const sync = setInterval(() => void applyHealth().catch(() => {}), health.interval);
  sync.unref();
  if (health.enabled) discovery.start();

  return {
    mesh,
    discovery,
    degraded,
    applyHealth,
    async close() {
      clearInterval(sync);
      await discovery.stop();
      await mesh.close();
    },
  };
}
