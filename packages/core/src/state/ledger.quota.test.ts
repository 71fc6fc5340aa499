import { describe, expect, it } from "vitest";
import { SUCCESS, ledgerKit } from "./ledger-test-kit.js";

describe("StateLedger: quota windows", () => {
  it("requests per minute reset at the next minute, with one quota-exhausted event per window", async () => {
    const kit = ledgerKit({ start: Date.UTC(2026, 0, 10, 12, 0, 30), route: { limits: { requestsPerMinute: 2 } } });
    const { ledger, route, provider, clock } = kit;
    expect((await ledger.acquire(route, provider)).ok).toBe(true);
    expect((await ledger.acquire(route, provider)).ok).toBe(true);
    const refused = { ok: false, kind: "quota", reason: "quota: route requests-per-minute", retryAt: Date.UTC(2026, 0, 10, 12, 1) };
    expect(await ledger.acquire(route, provider)).toEqual(refused);
    expect(await ledger.acquire(route, provider)).toEqual(refused);
    expect(kit.of("quota-exhausted")).toEqual([
      { type: "quota-exhausted", timestamp: clock.now(), routeId: route.routeId, window: "route:requests-per-minute", resetsAt: Date.UTC(2026, 0, 10, 12, 1) },
    ]);
    expect((await ledger.quotaUsage(route)).requestsMinute).toBe(2);
    clock.set(Date.UTC(2026, 0, 10, 12, 1));
    expect((await ledger.acquire(route, provider)).ok).toBe(true);
    expect(await ledger.quotaUsage(route)).toMatchObject({ requestsMinute: 1, requestsDay: 3 });
    for (let i = 0; i < 3; i++) await ledger.acquire(route, provider);
    expect(kit.of("quota-exhausted")).toHaveLength(2);
  });

  it("requests per day reset at the provider's reset time in its time zone", async () => {
    // 07:00 PST on Jan 10; the provider's day resets at 08:00 America/Los_Angeles = 16:00Z.
    const quotaClock = { resetTime: "08:00", timeZone: "America/Los_Angeles" };
    const kit = ledgerKit({ start: Date.UTC(2026, 0, 10, 15), provider: { limits: { requestsPerDay: 3 }, quotaClock } });
    const { ledger, route, provider, clock } = kit;
    for (let i = 0; i < 3; i++) expect((await ledger.acquire(route, provider)).ok).toBe(true);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: false, kind: "quota", reason: "quota: provider requests-per-day", retryAt: Date.UTC(2026, 0, 10, 16) });
    expect(kit.of("quota-exhausted")[0]).toMatchObject({ window: "provider:requests-per-day", resetsAt: Date.UTC(2026, 0, 10, 16) });
    // Another route of the same provider shares the provider's window.
    const sibling = { ...route, routeId: "acme/m2" };
    expect((await ledger.acquire(sibling, provider)).ok).toBe(false);
    clock.set(Date.UTC(2026, 0, 10, 15, 59, 59, 999));
    expect((await ledger.acquire(route, provider)).ok).toBe(false);
    clock.set(Date.UTC(2026, 0, 10, 16));
    expect((await ledger.acquire(sibling, provider)).ok).toBe(true);
  });

  it("cost per day and per month park the route until the matching reset", async () => {
    const kit = ledgerKit({ start: Date.UTC(2026, 0, 30, 12), route: { limits: { costPerDay: 1, costPerMonth: 2 } } });
    const { ledger, route, provider, policies, clock } = kit;
    for (const costUsd of [0.6, 0.6]) {
      expect((await ledger.acquire(route, provider)).ok).toBe(true);
      await ledger.recordSuccess(route, provider, { ...SUCCESS, costUsd }, policies);
      await ledger.release(route);
    }
    expect(await ledger.acquire(route, provider)).toEqual({ ok: false, kind: "quota", reason: "quota: route cost-per-day", retryAt: Date.UTC(2026, 0, 31) });
    clock.set(Date.UTC(2026, 0, 31));
    expect((await ledger.acquire(route, provider)).ok).toBe(true);
    await ledger.recordSuccess(route, provider, { ...SUCCESS, costUsd: 0.9 }, policies);
    expect(await ledger.quotaUsage(route)).toMatchObject({ costDay: 0.9, resetsAt: { day: Date.UTC(2026, 1, 1), month: Date.UTC(2026, 1, 1) } });
    expect((await ledger.quotaUsage(route)).costMonth).toBeCloseTo(2.1);
    expect(await ledger.acquire(route, provider)).toEqual({ ok: false, kind: "quota", reason: "quota: route cost-per-month", retryAt: Date.UTC(2026, 1, 1) });
    clock.set(Date.UTC(2026, 1, 1));
    expect((await ledger.acquire(route, provider)).ok).toBe(true);
    expect((await ledger.snapshot(route)).usage).toMatchObject({ costDay: 0, costMonth: 0, requestsDay: 1 });
  });

  it("tokens per minute refuse when the estimate does not fit", async () => {
    const kit = ledgerKit({ route: { limits: { tokensPerMinute: 1_000 } } });
    const { ledger, route, provider, policies } = kit;
    await ledger.acquire(route, provider);
    await ledger.recordSuccess(route, provider, { ...SUCCESS, promptTokens: 700, completionTokens: 100 }, policies);
    expect((await ledger.acquire(route, provider, { estimatedTokens: 150 })).ok).toBe(true);
    expect(await ledger.acquire(route, provider, { estimatedTokens: 250 })).toMatchObject({ ok: false, reason: "quota: route tokens-per-minute" });
    expect((await ledger.snapshot(route)).usage).toMatchObject({ tokensMinute: 800, tokensDay: 800 });
  });

  it("100 concurrent acquires with 5 requests left admit exactly 5 and lose no count", async () => {
    const kit = ledgerKit({ route: { limits: { requestsPerDay: 10 } } });
    const { ledger, route, provider } = kit;
    for (let i = 0; i < 5; i++) await ledger.acquire(route, provider);
    const tickets = await Promise.all(Array.from({ length: 100 }, () => ledger.acquire(route, provider)));
    expect(tickets.filter((t) => t.ok)).toHaveLength(5);
    expect(tickets.filter((t) => !t.ok && t.kind === "quota")).toHaveLength(95);
    expect(await ledger.quotaUsage(route)).toMatchObject({ requestsDay: 10, requestsMinute: 10 });
    expect((await ledger.snapshot(route)).inFlight).toBe(10);
    expect(kit.of("quota-exhausted")).toHaveLength(1);
    await Promise.all(Array.from({ length: 10 }, () => ledger.release(route)));
    expect((await ledger.snapshot(route)).inFlight).toBe(0);
  });

  it("a provider cap shared by two routes admits exactly its headroom under concurrency", async () => {
    const kit = ledgerKit({ provider: { limits: { requestsPerMinute: 5 } } });
    const { ledger, route, provider } = kit;
    const sibling = { ...route, routeId: "acme/m2" };
    const tickets = await Promise.all(Array.from({ length: 100 }, (_, i) => ledger.acquire(i % 2 ? route : sibling, provider)));
    expect(tickets.filter((t) => t.ok)).toHaveLength(5);
    const usage = [(await ledger.quotaUsage(route)).requestsMinute, (await ledger.quotaUsage(sibling)).requestsMinute];
    expect(usage[0]! + usage[1]!).toBe(5);
  });

  it("the threshold policy's own caps park the route until the next quota day", async () => {
    const kit = ledgerKit({ threshold: { requestLimit: 2 } });
    const { ledger, route, provider, policies, clock } = kit;
    for (let i = 0; i < 2; i++) {
      await ledger.acquire(route, provider);
      const result = await ledger.recordSuccess(route, provider, SUCCESS, policies);
      await ledger.release(route);
      if (i === 1) expect(result).toEqual({ stateChanges: ["route standby: request_limit"], standbyUntil: Date.UTC(2026, 0, 11) });
    }
    expect(await ledger.acquire(route, provider)).toMatchObject({ ok: false, kind: "route", retryAt: Date.UTC(2026, 0, 11) });
    clock.set(Date.UTC(2026, 0, 11));
    expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: true });
    expect(kit.of("route-recovered")).toEqual([{ type: "route-recovered", timestamp: clock.now(), routeId: route.routeId, trigger: "quota_reset", halfOpen: true }]);
  });
});
