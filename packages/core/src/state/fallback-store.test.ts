import { describe, expect, it } from "vitest";
import { ModelMeshError } from "../errors/model-mesh-error.js";
import { createManualClock, type ManualClock } from "../internal/clock.js";
import { FallbackStateStore, type StoreStatus } from "./fallback-store.js";
import { MemoryStateStore } from "./memory-store.js";
import type { StateStore } from "./state-store.js";

/**
 * A shared store that can be switched off: a memory store behind a switch, failing like an unreachable Redis
 * (MM_STORE_UNAVAILABLE). The Redis-backed behaviour is tested with a real redis-server in
 * packages/storage-redis/test/on-store-failure.test.ts; this covers the wrapper's rules with a manual clock.
 */
function switchable(clock: ManualClock): { store: StateStore; backing: MemoryStateStore; down: boolean; calls: number } {
  const backing = new MemoryStateStore({ clock });
  const state = { store: undefined as unknown as StateStore, backing, down: false, calls: 0 };
  const guard = <R>(fn: () => Promise<R>): Promise<R> => {
    state.calls++;
    if (state.down) return Promise.reject(new ModelMeshError({ code: "MM_STORE_UNAVAILABLE", category: "internal", message: "[modelmesh] [test] store down" }));
    return fn();
  };
  state.store = {
    get: (key) => guard(() => backing.get(key)),
    getMany: (keys) => guard(() => backing.getMany(keys)),
    set: (key, value, options) => guard(() => backing.set(key, value, options)),
    getVersioned: (key) => guard(() => backing.getVersioned(key)),
    compareAndSet: (key, version, value, options) => guard(() => backing.compareAndSet(key, version, value, options)),
    increment: (key, by, options) => guard(() => backing.increment(key, by, options)),
    incrementMany: (ops) => guard(() => backing.incrementMany(ops)),
    setIfAbsent: (key, value, options) => guard(() => backing.setIfAbsent(key, value, options)),
    delete: (key) => guard(() => backing.delete(key)),
    keys: (prefix) => guard(() => backing.keys(prefix)),
    watch: (prefix, listener) => backing.watch(prefix, listener),
  };
  return state;
}

