import { describe, expect, it } from "vitest";
import type { AttemptOutcome, RouteSnapshot } from "../connectors/rotation.js";
import type { LedgerRouteSnapshot } from "./ledger-types.js";
import { COOLDOWN_RECOVERY_ID, THRESHOLD_DEACTIVATION_ID, createCooldownRecovery, createThresholdDeactivation } from "./policies.js";

const NOW = Date.UTC(2026, 0, 10, 12);

function snap(over: Partial<LedgerRouteSnapshot> = {}): LedgerRouteSnapshot {
  return {
    routeId: "p/m",
    modelId: "p.m",
    upstreamModel: "m",
    providerId: "p",
    order: 0,
    status: "active",
    circuit: "closed",
    cooldownLevel: 0,
    consecutiveFailures: 0,
    errorRate: 0,
    windowSamples: 0,
    inFlight: 0,
    usage: { requestsMinute: 0, requestsDay: 0, tokensMinute: 0, tokensDay: 0, costDay: 0, costMonth: 0 },
    features: {},
    recentOutcomes: [],
    ...over,
  };
}

const fail = (over: Partial<AttemptOutcome> = {}): AttemptOutcome => ({ ok: false, category: "server", status: 500, latencyMs: 10, tokens: 0, costUsd: 0, ...over });
const ok: AttemptOutcome = { ok: true, latencyMs: 10, tokens: 10, costUsd: 0 };

