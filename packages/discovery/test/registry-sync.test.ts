/**
 * `modelmesh.registry-sync.v1` with a recording DiscoveryHost and a manual clock: the diff against the previous
 * listing, errors, a truthful getSyncStatus, every config key's effect, stop(), and the sync through createMesh
 * against mock providers.
 */
import { createMesh, type MeshEvent } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterEach, describe, expect, it } from "vitest";
import type { RegistrySync } from "../src/index.js";
import { capturingRegistry, failure, make, manualContext, recordingHost, registry, type HostCall } from "./support.js";

const started: RegistrySync[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sync) => sync.stop()));
});

async function registrySync(config: Record<string, unknown>) {
  const { clock, context } = manualContext("discovery.sync");
  const connector = await make<RegistrySync>("registry-sync", { connector: "registry-sync", enabled: true, auto_register: false, ...config }, context, "discovery.sync");
  started.push(connector);
  return { clock, connector };
}

const results = (calls: HostCall[]) => calls.flatMap((call) => (call.kind === "sync" ? [call.result] : []));

describe("sync and diff", () => {
  it("syncs once at start (the baseline), then every interval, reporting new and deprecated models per provider", async () => {
    const { clock, connector } = await registrySync({ interval: "10m" });
    const { host, calls, listings, listed } = recordingHost(["a", "b"], { a: ["m1", "m2"], b: ["x"] });
    connector.start(host);
    await connector.idle();
    expect(results(calls)).toEqual([{ newModels: [], deprecatedModels: [], updatedModels: [], errors: [] }]);
    expect(listed).toEqual(["a", "b"]);
    listings.a = ["m2", "m3"];
    clock.advance(600_000);
    await connector.idle();
    expect(results(calls)[1]).toEqual({ newModels: ["a/m3"], deprecatedModels: ["a/m1"], updatedModels: [], errors: [] });
    clock.advance(600_000);
    await connector.idle();
    expect(results(calls)[2]).toEqual({ newModels: [], deprecatedModels: [], updatedModels: [], errors: [] }); // no change since
  });

  it("a provider that cannot list is an error of the result; its models are not dropped; it gets its baseline once it lists", async () => {
    const { clock, connector } = await registrySync({ interval: 1_000 });
    const { host, calls, listings } = recordingHost(["a", "b"], { a: ["m1"], b: new Error("upstream said 500") });
    connector.start(host);
    await connector.idle();
    expect(results(calls)[0]).toEqual({ newModels: [], deprecatedModels: [], updatedModels: [], errors: ["b: upstream said 500"] });
    expect(await connector.getSyncStatus()).toMatchObject({ status: "idle", modelsSynced: 1 });
    listings.a = new Error("down too");
    clock.advance(1_000);
    await connector.idle();
    expect(results(calls)[1]!.errors).toEqual(["a: down too", "b: upstream said 500"]);
    expect(results(calls)[1]!.deprecatedModels).toEqual([]);
    expect(await connector.getSyncStatus()).toMatchObject({ status: "error", modelsSynced: 1 });
    listings.a = ["m1"];
    listings.b = ["x"];
    clock.advance(1_000);
    await connector.idle();
    expect(results(calls)[2]).toEqual({ newModels: [], deprecatedModels: [], updatedModels: [], errors: [] });
    expect(await connector.getSyncStatus()).toMatchObject({ status: "idle", modelsSynced: 2 });
  });

  it("getSyncStatus: pending before start, last and next sync while running, no next sync once stopped", async () => {
    const { clock, connector } = await registrySync({ interval: 5_000 });
    expect(await connector.getSyncStatus()).toEqual({ status: "pending", modelsSynced: 0 });
    const start = clock.now();
    connector.start(recordingHost(["a"], { a: ["m1", "m2"] }).host);
    await connector.idle();
    expect(await connector.getSyncStatus()).toEqual({ status: "idle", modelsSynced: 2, lastSync: start, nextSync: start + 5_000 });
    clock.advance(5_000);
    await connector.idle();
    expect(await connector.getSyncStatus()).toEqual({ status: "idle", modelsSynced: 2, lastSync: start + 5_000, nextSync: start + 10_000 });
    await connector.stop();
    expect(await connector.getSyncStatus()).toEqual({ status: "idle", modelsSynced: 2, lastSync: start + 5_000 });
  });
});

