/**
 * Redis going away: operations reject with StoreUnavailableError within the command timeout (never hang),
 * messages never show the password, and the same store works again once the server is back on its port.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRedisStateStore, StoreUnavailableError } from "../src/index.js";
import { describeWithRedis, startRedisServer, waitFor, type RedisServer } from "./support/redis-server.js";

const PASSWORD = "s3cret-Pa55word";
const COMMAND_TIMEOUT_MS = 300;

let server: RedisServer;
let url: string;

/** Runs `operation`, expecting a StoreUnavailableError within the command timeout (plus scheduling slack). */
async function expectUnavailable(operation: () => Promise<unknown>, name: string): Promise<StoreUnavailableError> {
  const started = performance.now();
  const error = await operation().then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsed = performance.now() - started;
  expect(StoreUnavailableError.is(error), `${name} should reject with StoreUnavailableError, got ${String(error)}`).toBe(true);
  expect(elapsed).toBeLessThan(COMMAND_TIMEOUT_MS + 500);
  const unavailable = error as StoreUnavailableError;
  expect(unavailable.code).toBe("MM_STORE_UNAVAILABLE");
  expect(unavailable.operation).toBe(name);
  expect(unavailable.message).toContain(name);
  expect(unavailable.message).toContain('key prefix "outage:"');
  expect(unavailable.message).not.toContain(PASSWORD);
  expect(JSON.stringify(unavailable, Object.getOwnPropertyNames(unavailable))).not.toContain(PASSWORD);
  return unavailable;
}

describeWithRedis("RedisStateStore when Redis goes away", () => {
  beforeAll(async () => {
    server = await startRedisServer(["--requirepass", PASSWORD]);
    url = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  it("rejects fast while the server is down and recovers when it is back on the same port", async () => {
    const store = await createRedisStateStore({ url, keyPrefix: "outage:", commandTimeoutMs: COMMAND_TIMEOUT_MS });
    const changes: string[] = [];
    store.watch("", (key) => changes.push(key));
    await store.subscribed();
    try {
      await store.set("before", 1);
      await server.stop();
      await expectUnavailable(() => store.get("before"), "get");
      await expectUnavailable(() => store.increment("n", 1), "increment");
      await expectUnavailable(() => store.compareAndSet("k", 0, 1), "compareAndSet");
      await expectUnavailable(() => store.getMany(["a", "b"]), "getMany");
      await expectUnavailable(() => store.keys(""), "keys");
      const error = await expectUnavailable(() => store.set("x", 1), "set");
      expect(error.message).toContain(`redis://:***@127.0.0.1:${server.port}`);
      expect(error.retryable).toBe(true);

      await server.start();
      // The client reconnects by itself (capped backoff); the data is gone (no persistence), the store works.
      await waitFor(async () => (await store.set("after", 2).then(() => true, () => false)), "the store to work again", 10_000);
      expect(await store.increment("n", 1)).toBe(1);
      // The scripts are loaded again on reconnecting to the fresh server, and the feed resubscribes.
      await waitFor(() => changes.includes("after") || changes.includes("n"), "the change feed after the restart", 10_000);
    } finally {
      await store.close();
    }
    await expect(store.get("x")).rejects.toMatchObject({ code: "MM_STORE_UNAVAILABLE", retryable: false });
  });

  it("times out commands to a server that stopped answering (no hang)", async () => {
    const store = await createRedisStateStore({ url, keyPrefix: "outage:", commandTimeoutMs: COMMAND_TIMEOUT_MS });
    try {
      await store.set("k", 1);
      server.pause();
      const error = await expectUnavailable(() => store.get("k"), "get");
      expect(error.message).toContain(`no answer within ${COMMAND_TIMEOUT_MS} ms`);
      await expectUnavailable(() => store.increment("n", 1), "increment");
      server.resume();
      await waitFor(async () => (await store.get("k").then((v) => v === 1, () => false)), "answers after the server resumed", 10_000);
    } finally {
      server.resume();
      await store.close();
    }
  });

  it("fails to connect within connectTimeoutMs, naming the server without its password", async () => {
    await server.stop();
    try {
      const started = performance.now();
      const error = await createRedisStateStore({ url, keyPrefix: "outage:", connectTimeoutMs: 300 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(StoreUnavailableError.is(error)).toBe(true);
      expect((error as Error).message).toMatch(/connect failed for key prefix "outage:" at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
      expect((error as Error).message).not.toContain(PASSWORD);
    } finally {
      await server.start();
    }
  });

  it("rejects a wrong password with the typed error and never prints it", async () => {
    const wrong = "not-the-Pa55word";
    const error = await createRedisStateStore({ url: `redis://:${wrong}@127.0.0.1:${server.port}`, keyPrefix: "outage:", connectTimeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(StoreUnavailableError.is(error)).toBe(true);
    expect((error as Error).message).not.toContain(wrong);
  });
});