describe("createThresholdDeactivation", () => {
  const policy = createThresholdDeactivation();

  it("has its connector id", () => {
    expect(policy.id).toBe(THRESHOLD_DEACTIVATION_ID);
    expect(policy.specificationVersion).toBe("v1");
  });

  it("deactivates at retryLimit consecutive counted failures", () => {
    expect(policy.evaluate(snap({ consecutiveFailures: 2 }), fail(), NOW)).toBeNull();
    expect(policy.evaluate(snap({ consecutiveFailures: 3 }), fail(), NOW)).toEqual({ reason: "error_threshold" });
    expect(createThresholdDeactivation({ retryLimit: 1 }).evaluate(snap({ consecutiveFailures: 1 }), fail({ category: "timeout" }), NOW)).toEqual({ reason: "error_threshold" });
  });

  it("never deactivates on caller errors", () => {
    for (const category of ["invalid_request", "context_length", "content_filter"] as const) {
      expect(policy.evaluate(snap({ consecutiveFailures: 10, errorRate: 1, windowSamples: 20 }), fail({ category, status: 400 }), NOW)).toBeNull();
    }
  });

  it("uses the error rate only with enough samples", () => {
    const p = createThresholdDeactivation({ retryLimit: 100, errorRateThreshold: 0.5, errorRateMinSamples: 5 });
    expect(p.evaluate(snap({ errorRate: 1, windowSamples: 4, consecutiveFailures: 1 }), fail(), NOW)).toBeNull();
    expect(p.evaluate(snap({ errorRate: 0.4, windowSamples: 10, consecutiveFailures: 1 }), fail(), NOW)).toBeNull();
    expect(p.evaluate(snap({ errorRate: 0.5, windowSamples: 10, consecutiveFailures: 1 }), fail(), NOW)).toEqual({ reason: "error_rate" });
  });

  it("counts listed error codes across the rolling window", () => {
    const p = createThresholdDeactivation({ errorCodes: [503], errorRateThreshold: 1 });
    const recentOutcomes = [503, 0, 503, 0, 503];
    expect(p.evaluate(snap({ recentOutcomes, consecutiveFailures: 1 }), fail({ status: 503 }), NOW)).toEqual({ reason: "error_code" });
    expect(p.evaluate(snap({ recentOutcomes: [500, 0, 500, 0, 500], consecutiveFailures: 1 }), fail({ status: 500 }), NOW)).toBeNull();
  });

  it("parks a rate-limited route until Retry-After, and counts a 429 without it", () => {
    expect(policy.evaluate(snap({ consecutiveFailures: 1 }), fail({ category: "rate_limit", status: 429, retryAfterMs: 7_000 }), NOW)).toEqual({ reason: "rate_limited", until: NOW + 7_000 });
    expect(policy.evaluate(snap({ consecutiveFailures: 3 }), fail({ category: "rate_limit", status: 429 }), NOW)).toEqual({ reason: "error_threshold" });
  });

  it("parks an exhausted quota until the quota window resets in the route's clock", () => {
    const clockSnap = snap({ quotaClock: { resetTime: "08:00", timeZone: "America/Los_Angeles" } });
    expect(policy.evaluate(clockSnap, fail({ category: "quota_exhausted", status: 429 }), NOW)).toEqual({ reason: "quota_exhausted", until: Date.UTC(2026, 0, 10, 16) });
    expect(policy.evaluate(snap(), fail({ category: "quota_exhausted" }), NOW)).toEqual({ reason: "quota_exhausted", until: Date.UTC(2026, 0, 11) });
    expect(createThresholdDeactivation({ quotaWindow: "month" }).evaluate(snap(), fail({ category: "quota_exhausted" }), NOW)).toEqual({ reason: "quota_exhausted", until: Date.UTC(2026, 1, 1) });
    expect(policy.evaluate(snap(), fail({ category: "quota_exhausted", retryAfterMs: 60_000 }), NOW)).toEqual({ reason: "quota_exhausted", until: NOW + 60_000 });
  });

  it("applies request, token and budget caps after any outcome", () => {
    const p = createThresholdDeactivation({ requestLimit: 100, tokenLimit: 1_000, budgetLimit: 5, monthlyBudgetLimit: 50, quotaClock: { timeZone: "UTC" } });
    const usage = { requestsMinute: 0, requestsDay: 0, tokensMinute: 0, tokensDay: 0, costDay: 0, costMonth: 0 };
    const base: RouteSnapshot = snap();
    expect(p.evaluate({ ...base, usage }, ok, NOW)).toBeNull();
    expect(p.evaluate({ ...base, usage: { ...usage, requestsDay: 100 } }, ok, NOW)).toEqual({ reason: "request_limit", until: Date.UTC(2026, 0, 11) });
    expect(p.evaluate({ ...base, usage: { ...usage, tokensDay: 1_000 } }, ok, NOW)).toEqual({ reason: "token_limit", until: Date.UTC(2026, 0, 11) });
    expect(p.evaluate({ ...base, usage: { ...usage, costDay: 5 } }, fail({ category: "invalid_request" }), NOW)).toEqual({ reason: "budget_exceeded", until: Date.UTC(2026, 0, 11) });
    expect(p.evaluate({ ...base, usage: { ...usage, costMonth: 50 } }, ok, NOW)).toEqual({ reason: "budget_exceeded", until: Date.UTC(2026, 1, 1) });
  });
});

describe("createCooldownRecovery", () => {
  it("grows the cooldown per level up to the cap", () => {
    const r = createCooldownRecovery();
    expect(r.id).toBe(COOLDOWN_RECOVERY_ID);
    expect(r.probe).toBe(true);
    expect([0, 1, 2, 3].map((cooldownLevel) => r.recoveryTime(snap({ cooldownLevel }), "error_threshold", NOW) - NOW)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(r.recoveryTime(snap({ cooldownLevel: 20 }), "error_threshold", NOW) - NOW).toBe(1_800_000);
    const custom = createCooldownRecovery({ cooldownMs: 1_000, growth: 3, maxCooldownMs: 5_000, probe: false });
    expect(custom.probe).toBe(false);
    expect([0, 1, 2].map((cooldownLevel) => custom.recoveryTime(snap({ cooldownLevel }), "manual", NOW) - NOW)).toEqual([1_000, 3_000, 5_000]);
  });
});
