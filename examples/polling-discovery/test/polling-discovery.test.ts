/** End to end: the configured health monitor polls real endpoints; a degraded provider leaves rotation and returns. */
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startMonitoredMesh, type MonitoredMesh } from "../src/monitor.js";

let primary: MockProvider;
let backup: MockProvider;
let monitored: MonitoredMesh;
beforeAll(async () => {
  primary = await startMockProvider();
  backup = await startMockProvider();
  monitored = await startMonitoredMesh({ PRIMARY_URL: primary.url, BACKUP_URL: backup.url }, { intervalMs: 40 });
});
afterAll(async () => {
  await monitored.close();
  await primary.close();
  await backup.close();
});

async function servedBy(): Promise<string[]> {
  const { trace } = await monitored.mesh.router.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] });
  return trace.attempts.map((attempt) => `${attempt.providerId}:${attempt.ok ? "ok" : attempt.error?.code}`);
}

it("is the configured connector, polling on its own", async () => {
  expect(monitored.discovery.id).toBe("modelmesh.health-monitor.v1");
  await vi.waitFor(() => expect(primary.calls.filter((call) => call.path === "/v1/models").length).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
  expect(await servedBy()).toEqual(["primary:ok"]);
});

it("takes a failing provider out of rotation before a request hits it, and brings it back", async () => {
  const remove = primary.fault({ fault: { kind: "status", status: 503 } });
  await vi.waitFor(() => expect(monitored.degraded()).toEqual(["primary"]), { timeout: 5_000 });
  await monitored.applyHealth();
  expect(await monitored.mesh.ledger.providerStatus("primary")).toMatchObject({ status: "standby", reason: "error_threshold" });
  const chatCalls = () => primary.calls.filter((call) => call.path === "/v1/chat/completions").length;
  const before = chatCalls();
  expect(await servedBy()).toEqual(["backup:ok"]);
  expect(chatCalls()).toBe(before);
  const [report] = await monitored.discovery.getHealthReport("primary");
  expect(report).toMatchObject({ success: false, statusCode: 503 });
  expect(report!.availabilityScore).toBeLessThan(1);

  remove();
  await vi.waitFor(() => expect(monitored.degraded()).toEqual([]), { timeout: 5_000 });
  await monitored.applyHealth();
  expect(await monitored.mesh.ledger.providerStatus("primary")).toMatchObject({ status: "active" });
  // The default strategy (the first-listed healthy model) sends traffic straight back to the primary.
  expect(await servedBy()).toEqual(["primary:ok"]);
  expect(chatCalls()).toBe(before + 1);
});