/** Lets pending microtasks (the recheck and write-back chains over settled promises) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe("FallbackStateStore", () => {
  it("passes through while the live store answers", async () => {
    const clock = createManualClock();
    const live = switchable(clock);
    const store = new FallbackStateStore({ live: live.store, policy: "local", clock });
    expect(await store.increment("q", 2, { expireAt: clock.now() + 60_000 })).toBe(2);
    expect(await live.backing.get("q")).toBe(2);
    expect(store.status).toEqual({ kind: "live", state: "ok", policy: "local", reconciliations: 0 });
  });

  it("policy local: serves from the last values it saw during an outage, then adds its local counts back", async () => {
    const clock = createManualClock();
    const live = switchable(clock);
    const statuses: StoreStatus[] = [];
    const store = new FallbackStateStore({ live: live.store, policy: "local", clock, onStatus: (s) => statuses.push(s) });
    const expireAt = clock.now() + 86_400_000;
    await store.incrementMany([{ key: "q:rd", by: 3, expireAt }]);
    await store.set("record", { status: "active" });

    live.down = true;
    // Another instance keeps counting on the shared store meanwhile (it is down only for this one).
    await live.backing.increment("q:rd", 4, { expireAt });
    // The failing operation is replayed locally, from the remembered 3.
    expect(await store.incrementMany([{ key: "q:rd", by: 1, expireAt }])).toEqual([4]);
    expect(await store.increment("q:rd", 1, { expireAt })).toBe(5);
    expect(await store.get("record")).toEqual({ status: "active" });
    await store.set("record", { status: "cooldown" });
    expect(store.status).toMatchObject({ state: "degraded", policy: "local", since: clock.now(), error: { code: "MM_STORE_UNAVAILABLE" } });
    expect(statuses.map((s) => s.state)).toEqual(["degraded"]);

    // Rechecks while still down change nothing.
    clock.advance(250);
    await settle();
    expect(store.status.state).toBe("degraded");

    live.down = false;
    clock.advance(500);
    await settle();
    expect(store.status).toEqual({ kind: "live", state: "ok", policy: "local", reconciliations: 1 });
    expect(statuses.map((s) => s.state)).toEqual(["degraded", "ok"]);
    // 3 before + 4 by the other instance + 2 counted locally.
    expect(await live.backing.get("q:rd")).toBe(9);
    expect(await live.backing.get("record")).toEqual({ status: "cooldown" });
    // Live again: the next operation goes to the shared store.
    expect(await store.increment("q:rd", 1, { expireAt })).toBe(10);
  });

  it("keeps leases local: a lease taken during the outage is never written back", async () => {
    const clock = createManualClock();
    const live = switchable(clock);
    const store = new FallbackStateStore({ live: live.store, policy: "local", clock });
    await store.get("x");
    live.down = true;
    expect(await store.setIfAbsent("lease", "me", { expireAt: clock.now() + 30_000 })).toBe(true);
    live.down = false;
    clock.advance(250);
    await settle();
    expect(store.status.state).toBe("ok");
    expect(await live.backing.get("lease")).toBeUndefined();
    expect(await store.setIfAbsent("lease", "other", { expireAt: clock.now() + 30_000 })).toBe(true);
  });

  it("policy fail: the error propagates, the status is unavailable until the store answers again", async () => {
    const clock = createManualClock();
    const live = switchable(clock);
    const statuses: string[] = [];
    const store = new FallbackStateStore({ live: live.store, policy: "fail", clock, onStatus: (s) => statuses.push(s.state) });
    live.down = true;
    await expect(store.increment("q", 1)).rejects.toMatchObject({ code: "MM_STORE_UNAVAILABLE" });
    await expect(store.get("q")).rejects.toMatchObject({ code: "MM_STORE_UNAVAILABLE" });
    expect(store.status).toMatchObject({ state: "unavailable", policy: "fail" });
    live.down = false;
    clock.advance(250);
    await settle();
    expect(store.status.state).toBe("ok");
    expect(statuses).toEqual(["unavailable", "ok"]);
    expect(await live.backing.get("q")).toBeUndefined();
  });

  it("a failed write-back puts the counts back and the outage goes on", async () => {
    const clock = createManualClock();
    const live = switchable(clock);
    const store = new FallbackStateStore({ live: live.store, policy: "local", clock });
    live.down = true;
    await store.increment("q", 2);
    // The ping answers, then the write-back fails: still degraded, nothing lost.
    live.down = false;
    const realIncrementMany = live.store.incrementMany!;
    live.store.incrementMany = () => Promise.reject(new ModelMeshError({ code: "MM_STORE_UNAVAILABLE", category: "internal", message: "gone again" }));
    clock.advance(250);
    await settle();
    expect(store.status.state).toBe("degraded");
    live.store.incrementMany = realIncrementMany;
    clock.advance(500);
    await settle();
    expect(store.status.state).toBe("ok");
    expect(await live.backing.get("q")).toBe(2);
  });

  it("delivers local writes to watchers during an outage, and live ones otherwise", async () => {
    const clock = createManualClock();
    const live = switchable(clock);
    const store = new FallbackStateStore({ live: live.store, policy: "local", clock });
    const seen: Array<[string, unknown]> = [];
    const off = store.watch("r:", (key, value) => seen.push([key, value]));
    await store.set("r:a", 1);
    live.down = true;
    await store.set("r:a", 2);
    expect(seen).toEqual([
      ["r:a", 1],
      ["r:a", 2],
    ]);
    off();
    await store.set("r:a", 3);
    expect(seen).toHaveLength(2);
  });

  it("has no watch when the live store has none", () => {
    const clock = createManualClock();
    const live = switchable(clock);
    const { watch: _omit, ...withoutWatch } = live.store;
    const store = new FallbackStateStore({ live: withoutWatch as StateStore, policy: "local", clock });
    expect(store.watch).toBeUndefined();
  });

  it("rethrows errors that are not an outage", async () => {
    const clock = createManualClock();
    const live = switchable(clock);
    live.store.get = () => Promise.reject(new TypeError("bug"));
    const store = new FallbackStateStore({ live: live.store, policy: "local", clock });
    await expect(store.get("x")).rejects.toThrow("bug");
    expect(store.status.state).toBe("ok");
  });
});
