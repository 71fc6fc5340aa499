/** Graceful shutdown and config hot reload. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { meshConfig, sdk, start } from "./support/harness.js";
import { startSlowUpstream, waitFor, type SlowUpstream } from "./support/slow-upstream.js";

let slow: SlowUpstream;
let mockA: MockProvider;
let mockB: MockProvider;
let dir: string;

beforeAll(async () => {
  slow = await startSlowUpstream({ tokens: 20, intervalMs: 15 });
  mockA = await startMockProvider({ reply: () => "from A" });
  mockB = await startMockProvider({ reply: () => "from B" });
  dir = await mkdtemp(join(tmpdir(), "modelmesh-proxy-"));
});
afterAll(async () => {
  await Promise.all([slow.close(), mockA.close(), mockB.close()]);
  await rm(dir, { recursive: true, force: true });
});

const chatBody = (stream = false) => JSON.stringify({ model: "chat", stream, messages: [{ role: "user", content: "x" }] });

describe("graceful shutdown", () => {
  it("finishes an in-flight request, refuses new ones, then stops", async () => {
    const { proxy } = await start(meshConfig([slow.url]));
    const inFlight = fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: chatBody() });
    await waitFor(() => slow.openSockets() > 0);
    const closed = proxy.close();
    const refused = await fetch(`${proxy.url}/healthz`).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error); // the listener is gone: connection refused
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect((await response.json()).choices[0].message.content).toMatch(/^w0 w1 .* w19$/);
    await closed;
  });

  it("aborts what is still running after the grace period; a stream ends with an error event, not [DONE]", async () => {
    const long = await startSlowUpstream({ tokens: 1000, intervalMs: 10 });
    const { proxy } = await start(meshConfig([long.url], { routing: { timeouts: { idle: "2s" } } }), { shutdownGraceMs: 150 });
    try {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: chatBody(true) });
      const text = response.text();
      const started = performance.now();
      await proxy.close();
      expect(performance.now() - started).toBeLessThan(2_000);
      const events = (await text).split("\n\n").filter(Boolean);
      expect(events).not.toContain("data: [DONE]");
      expect(JSON.parse(events.at(-1)!.slice(6)).error).toMatchObject({ code: "shutdown" });
      await waitFor(() => long.openSockets() === 0);
    } finally {
      await long.close();
    }
  });
});

function yamlConfig(url: string, extraPool = ""): string {
  return `providers:
  up:
    connector: openai-compatible
    config:
      base_url: ${url}
      api_key: sk-test
    models:
      - id: mock-model
        capabilities: [chat-completion]
pools:
  chat:
    capability: chat-completion
${extraPool}`;
}

describe("hot reload", () => {
  it("a valid change swaps the mesh; an invalid file keeps the old config and logs the path and line", async () => {
    const file = join(dir, "modelmesh.yaml");
    await writeFile(file, yamlConfig(mockA.url));
    const { proxy, logs } = await start("", { configPath: file });
    const client = sdk(proxy);
    const ask = async () => (await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x" }] })).choices[0]!.message.content;
    try {
      expect(await ask()).toBe("from A");
      const first = proxy.mesh();
      await writeFile(file, yamlConfig(mockB.url, "  fast:\n    models: [up.mock-model]\n"));
      await waitFor(() => proxy.mesh() !== first, 5_000);
      expect(await ask()).toBe("from B");
      expect((await client.models.list()).data.map((m) => m.id)).toContain("fast");

      const second = proxy.mesh();
      await writeFile(file, `${yamlConfig(mockA.url)}  broken:\n    capability: chat-completion\n    retry:\n      backoff: sideways\n`);
      await waitFor(() => logs.some((l) => l.includes("config reload failed")), 5_000);
      const line = JSON.parse(logs.find((l) => l.includes("config reload failed"))!);
      expect(line.error).toContain(file);
      expect(line.error).toMatch(/pools\.broken\.retry\.backoff/);
      expect(line.error).toMatch(/line \d+/);
      expect(proxy.mesh()).toBe(second);
      expect(await ask()).toBe("from B");

      const onDemand = await proxy.reload();
      expect(onDemand.ok).toBe(false);
      expect(onDemand.error).toContain(file);
      await writeFile(file, yamlConfig(mockA.url));
      await waitFor(() => proxy.mesh() !== second, 5_000);
      expect(await ask()).toBe("from A");
    } finally {
      await proxy.close();
    }
  });

  it("in-flight requests finish on the old mesh while new ones use the new one", async () => {
    const file = join(dir, "inflight.yaml");
    await writeFile(file, yamlConfig(slow.url));
    const { proxy } = await start("", { configPath: file, watch: false });
    try {
      const pending = fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: chatBody() });
      await waitFor(() => slow.openSockets() > 0);
      await writeFile(file, yamlConfig(mockB.url));
      expect(await proxy.reload()).toEqual({ ok: true });
      const fresh = await sdk(proxy).chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x" }] });
      expect(fresh.choices[0]!.message.content).toBe("from B");
      const old = await pending;
      expect(old.status).toBe(200);
      expect((await old.json()).choices[0].message.content).toMatch(/^w0 /);
    } finally {
      await proxy.close();
    }
  });

  it("POST /admin/reload reloads on demand and reports a refused config", async () => {
    const file = join(dir, "admin.yaml");
    await writeFile(file, yamlConfig(mockA.url));
    const { proxy } = await start("", { configPath: file, watch: false });
    try {
      await writeFile(file, "providers: [not, a, map]\n");
      const response = await fetch(`${proxy.url}/admin/reload`, { method: "POST" });
      expect(response.status).toBe(422);
      expect((await response.json()).error).toContain("admin.yaml");
      await writeFile(file, yamlConfig(mockB.url));
      expect((await fetch(`${proxy.url}/admin/reload`, { method: "POST" })).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});
