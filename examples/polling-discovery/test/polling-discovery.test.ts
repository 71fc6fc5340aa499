/**
 * End to end: the health monitor configured in modelmesh.yaml (`@modelmesh/discovery`, started by createMesh)
 * polls real endpoints; a provider failing two probes in a row leaves rotation before a request hits it, and
 * comes back once a probe passes again.
 */
import { readFile } from "node:fs/promises";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConfigError, ConnectorRegistry, createMesh, type Mesh, type ProviderHealthEvent } from "@modelmesh/core";
import { DISCOVERY_CONNECTORS } from "@modelmesh/discovery";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startMonitoredMesh } from "../src/monitor.js";

let primary: MockProvider;
let backup: MockProvider;
let mesh: Mesh;
const health: ProviderHealthEvent[] = [];
beforeAll(async () => {
  primary = await startMockProvider();
  backup = await startMockProvider();
  mesh = await startMonitoredMesh({ PRIMARY_URL: primary.url, BACKUP_URL: backup.url, HEALTH_INTERVAL: "40ms" });
  mesh.events.on("provider-health", (event) => void health.push(event));
});
afterAll(async () => {
  await mesh?.close();
  await primary?.close();
  await backup?.close();
});

const probes = (mock: MockProvider) => mock.calls.filter((call) => call.method === "GET" && call.path === "/v1/models").length;
const chatCalls = (mock: MockProvider) => mock.calls.filter((call) => call.path === "/v1/chat/completions").length;

async function servedBy(): Promise<string[]> {
  const { trace } = await mesh.router.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] });
  return trace.attempts.map((attempt) => `${attempt.providerId}:${attempt.ok ? "ok" : attempt.error?.code}`);
}

it("the mesh runs the configured monitor: GET <endpoint>/models per provider, on the interval, no wiring in the example", async () => {
  expect(mesh.registry.resolve(mesh.config.discovery.health.connector).id).toBe("modelmesh.health-monitor.v1");
  await vi.waitFor(() => {
    expect(probes(primary)).toBeGreaterThanOrEqual(3);
    expect(probes(backup)).toBeGreaterThanOrEqual(3);
  }, { timeout: 5_000, interval: 20 });
  expect(await servedBy()).toEqual(["primary:ok"]);
  expect(health).toEqual([]);
});

it("takes a failing provider out of rotation before a request hits it, and brings it back", async () => {
  const remove = primary.fault({ fault: { kind: "status", status: 503 } });
  await vi.waitFor(async () => expect(await mesh.ledger.providerStatus("primary")).toMatchObject({ status: "standby", reason: "endpoint_unreachable" }), { timeout: 5_000, interval: 20 });
  // failure_threshold: 2 — the provider is parked on the second failed probe in a row, reported once.
  expect(health).toEqual([expect.objectContaining({ providerId: "primary", healthy: false, consecutiveFailures: 2 })]);
  expect(health[0]!.error).toMatch(/503/);
  const before = chatCalls(primary);
  expect(await servedBy()).toEqual(["backup:ok"]);
  expect(chatCalls(primary)).toBe(before);
  expect(await mesh.ledger.providerStatus("backup")).toMatchObject({ status: "active" });

  remove();
  await vi.waitFor(async () => expect(await mesh.ledger.providerStatus("primary")).toMatchObject({ status: "active" }), { timeout: 5_000, interval: 20 });
  expect(health.map((event) => `${event.providerId}:${event.healthy}`)).toEqual(["primary:false", "primary:true"]);
  // The default strategy (the first-listed healthy model) sends traffic straight back to the primary.
  expect(await servedBy()).toEqual(["primary:ok"]);
  expect(chatCalls(primary)).toBe(before + 1);
});

it("never guesses an endpoint: without endpoints.backup the mesh does not start, naming the provider", async () => {
  const yaml = (await readFile(new URL("../modelmesh.yaml", import.meta.url), "utf8")).replace(/^\s+backup: "\$\{env:BACKUP_URL\}"\n/m, "");
  expect(yaml).not.toContain('backup: "${env:BACKUP_URL}"');
  const registry = new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...DISCOVERY_CONNECTORS] });
  const error = await createMesh(yaml, { registry, env: { PRIMARY_URL: primary.url, BACKUP_URL: backup.url }, file: "modelmesh.yaml" }).catch((caught: unknown) => caught);
  expect(ConfigError.is(error)).toBe(true);
  expect((error as ConfigError).issues[0]).toMatchObject({ path: "discovery.health.endpoints" });
  expect((error as Error).message).toContain("'backup'");
});
