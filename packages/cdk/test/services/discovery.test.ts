import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createManualClock, type ModelInfo } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseDiscovery, type DiscoveredModel, type DiscoveryOptions } from "../../src/services/base-discovery.js";
import { HttpHealthDiscovery } from "../../src/services/http-health-discovery.js";

const flush = () => new Promise((resolve) => setImmediate(resolve));
const model = (id: string, contextWindow = 8192): ModelInfo => ({ id, capabilities: ["generation.text-generation.chat-completion"], contextWindow });

class Catalogue extends BaseDiscovery {
  catalogue = new Map<string, DiscoveredModel[] | Error>();
  actions: string[] = [];
  probes = new Map<string, boolean>();
  onSync: () => void = () => {};
  constructor(options: DiscoveryOptions) {
    super(options);
  }
  protected override async discoverProviderModels(providerId: string): Promise<DiscoveredModel[]> {
    this.onSync();
    const found = this.catalogue.get(providerId);
    if (found instanceof Error) throw found;
    return found ?? super.discoverProviderModels(providerId);
  }
  protected override async registerModel(p: string, m: string): Promise<void> {
    this.actions.push(`register ${p}/${m}`);
  }
  protected override async deactivateModel(p: string, m: string): Promise<void> {
    this.actions.push(`deactivate ${p}/${m}`);
  }
  protected override async notify(change: { kind: string; providerId: string; modelId: string }): Promise<void> {
    this.actions.push(`notify ${change.kind} ${change.providerId}/${change.modelId}`);
  }
  probeCount = 0;
  override async probe(providerId: string) {
    this.probeCount++;
    return { providerId, success: this.probes.get(providerId) ?? true, latencyMs: 1 };
  }
}

describe("BaseDiscovery defaults", () => {
  it("sync with the default hook finds no changes; probe succeeds; status moves pending → idle", async () => {
    const clock = createManualClock();
    const discovery = new BaseDiscovery({ models: { openai: ["gpt-4o"] }, clock, syncIntervalMs: 1000 });
    expect(await discovery.getSyncStatus()).toEqual({ modelsSynced: 1, status: "pending" });
    expect(await discovery.sync()).toEqual({ newModels: [], deprecatedModels: [], updatedModels: [], errors: [] });
    expect(await discovery.getSyncStatus()).toEqual({ modelsSynced: 1, status: "idle", lastSync: clock.now(), nextSync: clock.now() + 1000 });
    expect(await discovery.probe("openai")).toEqual({ providerId: "openai", success: true, latencyMs: 0 });
    expect(await discovery.getHealthReport()).toEqual([
      { providerId: "openai", success: true, latencyMs: 0, availabilityScore: 1, timestamp: clock.now(), consecutiveFailures: 0 },
    ]);
  });
});

describe("BaseDiscovery sync diffing", () => {
  it("reports new, deprecated and (only when content changed) updated models, and acts on them", async () => {
    const changes: unknown[] = [];
    const discovery = new Catalogue({ models: { openai: [model("a"), model("b"), model("c")] }, onDeprecatedModel: "deactivate", onChange: (r) => changes.push(r) });
    discovery.catalogue.set("openai", [model("a"), model("b", 128_000), model("d")]);
    const result = await discovery.sync();
    expect(result).toEqual({ newModels: ["openai/d"], deprecatedModels: ["openai/c"], updatedModels: ["openai/b"], errors: [] });
    expect(discovery.actions).toEqual(["notify updated openai/b", "register openai/d", "deactivate openai/c"]);
    expect(changes).toHaveLength(1);
    // Same content again (key order differs): nothing reported.
    discovery.catalogue.set("openai", [{ contextWindow: 8192, capabilities: ["generation.text-generation.chat-completion"], id: "a" }, model("b", 128_000), model("d")]);
    expect(await discovery.sync()).toEqual({ newModels: [], deprecatedModels: [], updatedModels: [], errors: [] });
    expect(changes).toHaveLength(1);
  });

  it("collects per-provider errors (redacted) and keeps going", async () => {
    const discovery = new Catalogue({ providers: ["bad", "good"], onNewModel: "notify" });
    discovery.catalogue.set("bad", new Error("401 for key sk-proj-abcdefghijklmnop"));
    discovery.catalogue.set("good", ["m1"]);
    const result = await discovery.sync();
    expect(result.errors).toEqual(["bad: 401 for key sk-***"]);
    expect(result.newModels).toEqual(["good/m1"]);
    expect(discovery.actions).toEqual(["notify new good/m1"]);
  });
});

