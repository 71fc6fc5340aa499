import { describe, expect, it } from "vitest";
import type { StorageConnectorV1, StorageEntry } from "../connectors/services.js";
import { createManualClock } from "../internal/clock.js";
import { StateLedger } from "./ledger.js";
import { SERVER_ERROR, ledgerKit } from "./ledger-test-kit.js";
import { MemoryStateStore } from "./memory-store.js";
import { StateSync } from "./sync.js";
import type { SyncPolicy } from "./sync.js";

/** A Map-backed storage connector that records saves and can hold them open. */
function mapStorage() {
  const blobs = new Map<string, StorageEntry>();
  const log = { saves: 0, loads: 0, inFlight: 0, maxInFlight: 0 };
  let gate: Promise<void> | undefined;
  const storage: StorageConnectorV1 = {
    specificationVersion: "v1",
    id: "test.map.v1",
    async load(key) {
      log.loads++;
      return blobs.get(key) ?? null;
    },
    async save(key, entry) {
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      if (gate) await gate;
      blobs.set(key, entry);
      log.saves++;
      log.inFlight--;
    },
    async list(prefix = "") {
      return [...blobs.keys()].filter((k) => k.startsWith(prefix));
    },
    async delete(key) {
      return blobs.delete(key);
    },
    async stat(key) {
      const entry = blobs.get(key);
      return entry ? { key, size: entry.data.byteLength, lastModified: 0 } : null;
    },
    async exists(key) {
      return blobs.has(key);
    },
  };
  const hold = () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    return () => {
      gate = undefined;
      open();
    };
  };
  const doc = () => {
    const entry = blobs.get("modelmesh/state");
    return entry ? (JSON.parse(new TextDecoder().decode(entry.data)) as { entries: Record<string, unknown> }) : undefined;
  };
  return { storage, blobs, log, hold, doc };
}

/** Lets every already-settled promise chain run (the memory store and map storage never wait on I/O). */
async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Parks a route on a fresh kit and returns the kit. */
async function parkedKit() {
  const kit = ledgerKit();
  for (let i = 0; i < 3; i++) await kit.ledger.recordFailure(kit.route, kit.provider, SERVER_ERROR, kit.policies);
  return kit;
}

