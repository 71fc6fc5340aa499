/**
 * The schedules' timers are background timers: a Node process that started a health monitor and a registry
 * sync on the system clock (and never stopped them) exits on its own once its other work is done.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it } from "vitest";

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider();
});
afterAll(async () => {
  await mock?.close();
});

it("a process with both connectors started exits by itself after their first round", async () => {
  const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
  const script = `
    const { HealthMonitor, RegistrySync } = await import(${JSON.stringify(dist)});
    const host = {
      providerIds: () => ["a"],
      listModels: async () => ["m"],
      providerUnhealthy() {}, providerHealthy() {},
      syncResult: (result) => process.stdout.write("synced " + JSON.stringify(result) + "\\n"),
    };
    const monitor = new HealthMonitor({ endpoints: { a: ${JSON.stringify(mock.url)} }, healthPath: "/models", healthIntervalMs: 60000 });
    monitor.start(host);
    const sync = new RegistrySync({ intervalMs: 60000 });
    sync.start(host);
    await monitor.idle();
    await sync.idle();
    const [report] = await monitor.getHealthReport("a");
    process.stdout.write("probed " + report.statusCode + "\\n");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const killer = setTimeout(() => child.kill(), 20_000); // bound: a timer keeping it alive fails the test
  const code = await exited;
  clearTimeout(killer);
  expect(out).toContain("synced");
  expect(out).toContain("probed 200");
  expect(code).toBe(0);
});