describe("BaseDiscovery health", () => {
  it("tracks availability and degradation over the history", async () => {
    const discovery = new Catalogue({ providers: ["p"], failureThreshold: 2, historySize: 4 });
    await discovery.getHealthReport("p");
    discovery.probes.set("p", false);
    await discovery.getHealthReport("p");
    expect(discovery.isProviderDegraded("p")).toBe(false);
    const [report] = await discovery.getHealthReport("p");
    expect(report).toMatchObject({ success: false, consecutiveFailures: 2, availabilityScore: 1 / 3 });
    expect(discovery.isProviderDegraded("p")).toBe(true);
    discovery.probes.set("p", true);
    await discovery.getHealthReport("p");
    await discovery.getHealthReport("p");
    const [latest] = await discovery.getHealthReport("p");
    expect(latest!.availabilityScore).toBe(0.75); // last 4 only
    expect(discovery.isProviderDegraded("p")).toBe(false);
  });

  it("times out a hanging probe as a failure", async () => {
    const clock = createManualClock();
    class Hanging extends BaseDiscovery {
      override probe(): Promise<never> {
        return new Promise(() => {});
      }
    }
    const discovery = new Hanging({ providers: ["p"], healthTimeoutMs: 500, clock });
    const report = discovery.checkHealth("p");
    await flush();
    clock.advance(500);
    expect(await report).toMatchObject({ providerId: "p", success: false, consecutiveFailures: 1 });
    expect((await report).error).toMatch(/timed out after 500 ms/);
  });

  it("start() schedules sync and health on the clock without overlap; stop() cancels", async () => {
    const clock = createManualClock();
    const discovery = new Catalogue({ providers: ["p"], syncIntervalMs: 1000, healthIntervalMs: 300, clock });
    let syncs = 0;
    discovery.onSync = () => syncs++;
    discovery.start();
    discovery.start(); // idempotent
    expect(clock.pending).toBe(2);
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      await flush();
    }
    expect(syncs).toBe(1);
    expect((await discovery.getSyncStatus()).lastSync).toBe(clock.now());
    expect(discovery.probeCount).toBe(3); // at 300, 600 and 900 ms
    await discovery.stop();
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    await flush();
    expect(syncs).toBe(1);
  });
});

describe("HttpHealthDiscovery (real HTTP server)", () => {
  let server: Server;
  let base: string;
  let healthStatus = 200;
  let hang = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (hang) return;
      res.writeHead(req.url === "/health" ? healthStatus : req.url === "/ready" ? 204 : 404);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("succeeds iff the status equals the expected one", async () => {
    const discovery = new HttpHealthDiscovery({ endpoints: { local: `${base}/` } });
    expect(await discovery.probe("local")).toMatchObject({ providerId: "local", success: true, statusCode: 200 });
    healthStatus = 503;
    expect(await discovery.probe("local")).toMatchObject({ success: false, statusCode: 503, error: "expected HTTP 200, got 503" });
    healthStatus = 200;
    const ready = new HttpHealthDiscovery({ healthPath: "/ready", expectedStatus: 204 });
    ready.registerProviderUrl("r", base);
    expect((await ready.getHealthReport())[0]).toMatchObject({ providerId: "r", success: true, statusCode: 204, availabilityScore: 1 });
  });

  it("fails unregistered providers and unreachable hosts, and times out", async () => {
    const discovery = new HttpHealthDiscovery({ healthTimeoutMs: 200 });
    expect(await discovery.probe("nobody")).toEqual({ providerId: "nobody", success: false, error: "No URL registered for provider: nobody" });
    discovery.registerProviderUrl("closed", "http://127.0.0.1:1");
    expect(await discovery.probe("closed")).toMatchObject({ success: false });
    hang = true;
    try {
      discovery.registerProviderUrl("slow", base);
      const result = await discovery.probe("slow");
      expect(result).toMatchObject({ success: false, error: "health probe timed out after 200 ms" });
    } finally {
      hang = false;
    }
  });
});
