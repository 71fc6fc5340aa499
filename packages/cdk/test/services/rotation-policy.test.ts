import type { AttemptOutcome, RouteSnapshot, SelectionContext } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { BaseRotationPolicy, nextUtcMidnight } from "../../src/services/base-rotation-policy.js";
import { ThresholdRotationPolicy } from "../../src/services/threshold-rotation-policy.js";

const NOW = Date.UTC(2026, 0, 1, 12);

function snapshot(overrides: Partial<RouteSnapshot> = {}): RouteSnapshot {
  return {
    routeId: "openai/gpt-4o",
    modelId: "openai.gpt-4o",
    upstreamModel: "gpt-4o",
    providerId: "openai",
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
    ...overrides,
  };
}
const ok: AttemptOutcome = { ok: true, latencyMs: 10, tokens: 5, costUsd: 0 };
const fail = (extra: Partial<AttemptOutcome> = {}): AttemptOutcome => ({ ok: false, category: "server", status: 500, latencyMs: 10, tokens: 0, costUsd: 0, ...extra });
const context: SelectionContext = { poolId: "p", request: {}, now: NOW, random: () => 0, estimatedPromptTokens: 0, tried: [], unavailable: new Set(), requirementFiltered: 0 };

describe("BaseRotationPolicy defaults", () => {
  const policy = new BaseRotationPolicy();

  it("implements all three policy contracts under one id", () => {
    expect(policy).toMatchObject({ specificationVersion: "v1", id: "modelmesh.base-rotation.v1", probe: true });
  });

  it("deactivates on consecutive counted failures and on the error rate after minSamples", () => {
    expect(policy.evaluate(snapshot({ consecutiveFailures: 2 }), fail(), NOW)).toBeNull();
    expect(policy.evaluate(snapshot({ consecutiveFailures: 3 }), fail(), NOW)).toEqual({ reason: "error_threshold" });
    expect(policy.evaluate(snapshot({ errorRate: 0.6, windowSamples: 4 }), fail(), NOW)).toBeNull();
    expect(policy.evaluate(snapshot({ errorRate: 0.6, windowSamples: 5 }), fail(), NOW)).toEqual({ reason: "error_rate" });
  });

  it("never deactivates for caller errors, and parks quota / Retry-After / auth", () => {
    expect(policy.evaluate(snapshot({ consecutiveFailures: 9 }), fail({ category: "invalid_request", status: 400 }), NOW)).toBeNull();
    expect(policy.evaluate(snapshot(), fail({ category: "quota_exhausted", status: 429 }), NOW)).toEqual({ reason: "quota_exhausted", until: nextUtcMidnight(NOW) });
    expect(policy.evaluate(snapshot(), fail({ category: "rate_limit", status: 429, retryAfterMs: 3000 }), NOW)).toEqual({ reason: "rate_limited", until: NOW + 3000 });
    expect(policy.evaluate(snapshot(), fail({ category: "auth", status: 401 }), NOW)).toEqual({ reason: "auth_failure" });
  });

  it("applies daily caps on any outcome, until the next UTC midnight", () => {
    const capped = new BaseRotationPolicy({ requestLimit: 100, tokenLimit: 1000, budgetLimit: 5 });
    const usage = { requestsMinute: 0, requestsDay: 100, tokensDay: 0, tokensMinute: 0, costDay: 0, costMonth: 0 };
    expect(capped.evaluate(snapshot({ usage }), ok, NOW)).toEqual({ reason: "request_limit", until: Date.UTC(2026, 0, 2) });
    expect(capped.getReason(snapshot({ usage: { ...usage, requestsDay: 0, tokensDay: 1000 } }))).toBe("token_limit");
    expect(capped.shouldDeactivate(snapshot({ usage: { ...usage, requestsDay: 0, costDay: 5 } }))).toBe(true);
  });

  it("recovers after a cooldown that grows with the level, capped; Retry-After wins", () => {
    expect(policy.recoveryTime(snapshot({ cooldownLevel: 0 }), "error_threshold", NOW)).toBe(NOW + 60_000);
    expect(policy.recoveryTime(snapshot({ cooldownLevel: 2 }), "error_threshold", NOW)).toBe(NOW + 240_000);
    expect(policy.recoveryTime(snapshot({ cooldownLevel: 20 }), "error_rate", NOW)).toBe(NOW + 1_800_000);
    expect(policy.recoveryTime(snapshot({ rateLimit: { retryAfterMs: 5000, observedAt: NOW - 1000 } }), "rate_limited", NOW)).toBe(NOW + 4000);
    expect(policy.recoveryTime(snapshot(), "budget_exceeded", NOW)).toBe(nextUtcMidnight(NOW));
    expect(policy.shouldRecover(snapshot({ status: "standby", standbyUntil: NOW + 1 }), NOW)).toBe(false);
    expect(policy.shouldRecover(snapshot({ status: "standby", standbyUntil: NOW }), NOW)).toBe(true);
  });

  it("selects by model priority, then provider priority, then lowest error rate; ties to pool order; empty → null", () => {
    const a = snapshot({ routeId: "a/x", modelId: "a.x", upstreamModel: "x", providerId: "a", order: 0, errorRate: 0.3 });
    const b = snapshot({ routeId: "b/y", modelId: "b.y", upstreamModel: "y", providerId: "b", order: 1, errorRate: 0.1 });
    const c = snapshot({ routeId: "c/z", modelId: "c.z", upstreamModel: "z", providerId: "c", order: 2, errorRate: 0.1 });
    expect(policy.select([a, b, c], context)).toEqual({ routeId: "b/y", score: 0.9, reason: "lowest_error_rate" });
    expect(new BaseRotationPolicy({ providerPriority: ["c", "b"] }).select([a, b, c], context)).toMatchObject({ routeId: "c/z", reason: "provider_priority" });
    expect(new BaseRotationPolicy({ modelPriority: ["x"], providerPriority: ["c"] }).select([a, b, c], context)).toMatchObject({ routeId: "a/x", score: 1001, reason: "model_priority" });
    expect(policy.select([], context)).toBeNull();
  });
});

