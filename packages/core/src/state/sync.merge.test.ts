import { describe, expect, it } from "vitest";
import type { LockHandle, StorageConnectorV1, StorageEntry } from "../connectors/services.js";
import { createManualClock } from "../internal/clock.js";
import type { ManualClock } from "../internal/clock.js";
import { StateLedger } from "./ledger.js";
import { SERVER_ERROR } from "./ledger-test-kit.js";
import type { LedgerPolicies, ProviderDescriptor, RouteDescriptor } from "./ledger-types.js";
import { MemoryStateStore } from "./memory-store.js";
import { createCooldownRecovery, createThresholdDeactivation } from "./policies.js";
import type { StateSnapshot, StateStore } from "./state-store.js";
import { StateSync } from "./sync.js";

const KEY = "modelmesh/state";
const START = Date.UTC(2026, 0, 10, 12);

/**
 * Shared Map-backed storage with an advisory lock like the connectors' (`acquire` waits for a release or
 * rejects when `waitMs` runs out on the injected clock), and a gate that can hold saves open.
 */
function sharedStorage(clock: ManualClock) {
  const blobs = new Map<string, StorageEntry>();
  const log = { saves: 0, acquired: 0, released: 0 };
  let holder: LockHandle | undefined;
  const waiters = new Set<() => void>();
  let gate: Promise<void> | undefined;
  let failSaves = 0;
  const storage: StorageConnectorV1 = {
    specificationVersion: "v1",
    id: "test.shared.v1",
    async load(key) {
      return blobs.get(key) ?? null;
    },
    async save(key, entry) {
      if (gate) await gate;
      if (failSaves > 0) {
        failSaves--;
        throw new Error("disk full");
      }
      blobs.set(key, entry);
      log.saves++;
    },
    async list(prefix = "") {
      return [...blobs.keys()].filter((k) => k.startsWith(prefix));
    },
    async delete(key) {
      return blobs.delete(key);
    },
    async stat() {
      return null;
    },
    async exists(key) {
      return blobs.has(key);
    },
    async acquire(key, options = {}) {
      const deadline = clock.now() + (options.waitMs ?? 10_000);
      while (holder) {
        if (clock.now() >= deadline) throw new Error(`lock on ${key} is held`);
        await new Promise<void>((resolve) => {
          const cancel = clock.setTimer(wake, deadline - clock.now());
          function wake() {
            cancel();
            waiters.delete(wake);
            resolve();
          }
          waiters.add(wake);
        });
      }
      holder = { key, lockId: `lock-${++log.acquired}`, acquiredAt: clock.now(), expiresAt: clock.now() + (options.ttlMs ?? 30_000) };
      return holder;
    },
    async release(lock) {
      if (holder?.lockId !== lock.lockId) return false;
      holder = undefined;
      log.released++;
      for (const wake of [...waiters]) wake();
      return true;
    },
  };
  const doc = () => {
    const entry = blobs.get(KEY);
    return entry ? (JSON.parse(new TextDecoder().decode(entry.data)) as { entries: Record<string, { value: unknown; counter?: boolean; updatedAt?: number; expireAt?: number }> }) : undefined;
  };
  const hold = () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    return () => {
      gate = undefined;
      open();
    };
  };
  return { storage, blobs, log, doc, hold, isHeld: () => holder !== undefined, failNextSave: () => void (failSaves = 1) };
}