describe("StateSync", () => {
  it("in-memory never touches storage", async () => {
    const { storage, log } = mapStorage();
    const kit = await parkedKit();
    const sync = new StateSync({ store: kit.store, storage, policy: "in-memory", clock: kit.clock });
    await sync.start();
    sync.notifyChange();
    await sync.flush();
    await sync.stop();
    expect(log).toMatchObject({ saves: 0, loads: 0 });
  });

  for (const policy of ["sync-on-boundary", "periodic", "immediate"] satisfies SyncPolicy[]) {
    it(`${policy}: state saved at stop is loaded at the next start, with absolute instants intact`, async () => {
      const { storage } = mapStorage();
      const kit = await parkedKit();
      const { clock, route, provider } = kit;
      const until = (await kit.ledger.snapshot(route)).standbyUntil!;
      const first = new StateSync({ store: kit.store, storage, policy, clock, exclude: (k) => kit.ledger.isEphemeralKey(k) });
      await first.start();
      await kit.ledger.acquire({ ...route, routeId: "acme/other" }, provider);
      await first.stop();
      expect(first.status).toMatchObject({ policy, lastSyncAt: clock.now(), pendingChanges: false });

      clock.advance(30_000); // "restart" half-way through the cooldown
      const store = new MemoryStateStore({ clock });
      const second = new StateSync({ store, storage, policy, clock });
      await second.start();
      const ledger = new StateLedger({ store, clock });
      expect(await ledger.snapshot(route)).toMatchObject({ status: "standby", standbyUntil: until, cooldownLevel: 1 });
      expect((await ledger.quotaUsage({ ...route, routeId: "acme/other" })).requestsMinute).toBe(1);
      clock.advance(30_000);
      expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: true });
      await second.stop();
    });
  }

  it("periodic saves every interval on the injected clock, coalescing missed ticks, and stops cleanly", async () => {
    const { storage, log } = mapStorage();
    const clock = createManualClock();
    const store = new MemoryStateStore({ clock });
    const sync = new StateSync({ store, storage, policy: "periodic", intervalMs: 10_000, clock });
    await sync.start();
    await store.set("a", 1);
    clock.advance(9_999);
    await settle();
    expect(log.saves).toBe(0);
    clock.advance(1);
    await settle();
    expect(log.saves).toBe(1);
    clock.advance(10_000);
    await settle();
    expect(log.saves).toBe(2);
    clock.advance(30_000); // three ticks while no microtask ran: one queued save serves them all
    await settle();
    expect(log.saves).toBe(3);
    expect(clock.pending).toBe(1);
    await sync.stop();
    expect(clock.pending).toBe(0);
    expect(log.saves).toBe(4);
  });

  it("immediate coalesces bursts: one save in flight, at most one queued", async () => {
    const { storage, log, hold, doc } = mapStorage();
    const clock = createManualClock();
    const store = new MemoryStateStore({ clock });
    const sync = new StateSync({ store, storage, policy: "immediate", clock });
    await sync.start();
    const open = hold();
    await store.set("n", 1);
    sync.notifyChange();
    await settle();
    expect(log.inFlight).toBe(1);
    for (let n = 2; n <= 5; n++) {
      await store.set("n", n);
      sync.notifyChange();
    }
    expect(sync.status.pendingChanges).toBe(true);
    open();
    await sync.flush();
    expect(log.maxInFlight).toBe(1);
    expect(log.saves).toBe(2);
    expect(doc()?.entries).toEqual({ n: { value: 5, updatedAt: clock.now() } });
  });

  it("leaves probe leases out of snapshots when told to", async () => {
    const { storage, doc } = mapStorage();
    const kit = await parkedKit();
    kit.clock.advance(60_000);
    await kit.ledger.acquire(kit.route, kit.provider);
    const sync = new StateSync({ store: kit.store, storage, clock: kit.clock, exclude: (k) => kit.ledger.isEphemeralKey(k) });
    await sync.flush();
    const keys = Object.keys(doc()!.entries);
    expect(keys).toContain("mm:route:acme/m1");
    expect(keys.some((k) => k.startsWith("mm:probe:"))).toBe(false);
  });

  it("rejects a corrupt snapshot and a store that cannot export", async () => {
    const { storage, blobs } = mapStorage();
    const clock = createManualClock();
    blobs.set("modelmesh/state", { key: "modelmesh/state", data: new TextEncoder().encode("{not json") });
    await expect(new StateSync({ store: new MemoryStateStore({ clock }), storage, clock }).start()).rejects.toMatchObject({ code: "MM_INTERNAL" });
    blobs.set("modelmesh/state", { key: "modelmesh/state", data: new TextEncoder().encode('{"format":"other"}') });
    await expect(new StateSync({ store: new MemoryStateStore({ clock }), storage, clock }).start()).rejects.toThrow(/version-1/);
    const bare = { ...new MemoryStateStore({ clock }), export: undefined } as unknown as MemoryStateStore;
    expect(() => new StateSync({ store: bare, storage, policy: "immediate" })).toThrow(expect.objectContaining({ code: "MM_CONFIG_INVALID" }));
  });

  it("reports background save errors to onError and keeps the change pending", async () => {
    const { storage } = mapStorage();
    const clock = createManualClock();
    const errors: unknown[] = [];
    const failing: StorageConnectorV1 = { ...storage, save: async () => Promise.reject(new Error("disk full")) };
    const sync = new StateSync({ store: new MemoryStateStore({ clock }), storage: failing, policy: "immediate", clock, onError: (e) => errors.push(e) });
    await sync.start();
    sync.notifyChange();
    await expect(sync.flush()).rejects.toThrow("disk full");
    expect(errors).toHaveLength(1);
    expect(sync.status.pendingChanges).toBe(true);
  });
});
