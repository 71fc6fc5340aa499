/**
 * A snapshot storage whose background saves fail (docs/state-stores.md): the changes stay pending, and instead
 * of nothing the mesh says so — `storeStatus()` is `degraded` with the error, one `store-status` event — until
 * a later save goes through (`ok` again, one event). Public API only; the storage is a fake whose `save` can be
 * switched to fail, loaded from YAML by its connector id.
 */
import { describe, expect, it } from "vitest";
import { ConnectorRegistry, createMesh, ModelMeshError, type ConnectorDescriptor, type MeshEvent, type StorageConnectorV1 } from "../src/index.js";

function flakyStorage(state: { failing: boolean; saved: number }): ConnectorDescriptor<unknown, StorageConnectorV1> {
  let blob: { key: string; data: Uint8Array; metadata?: Record<string, unknown> } | null = null;
  return {
    id: "test.flaky-storage.v1",
    type: "storage",
    specificationVersion: "v1",
    aliases: ["test-flaky"],
    runtime: "universal",
    create: () => ({
      specificationVersion: "v1",
      id: "test.flaky-storage.v1",
      load: async () => blob as never,
      save: async (_key: string, entry: { key: string; data: Uint8Array }) => {
        if (state.failing) throw new ModelMeshError({ code: "MM_STORE_UNAVAILABLE", category: "internal", message: "[modelmesh] [test] disk gone" });
        blob = entry;
        state.saved++;
      },
      list: async () => [],
      delete: async () => false,
      stat: async () => null,
      exists: async () => false,
    }),
  };
}

describe("a snapshot storage whose saves fail", () => {
  it("reports degraded with the error while saves fail, and ok after the next save; nothing pending is dropped", async () => {
    const state = { failing: false, saved: 0 };
    const registry = new ConnectorRegistry({ connectors: [flakyStorage(state)] });
    const mesh = await createMesh("storage:\n  connector: test-flaky\n  sync_policy: immediate\n", { registry, env: {} });
    const events: MeshEvent[] = [];
    mesh.events.on("store-status", (event) => events.push(event));
    expect(mesh.storeStatus()).toEqual({ kind: "snapshot", state: "ok", reconciliations: 0 });

    state.failing = true;
    await mesh.ledger.deactivateRoute("p/p.m", "manual");
    await expect.poll(() => mesh.storeStatus().state).toBe("degraded");
    expect(mesh.storeStatus()).toMatchObject({ kind: "snapshot", error: { code: "MM_STORE_UNAVAILABLE", message: expect.stringContaining("disk gone") } });
    await mesh.ledger.deactivateRoute("p/p.n", "manual"); // a second failure: no second event
    await expect.poll(() => events.length).toBe(1);

    state.failing = false;
    await mesh.ledger.reactivateRoute("p/p.n");
    await expect.poll(() => mesh.storeStatus().state).toBe("ok");
    expect(events.map((e) => [e.type === "store-status" && e.kind, e.type === "store-status" && e.state])).toEqual([
      ["snapshot", "degraded"],
      ["snapshot", "ok"],
    ]);
    expect(state.saved).toBeGreaterThan(0);
    await mesh.close();
  });
});
