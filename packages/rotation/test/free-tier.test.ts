/**
 * Free-tier aggregation (docs/ARCHITECTURE.md §2.10): a pool over four providers with daily quotas 5, 10, 20
 * and 50 serves exactly 85 requests with no quota error reaching the caller, then fails once with
 * MM_ALL_QUOTAS_EXHAUSTED naming the first reset, and serves again after it. Real HTTP mocks, fake clock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RoutingError, isModelMeshError } from "@modelmesh/core";
import { burst, closeRigs, startRig } from "./support/rig.js";
import type { Rig, RigProvider } from "./support/rig.js";

afterEach(closeRigs);

const QUOTAS = { p5: 5, p10: 10, p20: 20, p50: 50 } as const;
const NAMES = Object.keys(QUOTAS) as Array<keyof typeof QUOTAS>;
const pool = (extra: Record<string, unknown> = {}) => ({ free: { models: NAMES.map((n) => `${n}.m`), ...extra } });

/** Sends `n` requests one after another; returns how many succeeded and the errors. */
async function drain(rig: Rig, n: number) {
  let ok = 0;
  const errors: unknown[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await rig.chat("free");
      ok++;
    } catch (error) {
      errors.push(error);
    }
    rig.clock.advance(1_000);
  }
  return { ok, errors };
}

function expectExhausted(error: unknown, until: string): void {
  expect(RoutingError.is(error)).toBe(true);
  expect(isModelMeshError(error) && error.code).toBe("MM_ALL_QUOTAS_EXHAUSTED");
  expect((error as Error).message).toBe(
    `[modelmesh] [pool free] all quotas exhausted until ${until}. Every model in the pool has used its quota; the first resets then.`,
  );
}

const count429 = (rig: Rig) => NAMES.reduce((sum, n) => sum + rig.mocks[n]!.calls.filter((c) => c.status === 429).length, 0);

describe("free-tier aggregation", () => {
  it("configured quotas (providers.X.quota.requests_per_day, each with its own reset clock): 85 served, then one clear error", async () => {
    const clocks: Record<string, Record<string, string>> = {
      p5: { reset_time: "00:00", time_zone: "UTC" },
      p10: { reset_time: "00:00", time_zone: "America/Los_Angeles" }, // 08:00Z
      p20: { reset_time: "06:00", time_zone: "Europe/Berlin" }, // 05:00Z
      p50: { reset_time: "00:00", time_zone: "UTC" },
    };
    const providers: Record<string, RigProvider> = Object.fromEntries(
      NAMES.map((n) => [n, { mock: { dailyQuota: QUOTAS[n] }, entry: { quota: { requests_per_day: QUOTAS[n], ...clocks[n] } } }]),
    );
    const rig = await startRig({ providers, pools: pool() });
    const { ok, errors } = await drain(rig, 85);
    expect(ok).toBe(85);
    expect(errors).toEqual([]);
    expect(NAMES.map((n) => rig.served(n))).toEqual([5, 10, 20, 50]);

    const exhausted = await rig.chat("free").catch((e: unknown) => e);
    expectExhausted(exhausted, "2026-01-11T00:00:00.000Z");
    expect(count429(rig)).toBe(0); // the ledger refused before any upstream said no

    // UTC midnight: p5 and p50 reset (the vendor resets too); p10 and p20 are still spent.
    rig.clock.set(Date.parse("2026-01-11T00:00:00Z"));
    rig.mocks.p5!.resetQuota();
    rig.mocks.p50!.resetQuota();
    expect((await rig.chat("free")).trace.final!.providerId).toBe("p5"); // the default priority selection returns to the first-listed model
    expect((await drain(rig, 54)).ok).toBe(54);
    expect(NAMES.map((n) => rig.served(n))).toEqual([10, 10, 20, 100]);
    expectExhausted(await rig.chat("free").catch((e: unknown) => e), "2026-01-11T05:00:00.000Z");
    rig.clock.set(Date.parse("2026-01-11T05:00:00Z"));
    rig.mocks.p20!.resetQuota();
    expect((await rig.chat("free")).trace.final!.providerId).toBe("p20");
  });

  it("configured quotas under 100 concurrent requests: exactly 85 served, 15 clear errors, no counter lost", async () => {
    const providers = Object.fromEntries(NAMES.map((n) => [n, { mock: { dailyQuota: QUOTAS[n] }, entry: { quota: { requests_per_day: QUOTAS[n] } } }]));
    const rig = await startRig({ providers, pools: pool() });
    const results = await burst(100, () => rig.chat("free"));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(85);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(failures).toHaveLength(15);
    for (const failure of failures) expectExhausted(failure.reason, "2026-01-11T00:00:00.000Z");
    expect(NAMES.map((n) => rig.mocks[n]!.calls.length)).toEqual([5, 10, 20, 50]);
  });

  it("quotas learned from the upstream's 429 insufficient_quota: 85 served, the 429s absorbed by rotation", async () => {
    const providers = Object.fromEntries(NAMES.map((n) => [n, { mock: { dailyQuota: QUOTAS[n] }, entry: { quota: { reset_time: "00:00", time_zone: "UTC" } } }]));
    const rig = await startRig({ providers, pools: pool() });
    const { ok, errors } = await drain(rig, 85);
    expect(ok).toBe(85);
    expect(errors).toEqual([]);
    const exhausted = await rig.chat("free").catch((e: unknown) => e);
    expectExhausted(exhausted, "2026-01-11T00:00:00.000Z");
    expect(count429(rig)).toBe(4); // one per provider, each the signal that parked it

    rig.clock.set(Date.parse("2026-01-11T00:00:00Z"));
    for (const n of NAMES) rig.mocks[n]!.resetQuota();
    const next = await rig.chat("free");
    expect(next.value.choices[0]!.message.content).toBe("echo: hello there");
  });

  it("quotas learned from x-ratelimit-* headers (rules deactivation): 85 served without a single 429", async () => {
    const providers = Object.fromEntries(
      NAMES.map((n) => [n, { mock: { dailyQuota: QUOTAS[n], rateLimitHeaders: { limitRequests: QUOTAS[n], resetRequests: "24h" } } }]),
    );
    const rig = await startRig({ providers, pools: pool({ deactivation: { connector: "modelmesh.rules-deactivation.v1" } }) });
    const { ok, errors } = await drain(rig, 85);
    expect(ok).toBe(85);
    expect(errors).toEqual([]);
    expect(count429(rig)).toBe(0);
    // p5's header said 0 remaining at 12:00:04 (its 5th answer), resetting 24 h later.
    expectExhausted(await rig.chat("free").catch((e: unknown) => e), "2026-01-11T12:00:04.000Z");
    expect(count429(rig)).toBe(0);

    rig.clock.set(Date.parse("2026-01-11T12:00:04Z"));
    rig.mocks.p5!.reset();
    expect((await rig.chat("free")).trace.final!.providerId).toBe("p5");
  });
});
