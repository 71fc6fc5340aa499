/**
 * A storage connector with a live state store (`openStateStore()`, docs/ARCHITECTURE.md §2.9): `createMesh`
 * uses that store as the mesh's state (no snapshots), closes it before the connector, and rejects
 * `storage.sync_policy` / `sync_interval` next to it, naming the key. Public API only; the connector is a fake
 * over a MemoryStateStore (core cannot depend on @modelmesh/storage-redis).
 */
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  ConnectorRegistry,
  createMesh,
  hasLiveStore,
  MemoryStateStore,
  type ConnectorDescriptor,
  type LiveStorageConnector,
  type StateStore,
  type StorageConnectorV1,
} from "../src/index.js";

/** What the fake did, in order: `open`, `unwatch`, `store.close`, `connector.close`, `save`. */
type Log = string[];

/** A storage connector whose instance offers a live store; every call worth checking goes to `log`. */
function liveConnector(log: Log): ConnectorDescriptor<unknown, LiveStorageConnector> {
  return {
    id: "test.live-storage.v1",
    type: "storage",
    specificationVersion: "v1",
    aliases: ["test-live"],
    runtime: "universal",
    create: () => {
      const store = new MemoryStateStore();
      const watch = store.watch.bind(store);
      store.watch = (prefix, listener) => {
        const stop = watch(prefix, listener);
        return () => {
          log.push("unwatch");
          stop();
        };
      };
      const closeStore = store.close.bind(store);
      store.close = async () => {
        log.push("store.close");
        await closeStore();
      };
      const connector: LiveStorageConnector = {
        specificationVersion: "v1",
        id: "test.live-storage.v1",
        load: async () => null,
        save: async () => void log.push("save"),
        list: async () => [],
        delete: async () => false,
        stat: async () => null,
        exists: async () => false,
        openStateStore: async () => {
          log.push("open");
          return store;
        },
        close: async () => void log.push("connector.close"),
      };
      return connector;
    },
  };
}

async function rejection(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

describe("a storage connector with a live state store", () => {
  it("hasLiveStore tells a live connector from a plain one", () => {
    const plain: StorageConnectorV1 = { specificationVersion: "v1", id: "x.v1", load: async () => null, save: async () => {}, list: async () => [], delete: async () => false, stat: async () => null, exists: async () => false };
    expect(hasLiveStore(plain)).toBe(false);
    const live: LiveStorageConnector = { ...plain, openStateStore: async () => new MemoryStateStore() };
    expect(hasLiveStore(live)).toBe(true);
  });

  it("is the mesh's store (no snapshots), and close() ends the ledger's feed, then the store, then the connector", async () => {
    const log: Log = [];
    const registry = new ConnectorRegistry({ connectors: [liveConnector(log)] });
    const mesh = await createMesh("storage:\n  connector: test-live\n", { registry, env: {} });
    expect(log).toEqual(["open"]);
    await mesh.ledger.availability(); // subscribes to the store's feed
    await mesh.ledger.deactivateRoute("p.model", "manual");
    const store: StateStore = mesh.store;
    expect((await store.keys("")).some((key) => key.includes("p.model"))).toBe(true);
    await mesh.close();
    // Every feed the ledger followed ended first; never a snapshot `save`.
    expect(log.filter((entry, i) => entry !== log[i - 1])).toEqual(["open", "unwatch", "store.close", "connector.close"]);
    await mesh.close(); // idempotent
    expect(log.filter((entry) => entry === "connector.close")).toHaveLength(1);
  });

  it("a store passed in options wins: the connector then gets snapshots, as before", async () => {
    const log: Log = [];
    const registry = new ConnectorRegistry({ connectors: [liveConnector(log)] });
    const store = new MemoryStateStore();
    const mesh = await createMesh("storage:\n  connector: test-live\n  sync_policy: immediate\n", { registry, env: {}, store });
    expect(mesh.store).toBe(store);
    await mesh.ledger.deactivateRoute("p.model", "manual");
    await mesh.close();
    expect(log).not.toContain("open");
    expect(log).toContain("save");
  });

  it.each([
    ["storage:\n  connector: test-live\n  sync_policy: immediate\n", ["storage.sync_policy"], 3],
    ["storage:\n  connector: test-live\n  persistence:\n    sync_policy: periodic\n    sync_interval: 5m\n", ["storage.persistence.sync_policy", "storage.persistence.sync_interval"], 4],
  ])("rejects sync settings next to it, naming the key: %j", async (yaml, paths, line) => {
    const log: Log = [];
    const registry = new ConnectorRegistry({ connectors: [liveConnector(log)] });
    const error = await rejection(() => createMesh(yaml, { registry, env: {}, file: "mesh.yaml" }));
    expect(ConfigError.is(error)).toBe(true);
    const config = error as ConfigError;
    expect(config.code).toBe("MM_CONFIG_INVALID");
    expect(config.issues.map((issue) => issue.path)).toEqual(paths);
    expect(config.issues[0]!.line).toBe(line);
    expect(config.issues[0]!.message).toContain("live state store");
    expect(config.issues[0]!.message).toContain("no snapshots");
    expect(config.message).toContain("mesh.yaml");
    expect(log).toEqual(["connector.close"]); // opened nothing, closed the connector
  });

  it("storeStatus() says which kind of store the mesh runs on, and on_store_failure sets the live store's policy", async () => {
    const memory = await createMesh("storage:\n  sync_policy: in-memory\n", { registry: new ConnectorRegistry(), env: {} });
    expect(memory.storeStatus()).toEqual({ kind: "memory", state: "ok", reconciliations: 0 });
    await memory.close();
    const registry = new ConnectorRegistry({ connectors: [liveConnector([])] });
    const live = await createMesh("storage:\n  connector: test-live\n", { registry, env: {} });
    expect(live.storeStatus()).toEqual({ kind: "live", state: "ok", policy: "local", reconciliations: 0 });
    await live.close();
    const failing = await createMesh("storage:\n  connector: test-live\n  on_store_failure: fail\n", { registry, env: {} });
    expect(failing.storeStatus()).toMatchObject({ kind: "live", policy: "fail" });
    await failing.close();
  });

  it("rejects on_store_failure next to a store that is not shared, naming the key and line", async () => {
    const error = await rejection(() => createMesh("storage:\n  sync_policy: immediate\n  on_store_failure: local\n", { registry: new ConnectorRegistry(), env: {}, file: "mesh.yaml" }));
    expect(ConfigError.is(error)).toBe(true);
    const issue = (error as ConfigError).issues[0]!;
    expect(issue.path).toBe("storage.on_store_failure");
    expect(issue.line).toBe(3);
    expect(issue.message).toContain("only a live state store");
  });

  it("sync_policy stays valid for a snapshot storage (existing configs unchanged)", async () => {
    const registry = new ConnectorRegistry();
    const mesh = await createMesh("storage:\n  sync_policy: immediate\n", { registry, env: {} });
    expect(mesh.store).toBeInstanceOf(MemoryStateStore);
    await mesh.close();
  });
});
