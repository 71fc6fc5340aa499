/**
 * The webhook's timers never keep a process alive: a real Node child process (using the built package) with a
 * batch waiting for its 10-minute retry backoff and a record waiting for its 10-minute batch interval exits by itself
 * as soon as its own work is done.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { deadUrl } from "./support/receiver.js";

const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
let url: string;
beforeAll(async () => {
  url = await deadUrl();
});

const script = `
const { WebhookObservability } = await import(process.argv[1]);
const hook = new WebhookObservability({ url: process.argv[2], batchSize: 1, retryBackoffMs: 600000, batchIntervalMs: 600000, onError: () => {} });
const event = (id) => ({ type: "request-start", timestamp: Date.now(), requestId: id, requested: "x", kind: "chat", stream: false });
hook.emit(event("a"));
const idle = new WebhookObservability({ url: process.argv[2], batchSize: 10, batchIntervalMs: 600000 });
idle.emit(event("z"));
const poll = setInterval(() => {
  const stats = hook.deliveryStats();
  if (stats.state !== "waiting") return;
  clearInterval(poll);
  console.log(JSON.stringify({ ...stats, idleQueued: idle.deliveryStats().queued }));
}, 5);
`;

it("exits while a retry backoff and a batch timer are pending", async () => {
  expect(existsSync(dist), "build the package first: pnpm --filter @modelmesh/observability build").toBe(true);
  const started = Date.now();
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = execFile(process.execPath, ["--input-type=module", "-e", script, dist, url], { timeout: 20_000 }, (error, out) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out }));
    void child;
  });
  expect(code).toBe(0);
  expect(JSON.parse(stdout.trim())).toMatchObject({ state: "waiting", inFlight: 1, retries: 1, idleQueued: 1 });
  expect(Date.now() - started).toBeLessThan(15_000);
});
