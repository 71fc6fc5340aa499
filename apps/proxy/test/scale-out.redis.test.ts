/**
 * Issue 13 acceptance with real processes: several `modelmesh serve` instances on one real redis-server share
 * the state ledger (docs/ARCHITECTURE.md §2.9) — quotas exact across instances, one half-open probe at a time
 * even when its holder dies, and a restarted instance finding quotas, cooldowns and manual standbys as they
 * were. The upstream is the fault-injecting mock provider, which records every request it receives.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeWithRedis, startRedisServer, type RedisServer } from "../../../packages/storage-redis/test/support/redis-server.js";
import { bundleCli } from "./support/cli-child.js";
import { chat, Fleet, inParallel, nextUtcMidnight, pollUntil, redisStorage, routesHealth, type Answer } from "./support/redis-fleet.js";

/**
 * The half-open probe lease TTL: a probe holds its lease for the longest request deadline (`routing.deadline`,
 * or a pool's `deadline`; `probeLeaseMs` in packages/core/src/mesh/create-mesh.ts). The probe test sets
 * `routing.deadline: 5s`, so a holder killed mid-probe blocks the route for 5 s.
 */
const PROBE_LEASE_MS = 5_000;

let redis: RedisServer;
let cli: string;
let dir: string;
let fleet: Fleet;
const mocks: MockProvider[] = [];

async function mock(models: string[]): Promise<MockProvider> {
  const started = await startMockProvider({ models: models.map((id) => ({ id })) });
  mocks.push(started);
  return started;
}

/** Chat calls the mock received for `model` (every one counts, answered or not). */
const upstreamCalls = (upstream: MockProvider, model: string) => upstream.callsFor(model).filter((call) => call.path.endsWith("/chat/completions"));

