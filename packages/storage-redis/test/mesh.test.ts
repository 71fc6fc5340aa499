/**
 * The Redis storage end to end (issue 13): a YAML config with `storage.connector: redis` loaded through the
 * public API (`create()` from `modelmesh`, `config: <file>`), the package loaded by `connectors.packages`, and
 * the fault-injecting mock provider upstream. Two clients on one Redis share quotas and manual standby exactly,
 * and a restarted client finds the quota still spent (docs/ARCHITECTURE.md §2.9).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isModelMeshError, type ModelMeshError } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { getTrace, type MeshClient } from "modelmesh";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { createRedisStorage } from "../src/index.js";
import { redisMeshClient } from "./support/mesh-client.js";
import { describeWithRedis, startRedisServer, waitFor, type RedisServer } from "./support/redis-server.js";

let server: RedisServer;
let mock: MockProvider;
let prefixes = 0;
const open: MeshClient[] = [];
const ask = (text: string) => ({ model: "chat-completion", messages: [{ role: "user" as const, content: text }] });


/** The config of the issue, written to a file: Redis storage (one key prefix per test) and the mock upstream. */
function configFile(keyPrefix: string, models: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mm-redis-mesh-"));
  const path = join(dir, "modelmesh.yaml");
  writeFileSync(
    path,
    `connectors: { packages: ["@modelmesh/storage-redis"] }
storage:
  connector: redis
  config: { url: "\${env:REDIS_URL}", key_prefix: "${keyPrefix}" }
providers:
  mock:
    connector: openai-compatible
    config: { base_url: "${mock.url}" }
    quota: { reset_time: "00:00", time_zone: UTC }
    models:
${models}`,
  );
  return path;
}

const client = (config: string): MeshClient => redisMeshClient(config, server.url, open);

/** Upstream chat calls for `model`. */
const upstreamCalls = (model: string) => mock.callsFor(model).filter((call) => call.path.endsWith("/chat/completions")).length;

describeWithRedis("two meshes on one Redis (storage.connector: redis)", () => {
  beforeAll(async () => {
    server = await startRedisServer();
    mock = await startMockProvider({ models: [{ id: "model-a" }, { id: "model-b" }] });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    mock.reset();
  });
  afterAll(async () => {
    await mock?.close();
    await server?.close();
  });

  it("uses the Redis store as the mesh's live store, with no snapshot sync", async () => {
    const keyPrefix = `mm-test:${++prefixes}:`;
    const config = configFile(keyPrefix, "      - { id: model-a, capabilities: [chat-completion] }\n");
    const one = client(config);
    const mesh = await one.mesh();
    expect(mesh.storeStatus()).toEqual({ kind: "live", state: "ok", policy: "local", reconciliations: 0 });
    await one.chat.completions.create(ask("hello"));
    expect((await mesh.store.keys("")).length).toBeGreaterThan(0); // the request's state is in Redis
    await one.close();
    // No snapshot was saved as a blob: the state lives in Redis itself.
    const storage = await createRedisStorage({ url: server.url, keyPrefix });
    try {
      expect(await storage.list()).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it("a daily cap of 5 is exact across both: 12 requests, 5 reach the upstream, 7 fail naming the reset; a restart keeps it spent", async () => {
    const config = configFile(`mm-test:${++prefixes}:`, "      - { id: model-a, capabilities: [chat-completion], quota: { requests_per_day: 5 } }\n");
    const a = client(config);
    const b = client(config);
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).chat.completions.create(ask(`request ${i}`))));

    const served = results.filter((r) => r.status === "fulfilled");
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as ModelMeshError);
    expect(served).toHaveLength(5);
    expect(upstreamCalls("model-a")).toBe(5);
    expect(failed).toHaveLength(7);
    const now = new Date();
    const reset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
    for (const error of failed) {
      expect(isModelMeshError(error)).toBe(true);
      expect(error.code).toBe("MM_ALL_QUOTAS_EXHAUSTED");
      expect(error.message).toContain(`until ${reset}`);
    }

    // Restart: both instances close, a fresh one on the same Redis finds the quota spent.
    await Promise.all(open.splice(0).map((c) => c.close()));
    const restarted = client(config);
    const after = await restarted.chat.completions.create(ask("after restart")).catch((e: unknown) => e as ModelMeshError);
    expect((after as ModelMeshError).code).toBe("MM_ALL_QUOTAS_EXHAUSTED");
    expect(upstreamCalls("model-a")).toBe(5);
  });

  it("a route put on manual standby through one mesh is excluded by the other's next request", async () => {
    const config = configFile(`mm-test:${++prefixes}:`, "      - { id: model-a, capabilities: [chat-completion] }\n      - { id: model-b, capabilities: [chat-completion] }\n");
    const a = client(config);
    const b = client(config);
    const first = await b.chat.completions.create(ask("before"));
    expect(first.model).toBe("model-a"); // priority: the first-listed model
    const routeId = getTrace(first)!.final!.routeId;

    // B follows the change feed: it learns of A's standby within 100 ms, without a request of its own.
    const bIndex = await (await b.mesh()).ledger.availability();
    expect(bIndex.route(routeId)).toBeUndefined();
    // First make sure B's subscription is live (it is set up in the background): a warm-up standby it must hear of.
    await (await a.mesh()).ledger.deactivateRoute("mock/warm-up", "manual");
    await waitFor(() => bIndex.route("mock/warm-up") !== undefined, "B's feed to be live", 5_000);
    await (await a.mesh()).ledger.deactivateRoute(routeId, "manual");
    const parkedAt = performance.now();
    await waitFor(() => bIndex.route(routeId) !== undefined, "B's availability index to show A's standby", 2_000);
    expect(performance.now() - parkedAt).toBeLessThan(100);

    const next = await b.chat.completions.create(ask("after"));
    expect(next.model).toBe("model-b");
    expect(upstreamCalls("model-a")).toBe(1);
    const trace = getTrace(next)!;
    expect(trace.attempts.map((attempt) => attempt.routeId)).not.toContain(routeId);
    // Whether B's index already heard of it from the change feed or its admission read it from Redis, the route
    // is left out for its state: never attempted.
    expect(trace.candidates.find((c) => c.routeId === routeId)?.excluded).toMatchObject({ stage: "state", reason: expect.stringContaining("standby") });
  });
});
