import { describe, expect, it } from "vitest";
import { createManualClock } from "../internal/clock.js";
import { MemoryStateStore, trackedStateOf } from "./memory-store.js";
import { updateState } from "./state-store.js";
import type { StateStore } from "./state-store.js";

describe("MemoryStateStore", () => {
  it("gets, sets and deletes JSON values", async () => {
    const store = new MemoryStateStore({ clock: createManualClock() });
    expect(await store.get("a")).toBeUndefined();
    await store.set("a", { n: 1 });
    expect(await store.get("a")).toEqual({ n: 1 });
    expect(await store.delete("a")).toBe(true);
    expect(await store.delete("a")).toBe(false);
    expect(await store.get("a")).toBeUndefined();
  });

  it("hides expired entries and drops them lazily", async () => {
    const clock = createManualClock(1_000);
    const store = new MemoryStateStore({ clock });
    await store.set("a", 1, { expireAt: 2_000 });
    await store.set("b", 2);
    expect(await store.get("a")).toBe(1);
    clock.advance(999);
    expect(await store.get("a")).toBe(1);
    clock.advance(1);
    expect(await store.get("a")).toBeUndefined();
    expect(await store.getVersioned("a")).toEqual({ version: 0 });
    expect(await store.keys("")).toEqual(["b"]);
    expect(store.size).toBe(1);
  });

  it("compare-and-set succeeds only on the version read, with no ABA after delete", async () => {
    const store = new MemoryStateStore({ clock: createManualClock() });
    expect(await store.compareAndSet("k", 0, "first")).toBe(true);
    const v1 = await store.getVersioned<string>("k");
    expect(v1.value).toBe("first");
    expect(await store.compareAndSet("k", 0, "again")).toBe(false);
    await store.delete("k");
    await store.set("k", "first");
    expect(await store.compareAndSet("k", v1.version, "stale")).toBe(false);
    const v2 = await store.getVersioned<string>("k");
    expect(v2.version).not.toBe(v1.version);
    expect(await store.compareAndSet("k", v2.version, "second")).toBe(true);
    expect(await store.get("k")).toBe("second");
  });

  it("increments floats, keeps the expiry unless a new one is given, and rejects non-numbers", async () => {
    const clock = createManualClock(0);
    const store = new MemoryStateStore({ clock });
    expect(await store.increment("c", 0.1, { expireAt: 100 })).toBeCloseTo(0.1);
    expect(await store.increment("c", 0.2)).toBeCloseTo(0.3);
    expect((await store.export()).c?.expireAt).toBe(100);
    clock.advance(100);
    expect(await store.increment("c", 1)).toBe(1);
    await store.set("s", "text");
    await expect(store.increment("s", 1)).rejects.toMatchObject({ code: "MM_INTERNAL" });
    expect(await store.incrementMany([{ key: "x", by: 2 }, { key: "x", by: 3 }])).toEqual([2, 5]);
    expect(await store.getMany(["x", "nope"])).toEqual([5, undefined]);
  });

  it("setIfAbsent writes once until the entry expires", async () => {
    const clock = createManualClock(0);
    const store = new MemoryStateStore({ clock });
    expect(await store.setIfAbsent("lease", "a", { expireAt: 50 })).toBe(true);
    expect(await store.setIfAbsent("lease", "b", { expireAt: 50 })).toBe(false);
    clock.advance(50);
    expect(await store.setIfAbsent("lease", "c", { expireAt: 100 })).toBe(true);
    expect(await store.get("lease")).toBe("c");
  });

  it("exports and imports absolute expiries, skipping entries that expired meanwhile", async () => {
    const clock = createManualClock(0);
    const a = new MemoryStateStore({ clock });
    await a.set("keep", { x: 1 });
    await a.set("short", 1, { expireAt: 10 });
    await a.set("long", 2, { expireAt: 1_000 });
    await a.set("p:1", 1);
    const snapshot = await a.export();
    expect(snapshot).toEqual({ keep: { value: { x: 1 } }, short: { value: 1, expireAt: 10 }, long: { value: 2, expireAt: 1_000 }, "p:1": { value: 1 } });
    expect((await a.keys("p:")).sort()).toEqual(["p:1"]);
    clock.advance(20);
    const b = new MemoryStateStore({ clock });
    await b.set("other", true);
    await b.import(snapshot);
    expect(await b.get("short")).toBeUndefined();
    expect(await b.get("long")).toBe(2);
    expect(await b.get("other")).toBe(true);
    await b.import({ only: { value: 1 } }, { replace: true });
    expect(await b.keys("")).toEqual(["only"]);
  });
});

/** The same store seen through the CAS-only primitives (as a Redis backend without `update` would be). */
function casOnly(inner: MemoryStateStore, overrides: Partial<StateStore> = {}): StateStore {
  return {
    get: (k) => inner.get(k),
    set: (k, v, o) => inner.set(k, v, o),
    getVersioned: (k) => inner.getVersioned(k),
    compareAndSet: (k, ver, v, o) => inner.compareAndSet(k, ver, v, o),
    increment: (k, by, o) => inner.increment(k, by, o),
    setIfAbsent: (k, v, o) => inner.setIfAbsent(k, v, o),
    delete: (k) => inner.delete(k),
    keys: (p) => inner.keys(p),
    ...overrides,
  };
}

