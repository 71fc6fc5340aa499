import { describe, expect, it } from "vitest";
import { SERVER_ERROR, SUCCESS, ledgerKit } from "./ledger-test-kit.js";
import type { LedgerKit } from "./ledger-test-kit.js";

/** Fails the route `n` times through acquire/record/release. */
async function failTimes(kit: LedgerKit, n: number) {
  let last;
  for (let i = 0; i < n; i++) {
    const ticket = await kit.ledger.acquire(kit.route, kit.provider);
    expect(ticket).toMatchObject({ ok: true });
    last = await kit.ledger.recordFailure(kit.route, kit.provider, SERVER_ERROR, kit.policies);
    await kit.ledger.release(kit.route);
  }
  return last!;
}

describe("StateLedger: deactivation, cooldown and half-open probes", () => {
  it("grows the cooldown 60s → 120s → 240s for a recovered route that keeps failing, and resets after a success", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, clock } = kit;
    const t0 = clock.now();
    expect((await failTimes(kit, 2)).standbyUntil).toBeUndefined();
    const first = await failTimes(kit, 1);
    expect(first).toEqual({ stateChanges: ["route standby: error_threshold"], standbyUntil: t0 + 60_000 });
    expect(kit.of("route-deactivated")).toEqual([{ type: "route-deactivated", timestamp: t0, routeId: route.routeId, reason: "error_threshold", until: t0 + 60_000, cooldownLevel: 1 }]);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: false, kind: "route", reason: "route standby: error_threshold", retryAt: t0 + 60_000 });

    const cooldowns: number[] = [];
    for (let round = 0; round < 2; round++) {
      const until = (await ledger.snapshot(route)).standbyUntil!;
      clock.set(until);
      const ticket = await ledger.acquire(route, provider);
      expect(ticket).toEqual({ ok: true, probe: true });
      const result = await ledger.recordFailure(route, provider, SERVER_ERROR, policies);
      await ledger.release(route);
      cooldowns.push(result.standbyUntil! - clock.now());
    }
    expect(cooldowns).toEqual([120_000, 240_000]);
    expect(kit.of("route-deactivated").map((e) => e.cooldownLevel)).toEqual([1, 2, 3]);

    clock.set((await ledger.snapshot(route)).standbyUntil!);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: true });
    const ok = await ledger.recordSuccess(route, provider, SUCCESS, policies);
    await ledger.release(route);
    expect(ok.stateChanges).toEqual(["route recovered: probe_success"]);
    const closed = await ledger.snapshot(route);
    expect(closed).toMatchObject({ status: "active", circuit: "closed", cooldownLevel: 0, consecutiveFailures: 0 });

    const t1 = clock.now();
    expect((await failTimes(kit, 3)).standbyUntil).toBe(t1 + 60_000);
  });

  it("after the cooldown admits exactly one of many concurrent acquires as the probe", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, clock } = kit;
    await failTimes(kit, 3);
    clock.advance(60_000);
    const tickets = await Promise.all(Array.from({ length: 25 }, () => ledger.acquire(route, provider)));
    expect(tickets.filter((t) => t.ok)).toEqual([{ ok: true, probe: true }]);
    expect(tickets.filter((t) => !t.ok && t.kind === "probe")).toHaveLength(24);
    expect(kit.of("route-recovered")).toEqual([{ type: "route-recovered", timestamp: clock.now(), routeId: route.routeId, trigger: "cooldown_expired", halfOpen: true }]);
    expect((await ledger.snapshot(route)).inFlight).toBe(1);
  });

  it("a probe failure re-opens for longer; a probe success closes the circuit and emits route-recovered", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, clock } = kit;
    await failTimes(kit, 3);
    clock.advance(60_000);
    expect((await ledger.snapshot(route)).circuit).toBe("half-open");
    await ledger.acquire(route, provider);
    // A timeout on the probe re-opens even though the policy alone would need 3 in a row after a success.
    const reopened = await ledger.recordFailure(route, provider, { category: "timeout", latencyMs: 30_000 }, policies);
    await ledger.release(route);
    expect(reopened.standbyUntil).toBe(clock.now() + 120_000);
    expect(await ledger.snapshot(route)).toMatchObject({ status: "standby", circuit: "open", reason: "error_threshold", cooldownLevel: 2 });

    clock.advance(120_000);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: true });
    await ledger.recordSuccess(route, provider, SUCCESS, policies);
    await ledger.release(route);
    expect(kit.of("route-recovered").map((e) => [e.trigger, e.halfOpen])).toEqual([
      ["cooldown_expired", true],
      ["cooldown_expired", true],
      ["probe_success", false],
    ]);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: false });
  });

  it("a probe released without an outcome frees its lease after the grace period; a crashed one after the lease", async () => {
    const kit = ledgerKit({ ledger: { probeLeaseMs: 30_000, probeReleaseGraceMs: 1_000 } });
    const { ledger, route, provider, clock } = kit;
    await failTimes(kit, 3);
    clock.advance(60_000);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: true });
    await ledger.release(route);
    expect(await ledger.acquire(route, provider)).toMatchObject({ ok: false, kind: "probe" });
    clock.advance(1_000);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: true });
    // This one "crashes": never released. Another instance sharing the store waits out the lease.
    const other = new (ledger.constructor as typeof import("./ledger.js").StateLedger)({ store: kit.store, clock });
    expect(await other.acquire(route, provider)).toMatchObject({ ok: false, kind: "probe" });
    clock.advance(30_000);
    expect(await other.acquire(route, provider)).toEqual({ ok: true, probe: true });
  });

  it("a rate limit with Retry-After parks the route briefly; quota exhaustion parks it until the quota resets", async () => {
    const kit = ledgerKit({ route: { quotaClock: { resetTime: "08:00", timeZone: "America/Los_Angeles" } } });
    const { ledger, route, provider, policies, clock } = kit;
    const limited = await ledger.recordFailure(route, provider, { category: "rate_limit", status: 429, retryAfterMs: 5_000, latencyMs: 5 }, policies);
    expect(limited.standbyUntil).toBe(clock.now() + 5_000);
    expect(await ledger.snapshot(route)).toMatchObject({ status: "standby", reason: "rate_limited" });
    clock.advance(5_000);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: true });
    const exhausted = await ledger.recordFailure(route, provider, { category: "quota_exhausted", status: 429, latencyMs: 5 }, policies);
    await ledger.release(route);
    expect(exhausted.standbyUntil).toBe(Date.UTC(2026, 0, 10, 16)); // 08:00 PST
    clock.set(Date.UTC(2026, 0, 10, 16));
    expect((await ledger.snapshot(route)).circuit).toBe("half-open");
    expect(kit.of("route-recovered").at(-1)).toMatchObject({ trigger: "quota_reset", halfOpen: true });
  });

  it("an auth failure parks the whole provider until it is reactivated", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, clock } = kit;
    const sibling = { ...route, routeId: "acme/m2", modelId: "acme.m2", upstreamModel: "m2" };
    const result = await ledger.recordFailure(route, provider, { category: "auth", status: 401, latencyMs: 5 }, policies);
    expect(result).toEqual({ stateChanges: ["provider standby: auth_failure"] });
    await ledger.recordFailure(sibling, provider, { category: "auth", status: 401, latencyMs: 5 }, policies);
    expect(kit.of("provider-deactivated")).toEqual([{ type: "provider-deactivated", timestamp: clock.now(), providerId: "acme", reason: "auth_failure", until: undefined }]);
    expect(await ledger.providerStatus("acme")).toEqual({ status: "standby", reason: "auth_failure", since: clock.now() });
    clock.advance(7 * 86_400_000);
    expect(await ledger.acquire(sibling, provider)).toEqual({ ok: false, kind: "provider", reason: "provider standby: auth_failure", retryAt: undefined });
    expect(await ledger.snapshot(route)).toMatchObject({ status: "active", consecutiveFailures: 0 });
    await ledger.reactivateProvider("acme");
    expect((await ledger.providerStatus("acme")).status).toBe("active");
    expect(kit.of("provider-recovered")).toEqual([{ type: "provider-recovered", timestamp: clock.now(), providerId: "acme", trigger: "manual" }]);
    expect((await ledger.acquire(sibling, provider)).ok).toBe(true);
  });

  it("a timed provider standby ends by itself", async () => {
    const kit = ledgerKit();
    const { ledger, clock } = kit;
    await ledger.deactivateProvider("acme", "budget_exceeded", clock.now() + 1_000);
    expect((await ledger.providerStatus("acme")).until).toBe(clock.now() + 1_000);
    clock.advance(1_000);
    expect(await ledger.providerStatus("acme")).toEqual({ status: "active" });
    expect(kit.of("provider-recovered")).toEqual([{ type: "provider-recovered", timestamp: clock.now(), providerId: "acme", trigger: "quota_reset" }]);
  });

  it("caller errors change nothing", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, store } = kit;
    await ledger.recordSuccess(route, provider, SUCCESS, policies);
    const before = await store.export();
    for (const category of ["invalid_request", "context_length", "content_filter"] as const) {
      for (let i = 0; i < 10; i++) {
        expect(await ledger.recordFailure(route, provider, { category, status: 400, latencyMs: 3 }, policies)).toEqual({ stateChanges: [] });
      }
    }
    expect(await store.export()).toEqual(before);
    expect(kit.events).toEqual([]);
  });

  it("uses the error rate only over the rolling window with its minimum samples", async () => {
    const kit = ledgerKit({ threshold: { retryLimit: 100, errorRateThreshold: 0.5 }, ledger: { errorRateWindow: 10, errorRateMinSamples: 5 } });
    const { ledger, route, provider, policies } = kit;
    const fail = () => ledger.recordFailure(route, provider, SERVER_ERROR, policies);
    const succeed = () => ledger.recordSuccess(route, provider, SUCCESS, policies);
    await fail();
    await succeed();
    await fail();
    await succeed();
    expect(await ledger.snapshot(route)).toMatchObject({ errorRate: 0, windowSamples: 4, status: "active" });
    const tipped = await fail();
    expect(tipped.stateChanges).toEqual(["route standby: error_rate"]);
    expect(await ledger.snapshot(route)).toMatchObject({ errorRate: 0.6, windowSamples: 5, recentOutcomes: [500, 0, 500, 0, 500] });
    await ledger.reactivateRoute(route.routeId);
    for (let i = 0; i < 12; i++) await succeed();
    expect(await ledger.snapshot(route)).toMatchObject({ errorRate: 0, windowSamples: 10 });
  });

  it("learned rate limits appear in snapshots and hold acquisitions until their reset", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, clock } = kit;
    const rateLimit = { limitRequests: 100, remainingRequests: 0, resetRequestsMs: 5_000, limitTokens: 10_000, remainingTokens: 9_000 };
    await ledger.recordSuccess(route, provider, { ...SUCCESS, rateLimit }, policies);
    expect((await ledger.snapshot(route)).rateLimit).toEqual({ ...rateLimit, observedAt: clock.now() });
    expect(await ledger.acquire(route, provider)).toEqual({ ok: false, kind: "rate_limit", reason: "rate limit: spent per response headers", retryAt: clock.now() + 5_000 });
    clock.advance(5_000);
    expect((await ledger.acquire(route, provider)).ok).toBe(true);
    await ledger.learnRateLimit(route, { remainingTokens: 0, resetTokensMs: 2_000 });
    expect((await ledger.snapshot(route)).rateLimit).toEqual({ remainingTokens: 0, resetTokensMs: 2_000, observedAt: clock.now() });
    expect(await ledger.acquire(route, provider)).toMatchObject({ ok: false, kind: "rate_limit" });
  });

  it("tracks latency EWMA, in-flight and last use", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, clock } = kit;
    await ledger.acquire(route, provider);
    await ledger.acquire(route, provider);
    expect(await ledger.snapshot(route)).toMatchObject({ inFlight: 2, lastUsedAt: clock.now() });
    await ledger.recordSuccess(route, provider, { ...SUCCESS, latencyMs: 100 }, policies);
    await ledger.release(route);
    await ledger.recordSuccess(route, provider, { ...SUCCESS, latencyMs: 200 }, policies);
    await ledger.release(route);
    await ledger.release(route);
    const snap = await ledger.snapshot(route);
    expect(snap.inFlight).toBe(0);
    expect(snap.latencyEwmaMs).toBeCloseTo(130);
    expect(snap.lastSuccessAt).toBe(clock.now());
  });

  it("manual deactivation holds until manual reactivation; a late success does not undo a standby", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, clock } = kit;
    await ledger.deactivateRoute(route.routeId, "maintenance_window");
    await ledger.recordSuccess(route, provider, SUCCESS, policies);
    clock.advance(86_400_000);
    expect(await ledger.snapshot(route)).toMatchObject({ status: "standby", reason: "maintenance_window", standbyUntil: undefined });
    await ledger.reactivateRoute(route.routeId);
    expect(await ledger.snapshot(route)).toMatchObject({ status: "active", circuit: "closed" });
    expect(kit.of("route-recovered")).toEqual([{ type: "route-recovered", timestamp: clock.now(), routeId: route.routeId, trigger: "manual", halfOpen: false }]);
    expect(ledger.isEphemeralKey("mm:probe:acme/m1")).toBe(true);
    expect(ledger.isEphemeralKey("mm:route:acme/m1")).toBe(false);
  });

  it("keeps exactly-one-probe and exact admission on a store with only the required primitives", async () => {
    const kit = ledgerKit({ primitivesOnly: true, route: { limits: { requestsPerMinute: 8 } } });
    const { ledger, route, provider, clock } = kit;
    await failTimes(kit, 3);
    clock.advance(60_000);
    const probes = await Promise.all(Array.from({ length: 30 }, () => ledger.acquire(route, provider)));
    expect(probes.filter((t) => t.ok)).toEqual([{ ok: true, probe: true }]);
    expect(kit.of("route-recovered")).toHaveLength(1);
    await ledger.recordSuccess(route, provider, SUCCESS, kit.policies);
    await ledger.release(route);
    // The probe used one of this minute's 8 requests.
    const tickets = await Promise.all(Array.from({ length: 50 }, () => ledger.acquire(route, provider)));
    expect(tickets.filter((t) => t.ok)).toHaveLength(7);
    expect((await ledger.quotaUsage(route)).requestsMinute).toBe(8);
  });
});

describe("StateLedger: reactivation triggers", () => {
  it("reactivateRoute / reactivateProvider report the trigger they were given (default manual)", async () => {
    const kit = ledgerKit();
    const { ledger, route } = kit;
    await failTimes(kit, 3);
    await ledger.reactivateRoute(route.routeId, "probe_success");
    expect(kit.of("route-recovered").at(-1)).toMatchObject({ routeId: route.routeId, trigger: "probe_success", halfOpen: false });
    await ledger.deactivateProvider(route.providerId, "auth_failure");
    await ledger.reactivateProvider(route.providerId);
    expect(kit.of("provider-recovered").at(-1)).toMatchObject({ providerId: route.providerId, trigger: "manual" });
    // Reactivating something that is not out emits nothing.
    const before = kit.of("route-recovered").length;
    await ledger.reactivateRoute(route.routeId);
    expect(kit.of("route-recovered")).toHaveLength(before);
  });
});
