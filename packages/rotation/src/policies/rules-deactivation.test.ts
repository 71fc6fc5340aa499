/** Each trigger of the rules deactivation policy, driven through core's real StateLedger with a fake clock. */
import { describe, expect, it } from "vitest";
import { MemoryStateStore, StateLedger, createManualClock } from "@modelmesh/core";
import type { DeactivationPolicyV1, ErrorCategory, QuotaClock, RateLimitInfo, RecoveryPolicyV1 } from "@modelmesh/core";
import { createCalendarRecovery } from "./calendar-recovery.js";
import { createRulesDeactivation } from "./rules-deactivation.js";
import type { RulesDeactivationOptions } from "./rules-deactivation.js";

type Outcome = { ok: true; tokens?: number; costUsd?: number; rateLimit?: RateLimitInfo } | { ok: false; category: ErrorCategory; status?: number; retryAfterMs?: number };

function kit(options: RulesDeactivationOptions, setup: { quotaClock?: QuotaClock; recovery?: RecoveryPolicyV1; deactivation?: DeactivationPolicyV1; start?: number } = {}) {
  const clock = createManualClock(setup.start ?? Date.UTC(2026, 0, 10, 12));
  const ledger = new StateLedger({ store: new MemoryStateStore({ clock }), clock });
  const policies = { deactivation: setup.deactivation ?? createRulesDeactivation(options), recovery: setup.recovery ?? createCalendarRecovery({ cooldownMs: 10_000 }) };
  const route = { routeId: "p/p.m", providerId: "p", modelId: "p.m", upstreamModel: "m", order: 0, quotaClock: setup.quotaClock };
  const provider = { providerId: "p", quotaClock: setup.quotaClock };
  const attempt = async (outcome: Outcome) => {
    const ticket = await ledger.acquire(route, provider);
    if (!ticket.ok) return ticket.reason;
    try {
      const result = outcome.ok
        ? await ledger.recordSuccess(route, provider, { latencyMs: 10, promptTokens: outcome.tokens ?? 10, completionTokens: 0, costUsd: outcome.costUsd ?? 0, rateLimit: outcome.rateLimit }, policies)
        : await ledger.recordFailure(route, provider, { latencyMs: 10, category: outcome.category, status: outcome.status, retryAfterMs: outcome.retryAfterMs }, policies);
      return result.stateChanges.join(", ");
    } finally {
      await ledger.release(route);
    }
  };
  const state = async () => {
    const s = await ledger.snapshot(route, policies);
    return { status: s.status, reason: s.reason, until: s.standbyUntil === undefined ? undefined : new Date(s.standbyUntil).toISOString() };
  };
  return { clock, ledger, attempt, state };
}

const OK = { ok: true } as const;
const E500 = { ok: false, category: "server", status: 500 } as const;
const E503 = { ok: false, category: "server", status: 503 } as const;

