/**
 * Storage conformance: CRUD round trips (bytes, metadata, odd keys), prefix listing, stat / exists, copy
 * semantics, and — when the store locks — the lock contract: a held lock lapses after its `ttlMs`, a waiter
 * gives up after its `waitMs`, a release wakes waiters, and releasing a foreign or lapsed handle returns false.
 */
import type { LockHandle, StorageConnectorV1 } from "@modelmesh/core";
import { check, ConformanceSkip, equal, hasMethod, rejection, sameJson, show, within } from "./assert.js";
import type { ConformanceCheck, ConformanceSuite } from "./runner.js";
import { describeConformance } from "./vitest-suite.js";

/** Capability flags of a storage connector. */
export interface StorageCapabilities {
  [flag: string]: boolean | undefined;
  /** `acquire` / `release` / `isLocked` (default: tested when the methods exist). */
  locking?: boolean;
}

/** Options of `describeStorageConformance`. */
export interface StorageConformanceOptions {
  /** Builds a fresh, EMPTY store (e.g. a new temp directory for file backends). */
  create: () => StorageConnectorV1 | Promise<StorageConnectorV1>;
  capabilities?: StorageCapabilities;
}

/** What a storage check gets. */
export interface StorageCheckContext {
  readonly capabilities: StorageCapabilities;
  create(): Promise<StorageConnectorV1>;
}

type Check = ConformanceCheck<StorageCheckContext, StorageCapabilities>;

const encoder = /* @__PURE__ */ new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

async function withStorage(context: StorageCheckContext, body: (store: StorageConnectorV1) => Promise<void>): Promise<void> {
  const store = await context.create();
  try {
    await body(store);
  } finally {
    await Promise.resolve(store.close?.()).catch(() => {});
  }
}

