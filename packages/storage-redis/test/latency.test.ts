/**
 * Per-operation cost against the memory store, measured in one run and printed (never asserted: speed
 * targets are benchmarks, docs/ARCHITECTURE.md §3). Sequential = one awaited operation after another (the
 * round trip); concurrent = 1,000 operations in flight (node-redis pipelines them on one connection).
 */
import { MemoryStateStore } from "@modelmesh/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRedisStateStore, type RedisStateStore } from "../src/index.js";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";

let server: RedisServer;
let redis: RedisStateStore;

async function sequential(op: (i: number) => Promise<unknown>, count: number): Promise<number> {
  for (let i = 0; i < 1_000; i++) await op(i); // warm-up
  const started = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return ((performance.now() - started) * 1_000) / count;
}

async function concurrent(op: (i: number) => Promise<unknown>, count: number): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => op(i)));
  return ((performance.now() - started) * 1_000) / count;
}

describeWithRedis("RedisStateStore latency (printed, not asserted)", () => {
  beforeAll(async () => {
    server = await startRedisServer();
    redis = await createRedisStateStore({ url: server.url, keyPrefix: "lat:" });
  });
  afterAll(async () => {
    await redis?.close();
    await server?.close();
  });

  it("measures µs per get and increment against the memory store", async () => {
    const memory = new MemoryStateStore();
    const rows: string[] = [];
    for (const [name, store] of [
      ["memory", memory],
      ["redis", redis],
    ] as const) {
      await store.set("doc", { status: "active", failures: 0, until: 123 });
      const get = await sequential(() => store.get("doc"), 2_000);
      const increment = await sequential(() => store.increment("counter", 0.25), 2_000);
      const getVersioned = await sequential(() => store.getVersioned("doc"), 2_000);
      const getC = await concurrent(() => store.get("doc"), 1_000);
      const incrementC = await concurrent(() => store.increment("counter", 1), 1_000);
      rows.push(
        `${name.padEnd(6)} get ${get.toFixed(2)} µs, increment ${increment.toFixed(2)} µs, getVersioned ${getVersioned.toFixed(2)} µs (sequential); ` +
          `get ${getC.toFixed(2)} µs, increment ${incrementC.toFixed(2)} µs (1,000 in flight)`,
      );
    }
    console.log(`[storage-redis] per-operation latency:\n  ${rows.join("\n  ")}`);
    expect(await redis.get("counter")).toBe(3_000 * 0.25 + 1_000);
  });
});
