/**
 * The `modelmesh.redis.v1` storage connector: created through core's ConnectorRegistry from a config section,
 * its config validation, the storage conformance suite, locks across instances, and `openStateStore`.
 */
import { ConfigError, ConnectorRegistry, createManualClock, type ConnectorContext } from "@modelmesh/core";
import { describeStorageConformance } from "@modelmesh/testing";
import { createClient } from "@redis/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connector, createRedisStateStore, createRedisStorage, redisStorageConnector, type RedisStorage } from "../src/index.js";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";

let server: RedisServer;
let prefixes = 0;

const context: ConnectorContext = { instanceId: "storage", clock: createManualClock(1_000), env: {}, runtime: "node" };

function create(config: unknown): Promise<RedisStorage> {
  const registry = new ConnectorRegistry({ connectors: [redisStorageConnector] });
  return registry.create<RedisStorage>("redis", config, context, { type: "storage", path: "storage" });
}

describe("redisStorageConnector config", () => {
  it("is the package's `connector` export, a node storage connector with the alias redis", () => {
    expect(connector).toBe(redisStorageConnector);
    expect(redisStorageConnector).toMatchObject({ id: "modelmesh.redis.v1", type: "storage", aliases: ["redis"], runtime: "node" });
  });

  it("accepts the storage section with the connector's block under `config`", () => {
    const parsed = redisStorageConnector.configSchema!.parse({
      connector: "redis",
      sync_policy: "sync-on-boundary",
      config: { url: "redis://:pw@cache:6379/2", key_prefix: "prod:", command_timeout: "250ms", connect_timeout: "2s", lock_ttl: 5_000 },
    });
    expect(parsed.config).toEqual({ url: "redis://:pw@cache:6379/2", key_prefix: "prod:", command_timeout: 250, connect_timeout: 2_000, lock_ttl: 5_000 });
  });

  it("rejects unknown keys, naming them and their path", async () => {
    const inner = await create({ connector: "redis", config: { url: "redis://localhost:1", key_prefx: "typo:" } }).catch((e: unknown) => e);
    expect(ConfigError.is(inner)).toBe(true);
    expect((inner as ConfigError).issues).toEqual([{ path: "storage.config.config", message: expect.stringContaining('"key_prefx"') }]);
    const outer = await create({ connector: "redis", url: "redis://localhost:1", config: { url: "redis://localhost:1" } }).catch((e: unknown) => e);
    expect(ConfigError.is(outer)).toBe(true);
    expect((outer as ConfigError).issues[0]?.message).toContain('"url"');
  });

  it("rejects a missing or malformed url and a bad duration without echoing the value", async () => {
    const missing = await create({ connector: "redis", config: {} }).catch((e: unknown) => e);
    expect((missing as ConfigError).issues[0]?.path).toBe("storage.config.config.url");
    const malformed = await create({ connector: "redis", config: { url: "http://user:hunter2@cache" } }).catch((e: unknown) => e);
    expect((malformed as ConfigError).message).toContain("redis:// or rediss://");
    expect((malformed as ConfigError).message).not.toContain("hunter2");
    const duration = await create({ connector: "redis", config: { url: "redis://cache", command_timeout: "soon" } }).catch((e: unknown) => e);
    expect((duration as ConfigError).issues[0]?.path).toBe("storage.config.config.command_timeout");
  });

  it("reports an unparseable URL without its password, and without a cause that could carry it", async () => {
    const error = await createRedisStateStore({ url: "redis://:hunter2@bad host:6379" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain("invalid Redis URL");
    expect((error as Error).message).not.toContain("hunter2");
    expect((error as Error).cause).toBeUndefined();
  });
});

describeWithRedis("RedisStorage on a real redis-server", () => {
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  describeStorageConformance("RedisStorage", { create: () => createRedisStorage({ url: server.url, keyPrefix: `conf${++prefixes}:` }) });

  it("is created by the registry from a config section and opens the live state store on the same server", async () => {
    const storage = await create({ connector: "redis", sync_policy: "sync-on-boundary", config: { url: server.url, key_prefix: "reg:" } });
    const other = await createRedisStorage({ url: server.url, keyPrefix: "reg:" });
    try {
      expect(storage.id).toBe("modelmesh.redis.v1");
      await storage.save("blob", { key: "blob", data: new Uint8Array([0, 255, 10]), metadata: { contentType: "application/octet-stream" } });
      expect(await storage.stat("blob")).toEqual({ key: "blob", size: 3, lastModified: 1_000, contentType: "application/octet-stream" });
      const store = await storage.openStateStore();
      expect(await storage.openStateStore()).toBe(store);
      await store.set("state-key", { ok: true });
      const otherStore = await other.openStateStore();
      expect(await otherStore.get("state-key")).toEqual({ ok: true });
      // Blobs and state live side by side under the prefix without seeing each other.
      expect(await storage.list()).toEqual(["blob"]);
      expect(await store.keys("")).toEqual(["state-key"]);
    } finally {
      await storage.close();
      await other.close();
    }
  });

  it("takes key_prefix, lock_ttl, lock_wait and command_timeout from its config section", async () => {
    const storage = await create({ connector: "redis", config: { url: server.url, key_prefix: "cfg:", command_timeout: "150ms", lock_ttl: "400ms", lock_wait: "60ms" } });
    const admin = createClient({ url: server.url });
    await admin.connect();
    try {
      await storage.acquire("job");
      // lock_ttl (default 30 s) is the lock's expiry, under key_prefix.
      const ttl = await admin.pTTL("cfg:l:job");
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(400);
      // lock_wait (default 10 s) bounds the wait for a held lock.
      const started = Date.now();
      await expect(storage.acquire("job")).rejects.toMatchObject({ code: "MM_TIMEOUT_RESPONSE" });
      expect(Date.now() - started).toBeLessThan(2_000);
      // command_timeout (default 1 s): with the server paused for 600 ms a read fails instead of waiting it out.
      const store = await storage.openStateStore();
      await admin.sendCommand(["CLIENT", "PAUSE", "600", "ALL"]);
      await expect(store.get("anything")).rejects.toMatchObject({ code: "MM_STORE_UNAVAILABLE" });
    } finally {
      await admin.ping(); // returns once the pause is over
      await admin.quit();
      await storage.close();
    }
  });

  it("locks exclude each other across instances; release is token-checked", async () => {
    const [a, b] = await Promise.all([createRedisStorage({ url: server.url, keyPrefix: "locks:" }), createRedisStorage({ url: server.url, keyPrefix: "locks:" })]);
    try {
      const held = await a.acquire("job", { ttlMs: 10_000 });
      expect(await b.isLocked("job")).toBe(true);
      await expect(b.acquire("job", { waitMs: 50 })).rejects.toMatchObject({ code: "MM_TIMEOUT_RESPONSE", category: "timeout" });
      expect(await b.release({ ...held, lockId: "forged" })).toBe(false);
      const waiting = b.acquire("job", { waitMs: 5_000 });
      expect(await a.release(held)).toBe(true);
      const next = await waiting;
      expect(next.lockId).not.toBe(held.lockId);
      expect(await a.release(held)).toBe(false);
      expect(await b.release(next)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