describe("ThresholdRotationPolicy", () => {
  it("accepts the reference aliases for the failure limit", () => {
    expect(new ThresholdRotationPolicy({ retryLimit: 7 })["options"].failureThreshold).toBe(7);
    expect(new ThresholdRotationPolicy({ failureCountThreshold: 4 })["options"].failureThreshold).toBe(4);
    expect(new ThresholdRotationPolicy().id).toBe("modelmesh.threshold.v1");
  });

  it("uses its own consecutive streak: a success resets it, caller errors neither extend nor break it", () => {
    const policy = new ThresholdRotationPolicy({ failureThreshold: 3 });
    const s = snapshot();
    expect(policy.evaluate(s, fail(), NOW)).toBeNull();
    expect(policy.evaluate(s, fail({ category: "invalid_request", status: 400 }), NOW + 1)).toBeNull();
    expect(policy.evaluate(s, fail(), NOW + 2)).toBeNull();
    expect(policy.evaluate(s, fail(), NOW + 3)).toEqual({ reason: "error_threshold" });
    expect(policy.windowOf(s.routeId, NOW + 3).samples).toBe(0); // cleared by the deactivation
    policy.evaluate(s, fail(), NOW + 4);
    policy.evaluate(s, ok, NOW + 5);
    expect(policy.windowOf(s.routeId, NOW + 5).consecutiveFailures).toBe(0);
  });

  it("computes the error rate over a sliding window only after minSamples", () => {
    const policy = new ThresholdRotationPolicy({ failureThreshold: 100, errorRateThreshold: 0.5, minSamples: 4, windowMs: 10_000 });
    const s = snapshot();
    policy.evaluate(s, ok, NOW);
    policy.evaluate(s, fail(), NOW + 1000);
    expect(policy.evaluate(s, fail(), NOW + 2000)).toBeNull(); // 3 samples < 4
    expect(policy.windowOf(s.routeId, NOW + 2000).errorRate).toBe(0);
    expect(policy.evaluate(s, fail(), NOW + 3000)).toEqual({ reason: "error_rate" });
    // Old samples slide out of the window.
    policy.record("r2", fail(), NOW);
    policy.record("r2", fail(), NOW);
    policy.record("r2", ok, NOW + 9000);
    expect(policy.windowOf("r2", NOW + 10_000)).toMatchObject({ samples: 1, failures: 0 });
  });

  it("counts only the configured error codes (statusless network failures still count)", () => {
    const policy = new ThresholdRotationPolicy({ failureThreshold: 2, errorCodes: [503] });
    const s = snapshot();
    policy.evaluate(s, fail({ status: 500 }), NOW);
    expect(policy.evaluate(s, fail({ status: 500 }), NOW + 1)).toBeNull();
    policy.evaluate(s, fail({ status: 503 }), NOW + 2);
    expect(policy.evaluate(s, fail({ category: "network", status: undefined }), NOW + 3)).toEqual({ reason: "error_threshold" });
  });
});
