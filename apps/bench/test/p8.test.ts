/**
 * The P8 harness at tiny scale, on a real redis-server: both variants are measured in interleaved rounds,
 * the Redis costs of a request are counted and consistent with each other, a quota on the route shows up as
 * an extra store call, and a run on a given server (`--redis-url`) leaves none of its keys behind. Functional
 * facts only, no timing thresholds (docs/ARCHITECTURE.md §3): the figures come from `bench:p8`.
 *
 * Without redis-server the suite is skipped with the reason, except under CI=true, where it fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runP8, type P8Round, type P8RoundTrips } from "../src/p8.js";
import { deleteKeys, findRedisServer, missingRedisReason, RespConnection, startBenchRedis, type BenchRedis } from "../src/p8-redis.js";
import { median } from "../src/stats.js";

const HAVE_REDIS = findRedisServer() !== undefined;

function describeWithRedis(name: string, body: () => void): void {
  if (HAVE_REDIS) describe(name, body);
  else if (process.env.CI === "true") {
    describe(name, () => {
      it("needs redis-server", () => {
        throw new Error(`${missingRedisReason()}; CI=true requires the P8 harness test to run.`);
      });
    });
  } else describe.skip(`${name} (skipped: ${missingRedisReason()})`, body);
}

/** The counts of one variant agree with the one request traced in order. */
function expectConsistent(costs: P8RoundTrips, requests: number): void {
  expect(costs.requests).toBe(requests);
  expect(costs.sequence.length).toBeGreaterThan(0);
  expect(costs.storeCallsPerRequest).toBe(costs.sequence.length);
  expect(costs.roundTripsPerRequest).toBe(Math.max(...costs.sequence.map((c) => c.roundTrip)));
  expect(Object.values(costs.storeCallsByOp).reduce((a, b) => a + b, 0)).toBeCloseTo(costs.storeCallsPerRequest, 5);
  // Every store call is one command on the wire (a script by EVALSHA, or one read command).
  expect(costs.totalCommandsPerRequest).toBe(costs.storeCallsPerRequest);
  expect(Object.values(costs.commandsPerRequest).reduce((a, b) => a + b, 0)).toBeCloseTo(costs.totalCommandsPerRequest, 5);
  expect(costs.evalshaPerRequest).toBeGreaterThan(0);
  expect(costs.commandsPerRequest.EVAL).toBeUndefined(); // scripts were loaded before counting
  expect(costs.scriptCommandsPerRequest.PUBLISH).toBeGreaterThan(0); // writes feed the change channel
  expect(costs.requestUs).toBeGreaterThan(0);
  expect(costs.storeWaitUs).toBeGreaterThan(0);
}

describeWithRedis("P8 harness", () => {
  let server: BenchRedis;
  beforeAll(async () => {
    server = await startBenchRedis();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("measures memory vs Redis in interleaved rounds and counts what a request costs on Redis", async () => {
    const rounds: P8Round[] = [];
    const result = await runP8({ rounds: 4, requestsPerRound: 5, warmup: 2, countedRequests: 10, redisUrl: server.url, onRound: (r) => rounds.push(r) });

    expect(result.benchmark).toBe("P8");
    expect(result.settings).toEqual({ rounds: 4, requestsPerRound: 5, warmup: 2, countedRequests: 10, redis: "given", storageRedis: "workspace dist" });
    expect(result.environment.redis).toMatch(/^\d+\.\d+/);
    expect(rounds.map((r) => r.order[0])).toEqual(["memory", "redis", "memoryQuota", "redisQuota"]);
    for (const variant of [result.plain, result.quota]) {
      for (const side of [variant.memory, variant.redis]) {
        expect(side.roundMediansUs).toHaveLength(4);
        for (const value of side.roundMediansUs) expect(value).toBeGreaterThan(0);
        expect(side.medianUs).toBeCloseTo(median(side.roundMediansUs), 0);
      }
      expect(variant.addedUs).toBeCloseTo(variant.redis.medianUs - variant.memory.medianUs, 0);
      expect(variant.ratio).toBeCloseTo(variant.redis.medianUs / variant.memory.medianUs, 1);
      expectConsistent(variant.roundTrips, 10);
    }
    // A capped route is checked before it is counted: at least one more store call than without a quota.
    expect(result.quota.roundTrips.storeCallsPerRequest).toBeGreaterThan(result.plain.roundTrips.storeCallsPerRequest);
    expect(Number.isNaN(Date.parse(result.date))).toBe(false);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);

    // A run on a server it did not start removes its keys.
    const admin = await RespConnection.open(server.url);
    try {
      expect(await deleteKeys(admin, "mm-bench-p8:")).toBe(0);
    } finally {
      admin.close();
    }
  });

  it("starts and stops a private redis-server when no URL is given", async () => {
    const result = await runP8({ rounds: 1, requestsPerRound: 2, warmup: 1, countedRequests: 3 });
    expect(result.settings.redis).toBe("private");
    expectConsistent(result.plain.roundTrips, 3);
  });
});

describe("P8 without redis-server", () => {
  it("says why it cannot start one", async () => {
    const before = process.env.REDIS_SERVER_BIN;
    process.env.REDIS_SERVER_BIN = "/nonexistent/redis-server";
    try {
      expect(findRedisServer()).toBeUndefined();
      await expect(startBenchRedis()).rejects.toThrow("redis-server was not found at REDIS_SERVER_BIN=/nonexistent/redis-server");
    } finally {
      if (before === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = before;
    }
  });
});
