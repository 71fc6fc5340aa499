/**
 * Builds the mesh from `modelmesh.yaml` with the discovery connectors of `@modelmesh/discovery` registered. That
 * is all the wiring there is: `createMesh` creates the health monitor of the enabled `discovery.health` section,
 * starts its polling, parks a provider the monitor reports unhealthy (ledger standby, reason
 * `endpoint_unreachable`) and brings it back when its probes pass again; `mesh.close()` stops the polling.
 */
import { readFile } from "node:fs/promises";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh, type Mesh } from "@modelmesh/core";
import { DISCOVERY_CONNECTORS } from "@modelmesh/discovery";

/**
 * Starts the example. `env` holds `PRIMARY_URL` and `BACKUP_URL`, and optionally `HEALTH_INTERVAL` (the probe
 * interval, default 30s; tests use a short one).
 * @example
 * const mesh = await startMonitoredMesh({ PRIMARY_URL: "http://127.0.0.1:8001/v1", BACKUP_URL: "http://127.0.0.1:8002/v1" });
 * mesh.events.on("provider-health", (event) => console.log(event.providerId, event.healthy ? "back" : "out"));
 * await mesh.close();
 */
export async function startMonitoredMesh(env: Record<string, string>): Promise<Mesh> {
  const yaml = await readFile(new URL("../modelmesh.yaml", import.meta.url), "utf8");
  const registry = new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...DISCOVERY_CONNECTORS] });
  return createMesh(yaml, { registry, env, file: "modelmesh.yaml" });
}
