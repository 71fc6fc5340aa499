/**
 * The memory store's behaviours (packages/core/src/state/memory-store.test.ts), run against a real
 * redis-server, plus what only a shared store has: several instances on one server, compare-and-set and
 * increments racing across connections, and the cross-instance change feed.
 */
import { updateState, type StateStore } from "@modelmesh/core";
import { createClient } from "@redis/client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { createRedisStateStore, StoreValueError, type RedisStateStore } from "../src/index.js";
import { describeWithRedis, startRedisServer, waitFor, type RedisServer } from "./support/redis-server.js";

let server: RedisServer;
let open: RedisStateStore[] = [];
let prefixes = 0;

/** A fresh key prefix per test: each test sees an empty store. */
function nextPrefix(): string {
  return `t${++prefixes}-${process.pid}:`;
}

/** `count` store instances (separate connections) sharing one key prefix. */
async function stores(count: number, keyPrefix = nextPrefix()): Promise<RedisStateStore[]> {
  const created = await Promise.all(Array.from({ length: count }, () => createRedisStateStore({ url: server.url, keyPrefix })));
  open.push(...created);
  return created;
}

async function store(): Promise<RedisStateStore> {
  return (await stores(1))[0]!;
}

describeWithRedis("RedisStateStore on a real redis-server", () => {
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });
  afterAll(async () => {
    await server?.close();
  });

  it("gets, sets and deletes JSON values", async () => {
    const s = await store();
    expect(await s.get("a")).toBeUndefined();
    await s.set("a", { n: 1, list: [1, "two", null], nested: { ok: true } });
    expect(await s.get("a")).toEqual({ n: 1, list: [1, "two", null], nested: { ok: true } });
    await s.set("odd key\nwith \"quotes\" and ünïcode *?[", "v");
    expect(await s.get("odd key\nwith \"quotes\" and ünïcode *?[")).toBe("v");
    expect(await s.delete("a")).toBe(true);
    expect(await s.delete("a")).toBe(false);
    expect(await s.get("a")).toBeUndefined();
  });

  it("hides expired entries (absolute expireAt) and lists only live keys", async () => {
    const s = await store();
    const expireAt = Date.now() + 150;
    await s.set("a", 1, { expireAt });
    await s.set("b", 2);
    expect(await s.get("a")).toBe(1);
    expect((await s.export()).a).toEqual({ value: 1, expireAt });
    await waitFor(async () => (await s.get("a")) === undefined, "a to expire");
    expect(Date.now()).toBeGreaterThanOrEqual(expireAt);
    expect(await s.getVersioned("a")).toEqual({ version: 0 });
    expect(await s.keys("")).toEqual(["b"]);
    // An expireAt already in the past writes nothing visible.
    await s.set("past", 1, { expireAt: Date.now() - 1 });
    expect(await s.get("past")).toBeUndefined();
    // set() without expireAt removes an earlier expiry.
    await s.set("c", 1, { expireAt: Date.now() + 60_000 });
    await s.set("c", 2);
    expect((await s.export()).c).toEqual({ value: 2 });
  });

  it("compare-and-set succeeds only on the version read, with no ABA after delete", async () => {
    const s = await store();
    expect(await s.compareAndSet("k", 0, "first")).toBe(true);
    const v1 = await s.getVersioned<string>("k");
    expect(v1.value).toBe("first");
    expect(await s.compareAndSet("k", 0, "again")).toBe(false);
    await s.delete("k");
    await s.set("k", "first");
    expect(await s.compareAndSet("k", v1.version, "stale")).toBe(false);
    const v2 = await s.getVersioned<string>("k");
    expect(v2.version).not.toBe(v1.version);
    expect(await s.compareAndSet("k", v2.version, "second")).toBe(true);
    expect(await s.get("k")).toBe("second");
  });

  it("compare-and-set races between two clients: exactly one wins each round, updateState loses nothing", async () => {
    const [a, b] = await stores(2);
    await a!.set("k", 0);
    for (let round = 1; round <= 20; round++) {
      const read = await a!.getVersioned<number>("k");
      expect((await b!.getVersioned<number>("k")).version).toBe(read.version);
      const wins = await Promise.all([a!.compareAndSet("k", read.version, round), b!.compareAndSet("k", read.version, -round)]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(Math.abs((await b!.get<number>("k"))!)).toBe(round);
    }
    // updateState's compare-and-set loop from two instances (two processes, as far as the store can tell).
    // 25 updates each: an update only loses a race to a write the other instance committed, so it can lose
    // at most 25 times, below updateState's 32 attempts, and none may be lost.
    const bump = (s: StateStore) => updateState<{ n: number }>(s, "doc", (cur) => ({ n: (cur?.n ?? 0) + 1 }));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => bump(i % 2 === 0 ? a! : b!)));
    expect(results.every((r) => r.written)).toBe(true);
    expect(await b!.get("doc")).toEqual({ n: 50 });
  });

  it("increments floats exactly as JS adds them, keeps the expiry unless a new one is given, rejects non-numbers", async () => {
    const s = await store();
    const expireAt = Date.now() + 200;
    expect(await s.increment("c", 0.1, { expireAt })).toBe(0.1);
    expect(await s.increment("c", 0.2)).toBe(0.1 + 0.2);
    expect((await s.export()).c?.expireAt).toBe(expireAt);
    await waitFor(async () => (await s.get("c")) === undefined, "the counter to expire");
    expect(await s.increment("c", 1)).toBe(1);
    expect(await s.increment("c", -2.5)).toBe(-1.5);
    expect(await s.increment("big", 2 ** 53)).toBe(2 ** 53);
    expect(await s.increment("tiny", 1e-7)).toBe(1e-7);
    await s.set("s", "text");
    const failure = s.increment("s", 1);
    await expect(failure).rejects.toBeInstanceOf(StoreValueError);
    await expect(failure).rejects.toMatchObject({ code: "MM_INTERNAL", message: expect.stringContaining('"s"') });
    await expect(s.increment("n", Number.NaN)).rejects.toThrow(/not a finite number/);
    expect(await s.incrementMany([{ key: "x", by: 2 }, { key: "x", by: 3 }])).toEqual([2, 5]);
    expect(await s.getMany(["x", "nope"])).toEqual([5, undefined]);
    // A batch with a non-number names it and writes nothing.
    await expect(s.incrementMany([{ key: "x", by: 1 }, { key: "s", by: 1 }])).rejects.toMatchObject({ message: expect.stringContaining('"s"') });
    expect(await s.get("x")).toBe(5);
    const withExpiry = Date.now() + 60_000;
    expect(await s.incrementMany([{ key: "y", by: 0.5, expireAt: withExpiry }])).toEqual([0.5]);
    expect((await s.export()).y).toEqual({ value: 0.5, expireAt: withExpiry });
  });

  it("setIfAbsent writes once until the entry expires", async () => {
    const s = await store();
    expect(await s.setIfAbsent("lease", "a", { expireAt: Date.now() + 100 })).toBe(true);
    expect(await s.setIfAbsent("lease", "b", { expireAt: Date.now() + 100 })).toBe(false);
    await waitFor(async () => (await s.get("lease")) === undefined, "the lease to lapse");
    expect(await s.setIfAbsent("lease", "c", { expireAt: Date.now() + 10_000 })).toBe(true);
    expect(await s.get("lease")).toBe("c");
  });

  it("exports and imports absolute expiries, skipping entries that expired meanwhile", async () => {
    const a = await store();
    const short = Date.now() + 100;
    const long = Date.now() + 60_000;
    await a.set("keep", { x: 1 });
    await a.set("short", 1, { expireAt: short });
    await a.set("long", 2, { expireAt: long });
    await a.set("p:1", 1);
    const snapshot = await a.export();
    expect(snapshot).toEqual({ keep: { value: { x: 1 } }, short: { value: 1, expireAt: short }, long: { value: 2, expireAt: long }, "p:1": { value: 1 } });
    expect((await a.keys("p:")).sort()).toEqual(["p:1"]);
    await waitFor(() => Date.now() > short, "the short entry's expiry");
    const b = await store();
    await b.set("other", true);
    await b.set("short", "kept: the expired snapshot entry is skipped, not written");
    await b.import(snapshot);
    expect(await b.get("short")).toBe("kept: the expired snapshot entry is skipped, not written");
    expect(await b.get("long")).toBe(2);
    expect((await b.export()).long).toEqual({ value: 2, expireAt: long });
    expect(await b.get("other")).toBe(true);
    await b.import({ only: { value: 1 } }, { replace: true });
    expect(await b.keys("")).toEqual(["only"]);
  });

  it("two instances sharing one server see each other's writes at once", async () => {
    const [a, b] = await stores(2);
    await a!.set("shared", { from: "a" });
    expect(await b!.get("shared")).toEqual({ from: "a" });
    expect(await b!.increment("n", 1)).toBe(1);
    expect(await a!.increment("n", 1)).toBe(2);
    expect(await b!.delete("shared")).toBe(true);
    expect(await a!.get("shared")).toBeUndefined();
  });

  it("admits exactly: 200 concurrent increments from 3 instances return 200 distinct values", async () => {
    const three = await stores(3);
    const values = await Promise.all(Array.from({ length: 200 }, (_, i) => three[i % 3]!.increment("admitted", 1)));
    expect(new Set(values).size).toBe(200);
    expect([...values].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await three[0]!.get("admitted")).toBe(200);
  });

  it("watch: one instance's writes reach another's listener within 100 ms", async () => {
    const [writer, reader] = await stores(2);
    const arrivals = new Map<string, number>();
    reader!.watch("lat:", (key) => arrivals.set(key, performance.now()));
    await reader!.subscribed();
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const key = `lat:${i}`;
      const sent = performance.now();
      await writer!.set(key, { i });
      await waitFor(() => arrivals.has(key), `the change of ${key}`, 2_000);
      latencies.push(arrivals.get(key)! - sent);
    }
    latencies.sort((x, y) => x - y);
    const median = latencies[latencies.length >> 1]!;
    console.log(`[storage-redis] watch latency over 30 writes: median ${median.toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`);
    expect(latencies.at(-1)).toBeLessThan(100);
  });

  it("watch reports writes and removals under the prefix by any instance, until stopped", async () => {
    const [a, b] = await stores(2);
    const seen: Array<[string, unknown]> = [];
    const stop = b!.watch("mm:route:", (key, value) => seen.push([key, value]));
    const sentinel: string[] = [];
    b!.watch("sentinel:", (key) => sentinel.push(key));
    await b!.subscribed();
    await a!.set("mm:route:a", { status: "standby" });
    await a!.set("mm:q:a", 1);
    await updateState<{ n: number }>(a!, "mm:route:b", () => ({ n: 1 }));
    await b!.increment("mm:route:c", 2, { expireAt: Date.now() + 60_000 });
    await a!.delete("mm:route:a");
    await a!.import({ "mm:route:d": { value: "x" } }, { replace: true });
    await waitFor(() => seen.length >= 7, "7 changes");
    expect(seen.slice(0, 4)).toEqual([
      ["mm:route:a", { status: "standby" }],
      ["mm:route:b", { n: 1 }],
      ["mm:route:c", 2],
      ["mm:route:a", undefined],
    ]);
    // `replace` removes b and c (in SCAN order), then writes d.
    expect(seen.slice(4, 6).sort()).toEqual([
      ["mm:route:b", undefined],
      ["mm:route:c", undefined],
    ]);
    expect(seen[6]).toEqual(["mm:route:d", "x"]);
    stop();
    await a!.set("mm:route:e", 1);
    await a!.set("sentinel:1", 1);
    await waitFor(() => sentinel.length === 1, "the sentinel change");
    expect(seen).toHaveLength(7);
  });

  it("loads its scripts on connecting: no NOSCRIPT round trip on first use, EVAL again after SCRIPT FLUSH", async () => {
    const admin = createClient({ url: server.url });
    await admin.connect();
    const calls = async (command: string) => {
      const info = String(await admin.sendCommand(["INFO", "commandstats"]));
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    };
    try {
      await admin.sendCommand(["SCRIPT", "FLUSH"]);
      await admin.sendCommand(["CONFIG", "RESETSTAT"]);
      const s = await store();
      await s.set("k", 1);
      await s.compareAndSet("k", (await s.getVersioned("k")).version, 2);
      await s.setIfAbsent("lease", "me", { expireAt: Date.now() + 60_000 });
      await s.increment("n", 1);
      await s.incrementMany([{ key: "n", by: 1 }]);
      expect(await s.getMany(["k", "n"])).toEqual([2, 2]);
      await s.delete("lease");
      await s.import({ i: { value: 1 } });
      expect(await s.export()).toEqual({ k: { value: 2 }, n: { value: 2 }, i: { value: 1 } });
      await s.import({}, { replace: true });
      expect(await calls("evalsha")).toBe(10);
      expect(await calls("eval")).toBe(0);

      // A server that lost them still runs every operation (EVALSHA → NOSCRIPT → EVAL).
      await admin.sendCommand(["SCRIPT", "FLUSH"]);
      await s.set("k", 3);
      expect(await s.increment("n", 1)).toBe(1);
      expect(await s.getMany(["k", "n"])).toEqual([3, 1]);
      expect(await calls("eval")).toBe(3);
    } finally {
      await admin.close();
    }
  });

  it("calls issued in the same tick share one round trip and apply in the order they were made", async () => {
    // What a caller may rely on to fold dependent reads into a write's round trip: node-redis writes the
    // commands of one tick together, and Redis runs one connection's commands in order. From the first call
    // on a server without the scripts (they are loaded when the store connects).
    const admin = createClient({ url: server.url });
    await admin.connect();
    await admin.sendCommand(["SCRIPT", "FLUSH"]);
    await admin.close();
    const s = await store();
    for (let round = 1; round <= 50; round++) {
      const [counts, read, versioned] = await Promise.all([
        s.incrementMany([
          { key: "q:requests", by: 1 },
          { key: "q:tokens", by: 2 },
        ]),
        s.getMany<number>(["q:requests", "q:tokens", "q:none"]),
        s.getVersioned<number>("q:tokens"),
      ]);
      expect(counts).toEqual([round, 2 * round]);
      expect(read).toEqual([round, 2 * round, undefined]);
      expect(versioned.value).toBe(2 * round);
      const written = s.compareAndSet("route", round - 1 === 0 ? 0 : (await s.getVersioned("route")).version, { round });
      const after = s.get<{ round: number }>("route");
      expect(await written).toBe(true);
      expect(await after).toEqual({ round });
    }
  });

  it("watch ignores foreign messages on the change channel and keeps delivering", async () => {
    const [a, b] = await stores(2);
    const seen: Array<[string, unknown]> = [];
    b!.watch("f:", (key, value) => seen.push([key, value]));
    await b!.subscribed();
    const admin = createClient({ url: server.url });
    await admin.connect();
    try {
      // Not JSON; a JSON key that is not a string; a watched key with a broken value; an unwatched key with one.
      for (const message of ["not json", "42\n1", `${JSON.stringify("f:broken")}\n{`, `${JSON.stringify("other")}\n{`]) {
        await admin.sendCommand(["PUBLISH", b!.channel, message]);
      }
    } finally {
      await admin.close();
    }
    await a!.set("f:ok", { fine: true });
    await a!.increment("unwatched:n", 1);
    await a!.set("f:last", 1);
    await waitFor(() => seen.length >= 2, "the two watched writes");
    expect(seen).toEqual([
      ["f:ok", { fine: true }],
      ["f:last", 1],
    ]);
  });

  it("watch catches up after its subscription was lost: current values and removals are resent", async () => {
    const [a, b] = await stores(2);
    await a!.set("w:gone", 1);
    const seen = new Map<string, unknown>();
    b!.watch("w:", (key, value) => seen.set(key, value));
    await b!.subscribed();
    await a!.set("w:seen", 1);
    await waitFor(() => seen.get("w:seen") === 1, "the first change");
    // Kill the subscriber connections; write while they reconnect (the first retry waits ~50 ms).
    const admin = createClient({ url: server.url });
    await admin.connect();
    await admin.sendCommand(["CLIENT", "KILL", "TYPE", "pubsub"]);
    await a!.set("w:new", "while away");
    await a!.delete("w:seen");
    await admin.close();
    // The writes may also arrive live (when the subscriber is back before them): only the resync resends
    // w:gone, a key that was there all along, with its value.
    await waitFor(() => seen.get("w:new") === "while away" && seen.get("w:seen") === undefined && seen.get("w:gone") === 1, "the resync after reconnecting");
  });
});