describe("updateState", () => {
  it("serialises concurrent read-modify-writes without losing any (atomic update path)", async () => {
    const store = new MemoryStateStore({ clock: createManualClock() });
    await Promise.all(Array.from({ length: 100 }, () => updateState<{ n: number }>(store, "doc", (cur) => ({ n: (cur?.n ?? 0) + 1 }))));
    expect(await store.get("doc")).toEqual({ n: 100 });
  });

  it("serialises concurrent read-modify-writes without losing any (compare-and-set path)", async () => {
    const inner = new MemoryStateStore({ clock: createManualClock() });
    const store = casOnly(inner);
    const results = await Promise.all(Array.from({ length: 100 }, () => updateState<{ n: number }>(store, "doc", (cur) => ({ n: (cur?.n ?? 0) + 1 }))));
    expect(await inner.get("doc")).toEqual({ n: 100 });
    expect(results.every((r) => r.written)).toBe(true);
  });

  it("retries on a conflict from another process", async () => {
    const inner = new MemoryStateStore({ clock: createManualClock() });
    let interfered = false;
    const store = casOnly(inner, {
      compareAndSet: async (k, ver, v, o) => {
        if (!interfered) {
          interfered = true;
          await inner.set(k, 10);
        }
        return inner.compareAndSet(k, ver, v, o);
      },
    });
    let runs = 0;
    const result = await updateState<number>(store, "n", (n) => {
      runs++;
      return (n ?? 0) + 1;
    });
    expect(result).toEqual({ value: 11, previous: 10, written: true });
    expect(runs).toBe(2);
  });

  it("writes nothing when fn returns its input", async () => {
    const store = new MemoryStateStore({ clock: createManualClock() });
    await store.set("doc", { n: 1 });
    const before = await store.getVersioned("doc");
    const result = await updateState<{ n: number }>(store, "doc", (cur) => cur);
    expect(result).toEqual({ value: { n: 1 }, previous: { n: 1 }, written: false });
    expect((await store.getVersioned("doc")).version).toBe(before.version);
  });

  it("throws MM_INTERNAL after maxAttempts conflicts", async () => {
    const inner = new MemoryStateStore({ clock: createManualClock() });
    let attempts = 0;
    const hostile = casOnly(inner, {
      compareAndSet: async () => {
        attempts++;
        return false;
      },
    });
    await expect(updateState<number>(hostile, "k", (n) => (n ?? 0) + 1, { maxAttempts: 4 })).rejects.toMatchObject({ code: "MM_INTERNAL" });
    expect(attempts).toBe(4);
  });
});

describe("MemoryStateStore.watch", () => {
  it("reports writes, removals and expiries of keys under the prefix, until stopped", async () => {
    const clock = createManualClock();
    const store = new MemoryStateStore({ clock });
    const seen: Array<[string, unknown]> = [];
    const stop = store.watch("mm:route:", (key, value) => seen.push([key, value]));
    await store.set("mm:route:a", { status: "standby" });
    await store.set("mm:q:a", 1);
    await updateState<{ n: number }>(store, "mm:route:b", () => ({ n: 1 }));
    await store.increment("mm:route:c", 2, { expireAt: clock.now() + 10 });
    await store.delete("mm:route:a");
    clock.advance(10);
    expect(await store.get("mm:route:c")).toBeUndefined();
    await store.import({ "mm:route:d": { value: "x" } }, { replace: true });
    expect(seen).toEqual([
      ["mm:route:a", { status: "standby" }],
      ["mm:route:b", { n: 1 }],
      ["mm:route:c", 2],
      ["mm:route:a", undefined],
      ["mm:route:c", undefined],
      ["mm:route:b", undefined],
      ["mm:route:d", "x"],
    ]);
    stop();
    await store.set("mm:route:e", 1);
    expect(seen).toHaveLength(7);
  });

  it("tracks, for snapshot merges, each entry's write time and whether an increment wrote it", async () => {
    const clock = createManualClock(1_000);
    const store = new MemoryStateStore({ clock });
    const tracked = trackedStateOf(store)!;
    await store.increment("c", 2, { expireAt: 9_000 });
    clock.advance(5);
    await store.set("r", { a: 1 });
    await store.setIfAbsent("m", 1, { expireAt: 9_000 });
    const entries = tracked.entries();
    expect(entries.get("c")).toMatchObject({ value: 2, expireAt: 9_000, updatedAt: 1_000, counter: true });
    expect(entries.get("r")).toMatchObject({ value: { a: 1 }, updatedAt: 1_005, counter: false });
    expect(entries.get("m")).toMatchObject({ value: 1, counter: false });
    // replace is a compare-and-set that keeps the given write time and flag
    const version = tracked.version("r");
    expect(tracked.replace("r", version + 1, { value: 0, updatedAt: 1, counter: false })).toBe(false);
    const next = tracked.replace("r", version, { value: { a: 2 }, updatedAt: 900, counter: false });
    expect(next).toBe(tracked.version("r"));
    expect(tracked.entries().get("r")).toMatchObject({ value: { a: 2 }, updatedAt: 900 });
    expect(tracked.replace("r", tracked.version("r"), undefined)).toBe(0);
    expect(await store.get("r")).toBeUndefined();
    tracked.add("c", 3, undefined);
    expect(tracked.entries().get("c")).toMatchObject({ value: 5, expireAt: 9_000, counter: true });
    // import keeps updatedAt/counter when the snapshot carries them
    const copy = new MemoryStateStore({ clock });
    await copy.import({ c: { value: 5, counter: true, updatedAt: 7 } as never, r: { value: 1 } });
    expect(trackedStateOf(copy)!.entries().get("c")).toMatchObject({ counter: true, updatedAt: 7 });
    expect(trackedStateOf(copy)!.entries().get("r")).toMatchObject({ counter: false, updatedAt: 1_005 });
    expect(trackedStateOf({} as StateStore)).toBeUndefined();
  });
});