function locks(store: StorageConnectorV1) {
  if (typeof store.acquire !== "function" || typeof store.release !== "function") throw new ConformanceSkip("the store does not lock");
  return { acquire: store.acquire.bind(store), release: store.release.bind(store), isLocked: store.isLocked?.bind(store) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every storage check. */
export const storageConformanceChecks: readonly Check[] = [
  {
    name: "declares specificationVersion v1, an id and every required method",
    group: "contract",
    run: (context) =>
      withStorage(context, async (store) => {
        equal(store.specificationVersion, "v1", "specificationVersion");
        check(typeof store.id === "string" && store.id !== "", `id must be a non-empty string, got ${show(store.id)}`);
        for (const method of ["load", "save", "list", "delete", "stat", "exists"]) hasMethod(store, method, "a StorageConnectorV1");
      }),
  },
  {
    name: "save then load returns the same bytes and metadata",
    group: "crud",
    run: (context) =>
      withStorage(context, async (store) => {
        const data = new Uint8Array([0, 1, 2, 250, 255, ...bytes("héllo")]);
        await store.save("conformance/entry", { key: "conformance/entry", data, metadata: { contentType: "application/octet-stream", version: 3 } });
        const loaded = await store.load("conformance/entry");
        check(loaded !== null, "load() of a saved key returned null");
        equal(loaded.key, "conformance/entry", "loaded.key");
        sameJson([...loaded.data], [...data], "loaded.data bytes");
        sameJson(loaded.metadata, { contentType: "application/octet-stream", version: 3 }, "loaded.metadata");
      }),
  },
  {
    name: "missing keys: load and stat give null, exists and delete give false",
    group: "crud",
    run: (context) =>
      withStorage(context, async (store) => {
        equal(await store.load("conformance/missing"), null, "load() of a missing key");
        equal(await store.stat("conformance/missing"), null, "stat() of a missing key");
        equal(await store.exists("conformance/missing"), false, "exists() of a missing key");
        equal(await store.delete("conformance/missing"), false, "delete() of a missing key");
      }),
  },
  {
    name: "save overwrites, delete removes",
    group: "crud",
    run: (context) =>
      withStorage(context, async (store) => {
        await store.save("conformance/key", { key: "conformance/key", data: bytes("one") });
        await store.save("conformance/key", { key: "conformance/key", data: bytes("two") });
        equal(text((await store.load("conformance/key"))?.data), "two", "load() after an overwrite");
        equal(await store.exists("conformance/key"), true, "exists() of a saved key");
        equal(await store.delete("conformance/key"), true, "delete() of a saved key");
        equal(await store.load("conformance/key"), null, "load() after delete()");
        equal(await store.exists("conformance/key"), false, "exists() after delete()");
      }),
  },
  {
    name: "list filters by prefix",
    group: "crud",
    run: (context) =>
      withStorage(context, async (store) => {
        for (const key of ["conformance/a", "conformance/b/c", "other/d"]) await store.save(key, { key, data: bytes(key) });
        sameJson([...(await store.list("conformance/"))].sort(), ["conformance/a", "conformance/b/c"], "list(\"conformance/\")");
        sameJson([...(await store.list())].sort(), ["conformance/a", "conformance/b/c", "other/d"], "list()");
        sameJson(await store.list("nothing/"), [], "list() of an unused prefix");
      }),
  },
  {
    name: "keys with separators, spaces, case and unicode round-trip exactly",
    group: "crud",
    run: (context) =>
      withStorage(context, async (store) => {
        const keys = ["conformance/Mixed Case:1", "conformance/a__b", "conformance/a/b", "conformance/ünï ☃", "conformance/../dots"];
        for (const key of keys) await store.save(key, { key, data: bytes(key) });
        sameJson([...(await store.list("conformance/"))].sort(), [...keys].sort(), "list() of unusual keys");
        for (const key of keys) equal(text((await store.load(key))?.data), key, `load(${show(key)})`);
      }),
  },
  {
    name: "stat reports key, size and modification time",
    group: "crud",
    run: (context) =>
      withStorage(context, async (store) => {
        await store.save("conformance/stat", { key: "conformance/stat", data: bytes("12345") });
        const meta = await store.stat("conformance/stat");
        check(meta !== null, "stat() of a saved key returned null");
        equal(meta.key, "conformance/stat", "stat().key");
        equal(meta.size, 5, "stat().size");
        check(typeof meta.lastModified === "number" && Number.isFinite(meta.lastModified), `stat().lastModified must be epoch ms, got ${show(meta.lastModified)}`);
      }),
  },
  {
    name: "stored data is a copy (later mutation of the buffers changes nothing)",
    group: "crud",
    run: (context) =>
      withStorage(context, async (store) => {
        const data = bytes("original");
        await store.save("conformance/copy", { key: "conformance/copy", data });
        data.fill(0);
        const loaded = await store.load("conformance/copy");
        equal(text(loaded?.data), "original", "load() after mutating the saved buffer");
        loaded!.data.fill(0);
        equal(text((await store.load("conformance/copy"))?.data), "original", "load() after mutating a loaded buffer");
      }),
  },
  {
    name: "locks: acquire, isLocked, release; a foreign or released handle releases nothing",
    group: "locks",
    requires: ["locking"],
    run: (context) =>
      withStorage(context, async (store) => {
        const lock = locks(store);
        const handle = await within(lock.acquire("conformance/lock", { ttlMs: 5_000, waitMs: 100 }), 2_000, "acquire() of a free lock");
        equal(handle.key, "conformance/lock", "handle.key");
        check(typeof handle.lockId === "string" && handle.lockId !== "", "handle.lockId must be a non-empty string");
        check(handle.expiresAt > handle.acquiredAt, `handle.expiresAt must be after acquiredAt, got ${show(handle)}`);
        if (lock.isLocked) equal(await lock.isLocked("conformance/lock"), true, "isLocked() while held");
        const foreign: LockHandle = { ...handle, lockId: `${handle.lockId}-foreign` };
        equal(await lock.release(foreign), false, "release() of a foreign handle");
        if (lock.isLocked) equal(await lock.isLocked("conformance/lock"), true, "isLocked() after a foreign release");
        equal(await lock.release(handle), true, "release() of the holder's handle");
        equal(await lock.release(handle), false, "a second release() of the same handle");
        if (lock.isLocked) equal(await lock.isLocked("conformance/lock"), false, "isLocked() after release");
      }),
  },
  {
    name: "locks: a waiter gives up after waitMs while the holder's ttl runs",
    group: "locks",
    requires: ["locking"],
    run: (context) =>
      withStorage(context, async (store) => {
        const lock = locks(store);
        const held = await lock.acquire("conformance/wait", { ttlMs: 10_000, waitMs: 100 });
        const started = Date.now();
        await rejection(() => lock.acquire("conformance/wait", { ttlMs: 1_000, waitMs: 150 }), 3_000, "acquire() of a held lock with waitMs 150");
        const elapsed = Date.now() - started;
        check(elapsed >= 100 && elapsed < 2_000, `a 150 ms wait must give up after about 150 ms, it took ${elapsed} ms`);
        equal(await lock.release(held), true, "release() of the holder after the waiter gave up");
      }),
  },
  {
    name: "locks: a lock lapses after its ttlMs; the lapsed handle then releases nothing",
    group: "locks",
    requires: ["locking"],
    run: (context) =>
      withStorage(context, async (store) => {
        const lock = locks(store);
        const first = await lock.acquire("conformance/ttl", { ttlMs: 150, waitMs: 100 });
        const started = Date.now();
        const second = await within(lock.acquire("conformance/ttl", { ttlMs: 5_000, waitMs: 3_000 }), 4_000, "acquire() waiting for a 150 ms lock to lapse");
        const elapsed = Date.now() - started;
        check(elapsed < 2_500, `the waiter must get the lock once the 150 ms ttl lapsed, it took ${elapsed} ms`);
        equal(await lock.release(first), false, "release() of the lapsed first handle");
        equal(await lock.release(second), true, "release() of the second holder");
      }),
  },
  {
    name: "locks: release wakes a waiter at once",
    group: "locks",
    requires: ["locking"],
    run: (context) =>
      withStorage(context, async (store) => {
        const lock = locks(store);
        const held = await lock.acquire("conformance/wake", { ttlMs: 10_000, waitMs: 100 });
        const started = Date.now();
        const waiting = lock.acquire("conformance/wake", { ttlMs: 5_000, waitMs: 5_000 });
        await sleep(50);
        await lock.release(held);
        const next = await within(waiting, 3_000, "a waiting acquire() after release()");
        check(Date.now() - started < 1_500, `the waiter must be woken by release(), it took ${Date.now() - started} ms`);
        await lock.release(next);
      }),
  },
  {
    name: "close() is idempotent",
    group: "optional",
    run: async (context) => {
      const store = await context.create();
      if (typeof store.close !== "function") throw new ConformanceSkip("the store has no close()");
      await within(store.close(), 5_000, "close()");
      await within(store.close(), 5_000, "a second close()");
    },
  },
];

/** The storage suite. */
export const storageConformance: ConformanceSuite<StorageConformanceOptions, StorageCheckContext, StorageCapabilities> = {
  kind: "storage",
  checks: storageConformanceChecks,
  capabilities: (options) => ({ ...options.capabilities }),
  async setup(options) {
    return { context: { capabilities: { ...options.capabilities }, create: async () => options.create() }, close: async () => {} };
  },
};

/**
 * Registers the storage conformance suite in the current vitest file.
 * @example
 * describeStorageConformance("BaseStorage", { create: () => new BaseStorage() });
 */
export function describeStorageConformance(name: string, options: StorageConformanceOptions): void {
  describeConformance(storageConformance, name, options);
}