describeWithRedis("modelmesh serve instances on one Redis (storage.connector: redis)", () => {
  beforeAll(async () => {
    [redis, cli, dir] = await Promise.all([startRedisServer(), bundleCli("scale-out-redis-test"), mkdtemp(join(tmpdir(), "modelmesh-scale-out-"))]);
  }, 30_000);
  afterEach(async () => {
    await fleet?.close();
    await Promise.all(mocks.splice(0).map((m) => m.close()));
  });
  afterAll(async () => {
    await redis?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    "3 instances, 1,000 requests, a pool of 4 free-tier models capped 5/10/20/50 a day: exactly 85 reach the upstreams, every other answer is MM_ALL_QUOTAS_EXHAUSTED naming the reset",
    async () => {
      const caps: Record<string, number> = { "free-5": 5, "free-10": 10, "free-20": 20, "free-50": 50 };
      const upstream = await mock(Object.keys(caps));
      fleet = new Fleet(cli, dir, { REDIS_URL: redis.url });
      const file = await fleet.config(
        "quota",
        `${redisStorage("mm-scale:quota:")}providers:
  free:
    connector: openai-compatible
    config: { base_url: "${upstream.url}", api_key: sk-free }
    quota: { reset_time: "00:00", time_zone: UTC }
    models:
${Object.entries(caps).map(([id, cap]) => `      - { id: ${id}, capabilities: [chat-completion], quota: { requests_per_day: ${cap} } }`).join("\n")}
pools:
  free-tier:
    models: [${Object.keys(caps).map((id) => `free.${id}`).join(", ")}]
`,
      );
      const proxies = await fleet.startMany(file, 3);

      const answers = await inParallel(1_000, 40, (i) => chat(proxies[i % 3]!.url, "free-tier", `request ${i}`));

      const ok = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status !== 200);
      expect(ok).toHaveLength(85);
      for (const [model, cap] of Object.entries(caps)) {
        const calls = upstreamCalls(upstream, model);
        expect({ model, calls: calls.length }).toEqual({ model, calls: cap }); // never one beyond the quota
        expect(calls.every((call) => call.status === 200)).toBe(true);
      }
      expect(upstream.calls).toHaveLength(85);
      // Every instance served some and refused some: the cap is shared, not split per instance.
      for (const base of proxies.map((p) => p.url)) {
        const mine = answers.filter((_, i) => proxies[i % 3]!.url === base);
        expect(mine.some((a) => a.status === 200)).toBe(true);
        expect(mine.some((a) => a.status === 429)).toBe(true);
      }
      const reset = nextUtcMidnight();
      expect(refused).toHaveLength(915);
      const shapes = new Set(refused.map((a) => `${a.status} ${a.body.error?.modelmesh_code} ${a.body.error?.type}`));
      expect([...shapes]).toEqual(["429 MM_ALL_QUOTAS_EXHAUSTED insufficient_quota"]);
      for (const answer of refused) expect(answer.body.error!.message).toContain(`all quotas exhausted until ${reset}`);
      expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThan(0);

      // The shared counters, as any instance reports them.
      const health = await routesHealth(proxies[2]!.url);
      for (const [model, cap] of Object.entries(caps)) expect(health.get(`free/free.${model}`)!.quota.usage.requestsDay).toBe(cap);
    },
    90_000,
  );

  it(
    "SIGKILL of the instance holding the half-open probe lease: no other instance probes before the lease TTL, another one probes right after it",
    async () => {
      const upstream = await mock(["flaky"]);
      fleet = new Fleet(cli, dir, { REDIS_URL: redis.url });
      const file = await fleet.config(
        "probe",
        `${redisStorage("mm-scale:probe:")}routing: { deadline: 5s }
providers:
  up:
    connector: openai-compatible
    config: { base_url: "${upstream.url}", api_key: sk-up }
    models:
      - { id: flaky, capabilities: [chat-completion] }
pools:
  probe-pool:
    models: [up.flaky]
    deactivation: { retry_limit: 2 }
    retry: { max_attempts: 0 }
    recovery: { cooldown: 1s }
`,
      );
      const [holder, second, third] = await fleet.startMany(file, 3);
      const survivors = [second!, third!];

      // Two failures through instance 1 open the circuit (retry_limit 2, no same-route retry); every instance sees it.
      upstream.fault({ model: "flaky", times: 2, fault: { kind: "status", status: 500 } });
      for (const text of ["fail 1", "fail 2"]) expect((await chat(holder!.url, "probe-pool", text)).status).toBe(502);
      const opened = (await routesHealth(second!.url)).get("up/up.flaky")!;
      expect(opened).toMatchObject({ status: "standby", circuit: "open" });
      expect(upstreamCalls(upstream, "flaky")).toHaveLength(2);

      // After the 1 s cooldown, instance 1 takes the probe lease; its probe hangs at the upstream.
      await pollUntil(() => Date.now() > opened.standbyUntil! + 50, "the cooldown to end", 10_000);
      upstream.fault({ model: "flaky", times: 1, fault: { kind: "no-response" } });
      const hanging = chat(holder!.url, "probe-pool", "probe from instance 1").catch((error: unknown) => error);
      await pollUntil(() => upstreamCalls(upstream, "flaky").length === 3, "instance 1's probe to reach the upstream", 10_000);
      const firstProbe = upstreamCalls(upstream, "flaky")[2]!;
      expect((await routesHealth(second!.url)).get("up/up.flaky")!.circuit).toBe("half-open");

      // Instance 1 dies mid-probe: nothing hands the lease back.
      await fleet.kill(holder!);
      expect(await hanging).toBeInstanceOf(Error); // its client's connection dropped

      // The survivors are asked in turn until one of them probes: refused (no upstream call) while the lease lives.
      const refusals: Answer[] = [];
      let n = 0;
      let probed: Answer | undefined;
      await pollUntil(
        async () => {
          const answer = await chat(survivors[n++ % 2]!.url, "probe-pool", `survivor ${n}`);
          if (upstreamCalls(upstream, "flaky").length > 3) probed = answer;
          else refusals.push(answer);
          return probed !== undefined;
        },
        "a surviving instance to probe",
        PROBE_LEASE_MS + 15_000,
        200,
      );
      const secondProbe = upstreamCalls(upstream, "flaky")[3]!;
      const elapsed = secondProbe.at - firstProbe.at;
      // The lease was taken just before instance 1's probe left (so it ends a little before firstProbe.at + TTL).
      expect(elapsed).toBeGreaterThanOrEqual(PROBE_LEASE_MS - 2_000);
      expect(elapsed).toBeLessThanOrEqual(PROBE_LEASE_MS + 5_000);
      expect(upstreamCalls(upstream, "flaky")).toHaveLength(4); // exactly one new probe
      expect(probed!.status).toBe(200);
      expect(refusals.length).toBeGreaterThan(10); // both survivors were asked all along
      for (const answer of refusals) {
        expect(answer.status).toBe(503);
        expect(answer.body.error!.message).toContain("probe in flight");
      }
      // The probe succeeded: the circuit is closed for everyone.
      expect((await routesHealth(third!.url)).get("up/up.flaky")).toMatchObject({ status: "active", circuit: "closed" });
    },
    PROBE_LEASE_MS + 40_000,
  );

  it(
    "a single proxy restarted (SIGKILL, then serve again) finds its spent quota, its cooldown and its manual standby in Redis",
    async () => {
      const upstream = await mock(["capped", "cooling", "parked"]);
      fleet = new Fleet(cli, dir, { REDIS_URL: redis.url });
      const file = await fleet.config(
        "restart",
        `${redisStorage("mm-scale:restart:")}providers:
  up:
    connector: openai-compatible
    config: { base_url: "${upstream.url}", api_key: sk-up }
    quota: { reset_time: "00:00", time_zone: UTC }
    models:
      - { id: capped, capabilities: [chat-completion], quota: { requests_per_day: 3 } }
      - { id: cooling, capabilities: [chat-completion] }
      - { id: parked, capabilities: [chat-completion] }
pools:
  capped-pool:
    models: [up.capped]
  cooling-pool:
    models: [up.cooling]
    deactivation: { retry_limit: 1 }
    retry: { max_attempts: 0 }
    recovery: { cooldown: 10m }
  parked-pool:
    models: [up.parked]
`,
      );
      const before = await fleet.start(file);

      // Part of the quota spent: 2 of 3.
      for (const text of ["one", "two"]) expect((await chat(before.url, "capped-pool", text)).status).toBe(200);
      // A route in cooldown: one failure puts it on standby for 10 minutes.
      upstream.fault({ model: "cooling", times: 1, fault: { kind: "status", status: 500 } });
      expect((await chat(before.url, "cooling-pool", "fails")).status).toBe(502);
      // A manual standby through the admin endpoint.
      const admin = await fetch(`${before.url}/admin/routes/${encodeURIComponent("up/up.parked")}/deactivate`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(admin.status).toBe(200);

      const was = await routesHealth(before.url);
      expect(was.get("up/up.capped")!.quota.usage.requestsDay).toBe(2);
      expect(was.get("up/up.cooling")).toMatchObject({ status: "standby", circuit: "open" });
      expect(was.get("up/up.cooling")!.standbyUntil).toBeGreaterThan(Date.now() + 9 * 60_000);
      expect(was.get("up/up.parked")).toMatchObject({ status: "standby", reason: "manual" });
      expect(was.get("up/up.parked")!.standbyUntil).toBeUndefined();

      await fleet.kill(before);
      const after = await fleet.start(file);

      // The restarted process reports the same state…
      const is = await routesHealth(after.url);
      expect(is.get("up/up.capped")!.quota.usage.requestsDay).toBe(2);
      expect(is.get("up/up.cooling")).toMatchObject({ status: "standby", circuit: "open", reason: was.get("up/up.cooling")!.reason, standbyUntil: was.get("up/up.cooling")!.standbyUntil });
      expect(is.get("up/up.parked")).toMatchObject({ status: "standby", reason: "manual" });
      expect(is.get("up/up.parked")!.standbyUntil).toBeUndefined();

      // …and routes by it: one request left on the quota, then the typed refusal; the standbys get no call.
      const calls = (model: string) => upstreamCalls(upstream, model).length;
      expect((await chat(after.url, "capped-pool", "three")).status).toBe(200);
      const spent = await chat(after.url, "capped-pool", "four");
      expect(spent.status).toBe(429);
      expect(spent.body.error!.modelmesh_code).toBe("MM_ALL_QUOTAS_EXHAUSTED");
      expect(spent.body.error!.message).toContain(`until ${nextUtcMidnight()}`);
      expect(calls("capped")).toBe(3);
      for (const pool of ["cooling-pool", "parked-pool"]) {
        const refused = await chat(after.url, pool, "still out?");
        expect(refused.status).toBe(503);
        expect(refused.body.error!.message).toContain("standby");
      }
      expect(calls("cooling")).toBe(1);
      expect(calls("parked")).toBe(0);
    },
    60_000,
  );
});