async function settle() {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

const route: RouteDescriptor = { routeId: "acme/m1", providerId: "acme", modelId: "acme.m1", upstreamModel: "m1", order: 0 };
const provider: ProviderDescriptor = { providerId: "acme" };
const policies: LedgerPolicies = { deactivation: createThresholdDeactivation(), recovery: createCooldownRecovery() };

/** One "process": its own memory store, ledger and sync, on the shared storage and clock. */
function instance(clock: ManualClock, storage: StorageConnectorV1, options: { lockWaitMs?: number; store?: StateStore } = {}) {
  const store = options.store ?? new MemoryStateStore({ clock });
  const ledger = new StateLedger({ store, clock });
  const sync = new StateSync({ store, storage, clock, policy: "sync-on-boundary", exclude: (k) => ledger.isEphemeralKey(k), lockWaitMs: options.lockWaitMs });
  return { store, ledger, sync };
}

function dayKey(doc: ReturnType<ReturnType<typeof sharedStorage>["doc"]>) {
  return Object.keys(doc!.entries).find((k) => k.startsWith("mm:q:r:acme/m1:rd:"))!;
}

describe("StateSync merge", () => {
  it("adds up counters: two instances counting 5 each end with 10, in storage and in each store", async () => {
    const clock = createManualClock(START);
    const shared = sharedStorage(clock);
    const a = instance(clock, shared.storage);
    const b = instance(clock, shared.storage);
    await a.sync.start();
    await b.sync.start();
    for (let i = 0; i < 3; i++) await a.ledger.acquire(route, provider);
    await a.sync.flush();
    for (let i = 0; i < 5; i++) await b.ledger.acquire(route, provider);
    await b.sync.flush();
    for (let i = 0; i < 2; i++) await a.ledger.acquire(route, provider);
    await a.sync.flush();
    const doc = shared.doc()!;
    expect(doc.entries[dayKey(doc)]).toMatchObject({ value: 10, counter: true });
    expect((await a.ledger.quotaUsage(route)).requestsDay).toBe(10);
    // b has not synced since a's last two: it sees them at its next sync, and nothing is counted twice.
    expect((await b.ledger.quotaUsage(route)).requestsDay).toBe(8);
    await b.sync.flush();
    await a.sync.flush();
    expect((await b.ledger.quotaUsage(route)).requestsDay).toBe(10);
    expect((await a.ledger.quotaUsage(route)).requestsDay).toBe(10);
    expect(shared.doc()!.entries[dayKey(doc)]!.value).toBe(10);
  });

  it("a circuit opened by one instance is seen by the other after its next sync", async () => {
    const clock = createManualClock(START);
    const shared = sharedStorage(clock);
    const a = instance(clock, shared.storage);
    const b = instance(clock, shared.storage);
    await a.sync.start();
    await b.sync.start();
    await b.ledger.acquire(route, provider);
    for (let i = 0; i < 3; i++) await a.ledger.recordFailure(route, provider, SERVER_ERROR, policies);
    expect((await a.ledger.snapshot(route)).circuit).toBe("open");
    await a.sync.flush();
    expect((await b.ledger.snapshot(route)).circuit).toBe("closed");
    await b.sync.flush();
    expect(await b.ledger.snapshot(route)).toMatchObject({ status: "standby", circuit: "open", cooldownLevel: 1 });
    // and b's own counts went out with the same save
    expect((await a.ledger.quotaUsage(route)).requestsDay).toBe(0);
    await a.sync.flush();
    expect((await a.ledger.quotaUsage(route)).requestsDay).toBe(1);
  });

  it("records: the changed side wins; when both changed the newer write wins, a tie keeps the stored one", async () => {
    const clock = createManualClock(START);
    const shared = sharedStorage(clock);
    const a = instance(clock, shared.storage);
    const b = instance(clock, shared.storage);
    await a.store.set("rec:x", { n: 1 });
    await a.store.set("rec:y", { n: 1 });
    await a.sync.flush();
    await b.sync.start();
    expect(await b.store.get("rec:x")).toEqual({ n: 1 });

    // only b changed x: b's value wins although a saves after it
    await b.store.set("rec:x", { n: 2 });
    await b.sync.flush();
    await a.sync.flush();
    expect(await a.store.get("rec:x")).toEqual({ n: 2 });

    // both change y: a later in time (but saving first), b earlier → a's newer write is kept
    await b.store.set("rec:y", { n: "b" });
    clock.advance(1_000);
    await a.store.set("rec:y", { n: "a" });
    await a.sync.flush();
    await b.sync.flush();
    expect(await b.store.get("rec:y")).toEqual({ n: "a" });
    expect(shared.doc()!.entries["rec:y"]!.value).toEqual({ n: "a" });

    // both change at the same instant: the stored one (a's, saved first) is kept
    await a.store.set("rec:y", { n: "a2" });
    await b.store.set("rec:y", { n: "b2" });
    await a.sync.flush();
    await b.sync.flush();
    expect(await b.store.get("rec:y")).toEqual({ n: "a2" });
    expect(shared.doc()!.entries["rec:y"]!.value).toEqual({ n: "a2" });
  });

  it("keeps keys present on one side only, drops expired ones, propagates removals", async () => {
    const clock = createManualClock(START);
    const shared = sharedStorage(clock);
    const a = instance(clock, shared.storage);
    const b = instance(clock, shared.storage);
    await a.sync.start();
    await b.sync.start();
    await a.store.set("only:a", 1);
    await b.store.set("only:b", 2);
    await a.store.set("short", "x", { expireAt: START + 500 });
    await a.store.set("gone", "x");
    await a.sync.flush();
    await b.sync.flush();
    expect(Object.keys(shared.doc()!.entries).sort()).toEqual(["gone", "only:a", "only:b", "short"]);
    expect(await b.store.get("only:a")).toBe(1);
    expect(await b.store.get("gone")).toBe("x");

    clock.advance(500);
    await b.store.delete("gone");
    await b.sync.flush();
    expect(Object.keys(shared.doc()!.entries).sort()).toEqual(["only:a", "only:b"]);
    await a.sync.flush();
    expect(await a.store.get("gone")).toBeUndefined();
    expect(await a.store.get("only:b")).toBe(2);
  });

  it("a save that fails applies nothing and counts nothing twice on the retry", async () => {
    const clock = createManualClock(START);
    const shared = sharedStorage(clock);
    const a = instance(clock, shared.storage);
    const b = instance(clock, shared.storage);
    await a.sync.start();
    await b.sync.start();
    for (let i = 0; i < 4; i++) await a.ledger.acquire(route, provider);
    await a.sync.flush();
    for (let i = 0; i < 3; i++) await b.ledger.acquire(route, provider);
    shared.failNextSave();
    await expect(b.sync.flush()).rejects.toThrow("disk full");
    expect(b.sync.status.pendingChanges).toBe(true);
    expect((await b.ledger.quotaUsage(route)).requestsDay).toBe(3);
    await b.sync.flush();
    const doc = shared.doc()!;
    expect(doc.entries[dayKey(doc)]!.value).toBe(7);
    expect((await b.ledger.quotaUsage(route)).requestsDay).toBe(7);
  });

  it("writes made while a save awaits storage are neither lost nor double-counted", async () => {
    const clock = createManualClock(START);
    const shared = sharedStorage(clock);
    const a = instance(clock, shared.storage);
    const b = instance(clock, shared.storage);
    await a.sync.start();
    await b.sync.start();
    for (let i = 0; i < 2; i++) await b.ledger.acquire(route, provider);
    await b.store.set("rec:z", { from: "b" });
    await b.sync.flush();
    await a.ledger.acquire(route, provider);
    const open = shared.hold();
    const saving = a.sync.flush();
    await settle();
    // meanwhile, in a: two more requests and a write to the record b also wrote
    await a.ledger.acquire(route, provider);
    await a.ledger.acquire(route, provider);
    clock.advance(10);
    await a.store.set("rec:z", { from: "a" });
    open();
    await saving;
    expect((await a.ledger.quotaUsage(route)).requestsDay).toBe(5); // 1 + b's 2 merged, + 2 made meanwhile
    expect(await a.store.get("rec:z")).toEqual({ from: "a" }); // not overwritten by the older stored value
    await a.sync.flush();
    const doc = shared.doc()!;
    expect(doc.entries[dayKey(doc)]!.value).toBe(5);
    expect(doc.entries["rec:z"]!.value).toEqual({ from: "a" });
  });

  it("saves under the storage lock: a held lock makes the save wait, then fail with a typed error, losing nothing", async () => {
    const clock = createManualClock(START);
    const shared = sharedStorage(clock);
    const a = instance(clock, shared.storage, { lockWaitMs: 5_000 });
    await a.sync.start();
    await a.ledger.acquire(route, provider);
    const foreign = await shared.storage.acquire!(KEY);

    const waiting = a.sync.flush();
    let settled = false;
    void waiting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await settle();
    clock.advance(4_999);
    await settle();
    expect(settled).toBe(false);
    expect(shared.log.saves).toBe(0);
    clock.advance(1);
    await expect(waiting).rejects.toMatchObject({ code: "MM_STORE_UNAVAILABLE", name: "ModelMeshStateLockError", retryable: true });
    await expect(waiting).rejects.toThrow(/could not take the lock on the state snapshot "modelmesh\/state" within 5000 ms/);
    expect(a.sync.status.pendingChanges).toBe(true);
    expect(shared.log.saves).toBe(0);

    // released while a save waits: the save goes through, and releases the lock after it
    const second = a.sync.flush();
    await settle();
    expect(shared.log.saves).toBe(0);
    await shared.storage.release!(foreign);
    await second;
    expect(shared.log.saves).toBe(1);
    expect(shared.isHeld()).toBe(false);
    expect(shared.log.acquired).toBe(2);
    expect(a.sync.status.pendingChanges).toBe(false);
    const doc = shared.doc()!;
    expect(doc.entries[dayKey(doc)]!.value).toBe(1);
  });

  it("merges through export/import on a store without the memory store's versions (records only)", async () => {
    const clock = createManualClock(START);
    const shared = sharedStorage(clock);
    const inner = new MemoryStateStore({ clock });
    const plain: StateStore = {
      get: (k) => inner.get(k),
      set: (k, v, o) => inner.set(k, v, o),
      getVersioned: (k) => inner.getVersioned(k),
      compareAndSet: (k, e, v, o) => inner.compareAndSet(k, e, v, o),
      increment: (k, by, o) => inner.increment(k, by, o),
      setIfAbsent: (k, v, o) => inner.setIfAbsent(k, v, o),
      delete: (k) => inner.delete(k),
      keys: (p) => inner.keys(p),
      export: () => inner.export(),
      import: (s: StateSnapshot, o?: { replace?: boolean }) => inner.import(s, o),
    };
    const a = instance(clock, shared.storage);
    const b = instance(clock, shared.storage, { store: plain });
    await a.sync.start();
    await b.sync.start();
    await a.store.set("rec:a", 1);
    await plain.set("rec:b", 2);
    await a.sync.flush();
    await b.sync.flush();
    await a.sync.flush();
    expect(await plain.get("rec:a")).toBe(1);
    expect(await a.store.get("rec:b")).toBe(2);
  });
});
