/**
 * Issue 13, "Stop Redis mid-run": two real `modelmesh serve` processes on one real redis-server, which is stopped
 * while requests are in flight and started again. With `storage.on_store_failure: local` (the default) no request
 * crashes or hangs, both instances keep serving and say `degraded` on `/readyz`, and once Redis is back the local
 * counts are added to the shared counter: it holds every request the upstream saw, and no quota was exceeded by
 * more than the documented bound, (N − 1) × the cap (docs/state-stores.md). With `fail`, `/readyz` takes the
 * instance out (503) and requests fail fast with 503 `MM_STORE_UNAVAILABLE`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeWithRedis, startRedisServer, type RedisServer } from "../../../packages/storage-redis/test/support/redis-server.js";
import { bundleCli } from "./support/cli-child.js";
import { chat, Fleet, inParallel, pollUntil, routesHealth } from "./support/redis-fleet.js";

let redis: RedisServer;
let cli: string;
let dir: string;
let fleet: Fleet | undefined;
let upstream: MockProvider;
let stopped = false;

const readyz = async (base: string) => {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; store: { state: string; policy?: string; reconciliations: number } } };
};
const upstreamCalls = () => upstream.callsFor("free-model").filter((call) => call.path.endsWith("/chat/completions")).length;

function config(keyPrefix: string, cap: number, policy?: "local" | "fail"): string {
  return `storage:
  connector: redis
${policy ? `  on_store_failure: ${policy}\n` : ""}  config: { url: "\${env:REDIS_URL}", key_prefix: "${keyPrefix}", command_timeout: 500ms }
providers:
  free:
    connector: openai-compatible
    config: { base_url: "${upstream.url}", api_key: sk-free }
    quota: { reset_time: "00:00", time_zone: UTC }
    models:
      - { id: free-model, capabilities: [chat-completion], quota: { requests_per_day: ${cap} } }
`;
}

describeWithRedis("modelmesh serve when Redis stops mid-run", () => {
  beforeAll(async () => {
    // An append-only file, so a stopped and restarted server keeps its data as a production Redis does.
    [redis, cli, dir, upstream] = await Promise.all([
      startRedisServer(["--appendonly", "yes"]),
      bundleCli("store-outage-redis-test"),
      mkdtemp(join(tmpdir(), "modelmesh-store-outage-")),
      startMockProvider({ models: [{ id: "free-model" }] }),
    ]);
  }, 30_000);
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
    upstream.reset();
    if (stopped) await redis.start();
    stopped = false;
  });
  afterAll(async () => {
    await upstream?.close();
    await redis?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    "local: 300 requests over 2 instances while Redis stops and returns — none crashes or hangs, the counter reconciles within the bound",
    async () => {
      const cap = 40;
      fleet = new Fleet(cli, dir, { REDIS_URL: redis.url });
      const [a, b] = await fleet.startMany(await fleet.config("outage-local", config("mm-outage:local:", cap)), 2);
      expect((await readyz(a!.url)).body).toMatchObject({ status: "ready", store: { state: "ok", policy: "local" } });

      // Stop Redis once 20 requests were answered; start it again after 40 more answers.
      let answered = 0;
      let servedWhileDown = 0;
      let outage: Promise<void> | undefined;
      let recovery: Promise<void> | undefined;
      const answers = await inParallel(300, 8, async (i) => {
        // Once the outage is decided, new requests wait until Redis is really down (however long stopping takes
        // on a busy machine), so some are served while it is down whatever the speed: the quota is not spent yet.
        if (outage && !stopped) await outage;
        const answer = await chat([a, b][i % 2]!.url, "chat-completion", `request ${i}`);
        answered++;
        if (stopped && answer.status === 200) servedWhileDown++;
        if (answered === 20) outage = redis.stop().then(() => void (stopped = true));
        if (answered === 60) recovery = (outage ?? Promise.resolve()).then(() => redis.start()).then(() => void (stopped = false));
        return answer;
      });
      await outage;
      await recovery;

      // Every request got an answer: served, or refused for quota with the typed error. Nothing else.
      const served = answers.filter((answer) => answer.status === 200).length;
      const refused = answers.filter((answer) => answer.status === 429 && answer.body.error?.modelmesh_code === "MM_ALL_QUOTAS_EXHAUSTED").length;
      expect({ served, refused, other: answers.length - served - refused }).toEqual({ served, refused, other: 0 });
      expect(upstreamCalls()).toBe(served);
      expect(servedWhileDown).toBeGreaterThan(0); // the instances kept serving with Redis down
      expect(served).toBeGreaterThanOrEqual(cap);
      expect(served).toBeLessThanOrEqual(cap + (2 - 1) * cap); // the documented bound for N = 2

      // Both live again, each having written its local counts back: the shared counter holds every request.
      await pollUntil(async () => (await readyz(a!.url)).body.store.state === "ok" && (await readyz(b!.url)).body.store.state === "ok", "both instances live again", 15_000);
      const route = [...(await routesHealth(a!.url)).values()][0]!;
      // (A command in flight when Redis went down may have been applied without its reply: then it is counted
      // once more locally, on the side of refusing — at most one per request in flight, 8 here.)
      expect(route.quota.usage.requestsDay).toBeGreaterThanOrEqual(served);
      expect(route.quota.usage.requestsDay).toBeLessThanOrEqual(served + 8);
      expect((await readyz(a!.url)).body.store.reconciliations + (await readyz(b!.url)).body.store.reconciliations).toBeGreaterThanOrEqual(1);
      // And admission is exact again on both.
      expect((await chat(a!.url, "chat-completion", "after a")).body.error?.modelmesh_code).toBe("MM_ALL_QUOTAS_EXHAUSTED");
      expect((await chat(b!.url, "chat-completion", "after b")).body.error?.modelmesh_code).toBe("MM_ALL_QUOTAS_EXHAUSTED");
      expect(upstreamCalls()).toBe(served);
      // Neither process died.
      for (const child of [a!, b!]) expect(child.child.exitCode).toBeNull();
    },
    90_000,
  );

  it(
    "local: /readyz says degraded (200) while Redis is down; fail: /readyz says store_unavailable (503) and requests get 503 MM_STORE_UNAVAILABLE",
    async () => {
      fleet = new Fleet(cli, dir, { REDIS_URL: redis.url });
      const [local] = await fleet.startMany(await fleet.config("readyz-local", config("mm-outage:readyz-local:", 1_000)), 1);
      const [failing] = await fleet.startMany(await fleet.config("readyz-fail", config("mm-outage:readyz-fail:", 1_000, "fail")), 1);
      expect((await chat(local!.url, "chat-completion", "up")).status).toBe(200);
      expect((await chat(failing!.url, "chat-completion", "up")).status).toBe(200);

      await redis.stop();
      stopped = true;
      // The local instance notices on its next store operation and serves on.
      expect((await chat(local!.url, "chat-completion", "down")).status).toBe(200);
      expect(await readyz(local!.url)).toMatchObject({ status: 200, body: { status: "degraded", store: { state: "degraded", policy: "local" } } });
      const refused = await chat(failing!.url, "chat-completion", "down");
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: "state_store_unavailable", modelmesh_code: "MM_STORE_UNAVAILABLE" });
      expect(refused.body.error!.message).not.toContain(redis.url); // names the store, never its URL
      expect(await readyz(failing!.url)).toMatchObject({ status: 503, body: { status: "store_unavailable", store: { state: "unavailable", policy: "fail" } } });

      await redis.start();
      stopped = false;
      await pollUntil(async () => (await readyz(local!.url)).status === 200 && (await readyz(local!.url)).body.status === "ready" && (await readyz(failing!.url)).status === 200, "both ready again", 15_000);
      expect((await chat(failing!.url, "chat-completion", "back")).status).toBe(200);
      // Each change is logged, naming the policy, never the URL.
      const local_ = local!.logLinesSince(0).filter((line) => String(line.msg).startsWith("state store"));
      expect(local_.map((line) => [line.level, line.msg, line.policy])).toEqual([
        ["warn", "state store unreachable: serving on local state", "local"],
        ["info", "state store reachable again", "local"],
      ]);
      expect(failing!.logLinesSince(0).find((line) => line.msg === "state store unreachable: failing requests that need it")).toMatchObject({ level: "warn", code: "MM_STORE_UNAVAILABLE" });
      expect(local!.stderr + failing!.stderr).not.toContain(redis.url);
    },
    60_000,
  );
});
