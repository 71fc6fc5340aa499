/** End to end: a failing primary is deactivated after `retry_limit` failures and the pool fails over. */
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterEach, expect, it } from "vitest";
import { run } from "../src/run.js";

const mocks: MockProvider[] = [];
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((mock) => mock.close()));
});

async function mock(options: Parameters<typeof startMockProvider>[0] = {}): Promise<MockProvider> {
  const started = await startMockProvider(options);
  mocks.push(started);
  return started;
}

it("deactivates the failing primary after two 503s and serves every request from the backup", async () => {
  const primary = await mock({ faults: [{ fault: { kind: "status", status: 503 } }] });
  const backup = await mock();
  const result = await run({ PRIMARY_URL: primary.url, BACKUP_URL: backup.url }, 3);
  expect(result.policies).toEqual({ deactivation: "modelmesh.threshold-rotation.v1", recovery: "modelmesh.threshold-rotation-recovery.v1" });
  expect(result.requests.map((served) => served.attempts)).toEqual([["primary:MM_SERVER", "primary:MM_SERVER", "backup:ok"], ["backup:ok"], ["backup:ok"]]);
  expect(result.requests.map((served) => served.content)).toEqual(["echo: request 1", "echo: request 2", "echo: request 3"]);
  expect(result.deactivated).toEqual([{ routeId: expect.stringContaining("primary"), reason: "error_threshold" }]);
  expect(primary.calls).toHaveLength(2);
});

it("keeps a healthy primary", async () => {
  const primary = await mock();
  const backup = await mock();
  const result = await run({ PRIMARY_URL: primary.url, BACKUP_URL: backup.url }, 2);
  expect(result.requests.map((served) => served.attempts)).toEqual([["primary:ok"], ["primary:ok"]]);
  expect(result.deactivated).toEqual([]);
  expect(backup.calls).toHaveLength(0);
});