describe("createRulesDeactivation", () => {
  it("consecutive failures: standby at retry_limit, for the cooldown", async () => {
    const k = kit({ failures: { retryLimit: 3 } });
    expect(await k.attempt(E500)).toBe("");
    expect(await k.attempt(E500)).toBe("");
    expect(await k.attempt(E500)).toBe("route standby: error_threshold");
    expect(await k.state()).toEqual({ status: "standby", reason: "error_threshold", until: "2026-01-10T12:00:10.000Z" });
  });

  it("error rate over the rolling window, only once the minimum samples are in", async () => {
    const k = kit({ failures: { retryLimit: 100, errorRateThreshold: 0.5, errorRateMinSamples: 6 } });
    for (const outcome of [E500, OK, E500, OK, E500]) expect(await k.attempt(outcome)).toBe("");
    expect(await k.attempt(OK)).toBe(""); // 3 of 6: at threshold only on a failure
    expect(await k.attempt(E500)).toBe("route standby: error_rate"); // 4 of 7
  });

  it("specific status codes: a listed code seen retry_limit times in the window, not necessarily in a row", async () => {
    const k = kit({ failures: { retryLimit: 2, errorCodes: [503] } });
    expect(await k.attempt(E503)).toBe("");
    expect(await k.attempt(OK)).toBe("");
    expect(await k.attempt(E503)).toBe("route standby: error_code");
  });

  it("a request cap parks the route until its provider's quota day resets (reset time and time zone)", async () => {
    const k = kit({ caps: { requestsPerDay: 3 } }, { quotaClock: { resetTime: "06:00", timeZone: "Europe/Berlin" } });
    expect(await k.attempt(OK)).toBe("");
    expect(await k.attempt(OK)).toBe("");
    expect(await k.attempt(OK)).toBe("route standby: request_limit");
    expect(await k.state()).toEqual({ status: "standby", reason: "request_limit", until: "2026-01-11T05:00:00.000Z" });
    k.clock.set(Date.parse("2026-01-11T05:00:00Z"));
    expect((await k.state()).status).toBe("active");
    expect(await k.attempt(OK)).toBe("route recovered: probe_success"); // a fresh day: the counter is back to 1
  });

  it("token-per-minute caps park until the minute ends; cost caps until the day or month ends", async () => {
    const tpm = kit({ caps: { tokensPerMinute: 100 } });
    expect(await tpm.attempt({ ok: true, tokens: 60 })).toBe("");
    expect(await tpm.attempt({ ok: true, tokens: 60 })).toBe("route standby: rate_limited");
    expect((await tpm.state()).until).toBe("2026-01-10T12:01:00.000Z");

    const monthly = kit({ caps: { costPerMonth: 1 } }, { quotaClock: { resetTime: "00:00", timeZone: "America/New_York" } });
    expect(await monthly.attempt({ ok: true, costUsd: 0.6 })).toBe("");
    expect(await monthly.attempt({ ok: true, costUsd: 0.6 })).toBe("route standby: budget_exceeded");
    expect((await monthly.state()).until).toBe("2026-02-01T05:00:00.000Z");
  });

  it("a learned remaining of 0 parks the route until the header's reset (long: quota, short: rate limit)", async () => {
    const daily = kit({});
    expect(await daily.attempt({ ok: true, rateLimit: { limitRequests: 5, remainingRequests: 0, resetRequestsMs: 86_400_000 } })).toBe("route standby: quota_exhausted");
    expect((await daily.state()).until).toBe("2026-01-11T12:00:00.000Z");
    const minute = kit({});
    expect(await minute.attempt({ ok: true, rateLimit: { limitTokens: 1000, remainingTokens: 0, resetTokensMs: 20_000 } })).toBe("route standby: rate_limited");
    expect((await minute.state()).until).toBe("2026-01-10T12:00:20.000Z");
  });

  it("a quota failure without Retry-After waits for the calendar; with on_quota_reset off, for the recovery policy", async () => {
    const calendar = kit({ calendar: { schedule: "daily_utc" } }, { quotaClock: { resetTime: "09:00", timeZone: "Asia/Tokyo" } });
    expect(await calendar.attempt({ ok: false, category: "quota_exhausted", status: 429 })).toBe("route standby: quota_exhausted");
    expect((await calendar.state()).until).toBe("2026-01-11T00:00:00.000Z");
    const byPolicy = kit({ quotaRecovery: "recovery-policy" }, { recovery: createCalendarRecovery({ cooldownMs: 5_000, onQuotaReset: false }) });
    await byPolicy.attempt({ ok: false, category: "quota_exhausted", status: 429 });
    expect((await byPolicy.state()).until).toBe("2026-01-10T12:00:05.000Z");
  });

  it("maintenance window: any attempt inside it parks the route until the window ends", async () => {
    const k = kit({ maintenanceWindow: "* 12-13 * * *" }, { start: Date.UTC(2026, 0, 10, 11, 59) });
    expect(await k.attempt(OK)).toBe("");
    k.clock.advance(60_000);
    expect(await k.attempt(OK)).toBe("route standby: maintenance_window");
    expect(await k.state()).toEqual({ status: "standby", reason: "maintenance_window", until: "2026-01-10T14:00:00.000Z" });
  });
});

describe("createCalendarRecovery", () => {
  it("brings quota standby back at the quota reset, monthly when configured, errors after a growing cooldown", async () => {
    // A third-party deactivation policy that only says why, never until when.
    const bare: DeactivationPolicyV1 = { specificationVersion: "v1", id: "acme.bare.v1", evaluate: (_s, o) => (o.ok ? null : { reason: o.category === "quota_exhausted" ? "request_limit" : "error_threshold" }) };
    const clock = { resetTime: "06:00", timeZone: "America/New_York" };
    const daily = kit({}, { deactivation: bare, quotaClock: clock });
    await daily.attempt({ ok: false, category: "quota_exhausted", status: 429 });
    expect((await daily.state()).until).toBe("2026-01-11T11:00:00.000Z");
    const monthly = kit({}, { deactivation: bare, quotaClock: clock, recovery: createCalendarRecovery({ calendar: { schedule: "monthly" } }) });
    await monthly.attempt({ ok: false, category: "quota_exhausted", status: 429 });
    expect((await monthly.state()).until).toBe("2026-02-01T11:00:00.000Z");
    const errors = kit({}, { deactivation: bare });
    await errors.attempt(E500);
    expect((await errors.state()).until).toBe("2026-01-10T12:00:10.000Z");
    errors.clock.advance(10_000);
    await errors.attempt(E500); // the half-open probe fails: cooled twice as long
    expect((await errors.state()).until).toBe("2026-01-10T12:00:30.000Z");
  });
});
