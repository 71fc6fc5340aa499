/**
 * Test data for rotation policies: route snapshots and selection contexts with sensible defaults, and the
 * outcome sequences the deactivation checks feed. Exported so connector authors can write their own tests.
 */
import { seededRandom, type AttemptOutcome, type RouteSnapshot, type SelectionContext } from "@modelmesh/core";

/** Fixed "now" of every rotation check (epoch ms, 2026-01-01T00:00:00Z). */
export const ROTATION_NOW = 1_767_225_600_000;

/**
 * A healthy, active route snapshot; override any field.
 * @example
 * routeSnapshot({ routeId: "p2/m", providerId: "p2", order: 1, errorRate: 0.2 })
 */
export function routeSnapshot(overrides: Partial<RouteSnapshot> = {}): RouteSnapshot {
  const providerId = overrides.providerId ?? "p1";
  const upstreamModel = overrides.upstreamModel ?? "model-a";
  return {
    routeId: `${providerId}/${upstreamModel}`,
    modelId: `${providerId}.${upstreamModel}`,
    upstreamModel,
    providerId,
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

/** Three healthy candidates on three providers, in pool order. */
export function threeCandidates(): RouteSnapshot[] {
  return ["p1", "p2", "p3"].map((providerId, order) => routeSnapshot({ providerId, order }));
}

/** A selection context with a seeded random source; override any field. */
export function selectionContext(overrides: Partial<SelectionContext> = {}): SelectionContext {
  return {
    poolId: "conformance-pool",
    request: { model: "conformance-pool", messages: [{ role: "user", content: "hello" }] },
    now: ROTATION_NOW,
    random: seededRandom(42),
    estimatedPromptTokens: 12,
    tried: [],
    unavailable: new Set<string>(),
    requirementFiltered: 0,
    ...overrides,
  };
}

/** A successful attempt. */
export function okOutcome(overrides: Partial<AttemptOutcome> = {}): AttemptOutcome {
  return { ok: true, latencyMs: 120, tokens: 30, costUsd: 0.0001, ...overrides };
}

/** A failed attempt (default: a 503). */
export function failedOutcome(overrides: Partial<AttemptOutcome> = {}): AttemptOutcome {
  return { ok: false, category: "server", status: 503, latencyMs: 80, tokens: 0, costUsd: 0, ...overrides };
}

/**
 * The snapshot after `failures` counted failures in a row (and no success), as a ledger would present it:
 * consecutive failures, a full error rate over the window, the last failure's time and category.
 */
export function failingSnapshot(failures: number, now = ROTATION_NOW): RouteSnapshot {
  return routeSnapshot({
    consecutiveFailures: failures,
    errorRate: failures > 0 ? 1 : 0,
    windowSamples: failures,
    lastFailureAt: now,
    lastErrorCategory: "server",
  });
}