describe("config keys", () => {
  it("interval: the next sync starts interval ms after the previous one ended (default 1h)", async () => {
    const { clock, connector } = await registrySync({ interval: 2_000 });
    const { host, calls } = recordingHost(["a"], { a: ["m1"] });
    connector.start(host);
    await connector.idle();
    clock.advance(1_999);
    await connector.idle();
    expect(results(calls)).toHaveLength(1);
    clock.advance(1);
    await connector.idle();
    expect(results(calls)).toHaveLength(2);
    const defaults = await registrySync({});
    const other = recordingHost(["a"], { a: ["m1"] });
    defaults.connector.start(other.host);
    await defaults.connector.idle();
    defaults.clock.advance(3_599_999);
    await defaults.connector.idle();
    expect(results(other.calls)).toHaveLength(1);
    defaults.clock.advance(1);
    await defaults.connector.idle();
    expect(results(other.calls)).toHaveLength(2);
  });

  it("providers: only the listed providers are synced; one the mesh lacks is a config error at start", async () => {
    const { connector } = await registrySync({ providers: ["b"] });
    const { host, listed } = recordingHost(["a", "b"], { a: ["m1"], b: ["x"] });
    connector.start(host);
    await connector.idle();
    expect(listed).toEqual(["b"]);
    const unknown = await registrySync({ providers: ["b", "zz"] });
    const error = await failure(() => unknown.connector.start(host));
    expect(error.issues).toEqual([{ path: "discovery.sync.providers", message: expect.stringContaining("'zz'") }]);
  });

  it("auto_register: true is rejected at load, saying why; unknown keys and bad values are rejected, naming them", async () => {
    const { context } = manualContext("discovery.sync");
    const auto = await failure(make("registry-sync", { auto_register: true }, context, "discovery.sync"));
    expect(auto.issues).toEqual([{ path: "discovery.sync.config.auto_register", message: "not supported yet: the mesh builds pools at start-up; restart to pick up new models" }]);
    const unknown = await failure(make("registry-sync", { on_new_model: "register" }, context, "discovery.sync"));
    expect(unknown.message).toContain("on_new_model");
    const bad = await failure(make("registry-sync", { interval: 0 }, context, "discovery.sync"));
    expect(bad.issues?.[0]?.path).toBe("discovery.sync.config.interval");
  });

  it("start() without a host is refused with a clear error", async () => {
    const { connector } = await registrySync({});
    expect((await failure(() => connector.start())).message).toContain("needs the mesh's DiscoveryHost");
  });
});

describe("stop()", () => {
  it("waits for the sync in flight, reports nothing after, and leaves no timer", async () => {
    const { clock, connector } = await registrySync({ interval: 1_000 });
    let release!: (models: string[]) => void;
    const { host, calls, listings } = recordingHost(["a"], { a: ["m1"] });
    connector.start(host);
    await connector.idle();
    listings.a = new Promise<string[]>((resolve) => (release = resolve));
    clock.advance(1_000); // the second sync starts and waits for the listing
    let stopped = false;
    const stopping = connector.stop().then(() => (stopped = true));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release(["m1", "m2"]);
    await stopping;
    expect(results(calls)).toHaveLength(1); // the in-flight result is not reported after stop()
    expect(clock.pending).toBe(0);
  });
});

describe("through createMesh (discovery.sync in YAML)", () => {
  it("emits a registry-sync event at start and on each interval, and stops on close", async () => {
    const mock: MockProvider = await startMockProvider();
    const { clock } = manualContext("mesh");
    const yaml = `
providers:
  a:
    connector: openai-compatible
    config: { base_url: "${mock.url}", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] }
discovery:
  sync: { connector: registry-sync, enabled: true, interval: 30m }
`;
    try {
      const events: MeshEvent[] = [];
      const { registry: meshRegistry, created } = capturingRegistry();
      const mesh = await createMesh(yaml, { registry: meshRegistry, clock, env: {} });
      mesh.events.on("registry-sync", (event) => void events.push(event));
      try {
        expect(created).toHaveLength(1);
        await created[0]!.idle(); // the start-up sync (its event may have gone out before this listener)
        const before = events.length;
        expect(before).toBeLessThanOrEqual(1);
        clock.advance(1_799_999);
        await created[0]!.idle();
        expect(events).toHaveLength(before);
        clock.advance(1);
        await created[0]!.idle();
        expect(events).toHaveLength(before + 1);
        expect(events.at(-1)).toMatchObject({ type: "registry-sync", newModels: [], deprecatedModels: [], updatedModels: [], errors: [] });
      } finally {
        await mesh.close();
      }
      expect(clock.pending).toBe(0);
    } finally {
      await mock.close();
    }
  });

  it("auto_register: true fails createMesh, naming the key", async () => {
    const yaml = `
providers:
  a:
    connector: openai-compatible
    config: { base_url: "http://127.0.0.1:9/v1", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] }
discovery:
  sync: { enabled: true, auto_register: true }
`;
    const error = await failure(createMesh(yaml, { registry: registry(), env: {} }));
    expect(error.message).toContain("auto_register");
    expect(error.message).toContain("restart to pick up new models");
  });
});
