/**
 * Contract-level conformance of the three rotation policy parts: selection strategies, deactivation
 * policies and recovery policies. Inputs are synthetic snapshots (see `rotation-fixtures.ts`), deep-frozen
 * so a policy that mutates them fails; time is a fixed instant and randomness is seeded.
 */
import { seededRandom, type DeactivationPolicyV1, type DeactivationReason, type RecoveryPolicyV1, type SelectionStrategyV1 } from "@modelmesh/core";
import { check, ConformanceSkip, deepFreeze, equal, hasMethod, sameJson, show } from "./assert.js";
import { failedOutcome, failingSnapshot, okOutcome, ROTATION_NOW, routeSnapshot, selectionContext, threeCandidates } from "./rotation-fixtures.js";
import type { ConformanceCheck, ConformanceSuite } from "./runner.js";
import { describeConformance } from "./vitest-suite.js";

/** Options of the rotation suites: a factory of fresh policy instances. */
export interface RotationConformanceOptions<Policy> {
  create: () => Policy | Promise<Policy>;
}

/** What a rotation check gets. */
export interface RotationCheckContext<Policy> {
  create(): Promise<Policy>;
}

/** Every deactivation reason of the contract. */
export const DEACTIVATION_REASONS: readonly DeactivationReason[] = [
  "error_threshold", "error_rate", "error_code", "rate_limited", "quota_exhausted", "budget_exceeded",
  "token_limit", "request_limit", "maintenance_window", "auth_failure", "manual",
];

function identity(policy: { specificationVersion?: unknown; id?: unknown }, method: string, subject: string): void {
  equal(policy.specificationVersion, "v1", "specificationVersion");
  check(typeof policy.id === "string" && policy.id !== "", `id must be a non-empty string, got ${show(policy.id)}`);
  hasMethod(policy, method, subject);
}

function suite<Policy>(kind: string, checks: ReadonlyArray<ConformanceCheck<RotationCheckContext<Policy>>>): ConformanceSuite<RotationConformanceOptions<Policy>, RotationCheckContext<Policy>> {
  return { kind, checks, capabilities: () => ({}), setup: async (options) => ({ context: { create: async () => options.create() }, close: async () => {} }) };
}

// -- selection ---------------------------------------------------------------------------------------

type SelectionCheck = ConformanceCheck<RotationCheckContext<SelectionStrategyV1>>;

/** Five selections in a row over three candidates, with a seeded random source. */
function selectionRun(strategy: SelectionStrategyV1, seed: number): Array<string | null> {
  const random = seededRandom(seed);
  const candidates = deepFreeze(threeCandidates());
  return Array.from({ length: 5 }, () => strategy.select(candidates, selectionContext({ random }))?.routeId ?? null);
}

/** Every selection check. */
export const selectionConformanceChecks: readonly SelectionCheck[] = [
  { name: "declares specificationVersion v1, an id and select()", group: "contract", run: async (context) => identity(await context.create(), "select", "a SelectionStrategyV1") },
  {
    name: "no candidates → null",
    group: "contract",
    run: async (context) => equal((await context.create()).select([], selectionContext()), null, "select([])"),
  },
  {
    name: "returns one of the candidates, with a reason",
    group: "contract",
    run: async (context) => {
      const strategy = await context.create();
      const candidates = threeCandidates();
      for (const pool of [candidates.slice(0, 1), candidates]) {
        const result = strategy.select(deepFreeze(pool), selectionContext());
        check(result !== null, `select() of ${pool.length} healthy candidate(s) must choose one, got null`);
        check(pool.some((candidate) => candidate.routeId === result.routeId), `select() chose ${show(result.routeId)}, which is not a candidate`);
        check(typeof result.reason === "string", `the selection needs a reason string, got ${show(result.reason)}`);
        check(result.score === undefined || Number.isFinite(result.score), `score must be finite, got ${show(result.score)}`);
      }
    },
  },
  {
    name: "is deterministic under a seeded random source",
    group: "contract",
    run: async (context) => sameJson(selectionRun(await context.create(), 7), selectionRun(await context.create(), 7), "two fresh instances, same seed, five selections"),
  },
  {
    name: "never mutates candidates or context (inputs are frozen)",
    group: "contract",
    run: async (context) => {
      const strategy = await context.create();
      strategy.select(deepFreeze(threeCandidates()), deepFreeze(selectionContext()));
    },
  },
  {
    name: "score() (when present) is finite for every candidate",
    group: "optional",
    run: async (context) => {
      const strategy = await context.create();
      if (typeof strategy.score !== "function") throw new ConformanceSkip("no score()");
      for (const candidate of threeCandidates()) check(Number.isFinite(strategy.score(candidate, selectionContext())), `score(${candidate.routeId}) must be finite`);
    },
  },
  {
    name: "observe() (when present) accepts outcomes and selection still works",
    group: "optional",
    run: async (context) => {
      const strategy = await context.create();
      if (typeof strategy.observe !== "function") throw new ConformanceSkip("no observe()");
      strategy.observe({ routeId: "p1/model-a", ok: false, latencyMs: 900, poolId: "conformance-pool" });
      strategy.observe({ routeId: "p2/model-a", ok: true, latencyMs: 100, poolId: "conformance-pool", sessionKey: "s1" });
      check(strategy.select(threeCandidates(), selectionContext()) !== null, "select() after observe() must still choose a candidate");
    },
  },
];

// -- deactivation ------------------------------------------------------------------------------------

type DeactivationCheck = ConformanceCheck<RotationCheckContext<DeactivationPolicyV1>>;

/** Feeds `count` counted failures (with growing ledger counters); returns the decisions. */
function failureRun(policy: DeactivationPolicyV1, count: number): Array<string | null> {
  const decisions: Array<string | null> = [];
  for (let failures = 1; failures <= count; failures++) {
    const decision = policy.evaluate(deepFreeze(failingSnapshot(failures)), deepFreeze(failedOutcome()), ROTATION_NOW + failures);
    decisions.push(decision ? `${decision.reason}@${decision.until ?? "-"}` : null);
  }
  return decisions;
}

/** Every deactivation check. */
export const deactivationConformanceChecks: readonly DeactivationCheck[] = [
  { name: "declares specificationVersion v1, an id and evaluate()", group: "contract", run: async (context) => identity(await context.create(), "evaluate", "a DeactivationPolicyV1") },
  {
    name: "successes never deactivate a healthy route",
    group: "contract",
    run: async (context) => {
      const policy = await context.create();
      for (let i = 0; i < 10; i++) equal(policy.evaluate(deepFreeze(routeSnapshot({ windowSamples: i + 1, lastSuccessAt: ROTATION_NOW })), deepFreeze(okOutcome()), ROTATION_NOW + i), null, `evaluate() after success ${i + 1}`);
    },
  },
  {
    name: "repeated server failures deactivate with a valid reason",
    group: "contract",
    run: async (context) => {
      const policy = await context.create();
      for (let failures = 1; failures <= 10; failures++) {
        const now = ROTATION_NOW + failures;
        const decision = policy.evaluate(deepFreeze(failingSnapshot(failures, now)), deepFreeze(failedOutcome()), now);
        if (!decision) continue;
        check(DEACTIVATION_REASONS.includes(decision.reason), `decision.reason must be a DeactivationReason, got ${show(decision.reason)}`);
        check(decision.until === undefined || decision.until > now, `decision.until must be in the future, got ${show(decision.until)}`);
        return;
      }
      throw new Error("[modelmesh] [conformance] ten consecutive 503 failures never deactivated the route");
    },
  },
  {
    name: "caller errors (invalid_request, context_length, content_filter) never deactivate",
    group: "contract",
    run: async (context) => {
      const policy = await context.create();
      for (const category of ["invalid_request", "context_length", "content_filter"] as const) {
        for (let i = 0; i < 10; i++) {
          const decision = policy.evaluate(deepFreeze(routeSnapshot({ lastErrorCategory: category, windowSamples: i + 1 })), deepFreeze(failedOutcome({ category, status: 400 })), ROTATION_NOW + i);
          equal(decision, null, `evaluate() after ${category} failure ${i + 1}`);
        }
      }
    },
  },
  {
    name: "quota_exhausted parks the route until a future instant",
    group: "contract",
    run: async (context) => {
      const decision = (await context.create()).evaluate(deepFreeze(routeSnapshot({ lastErrorCategory: "quota_exhausted" })), deepFreeze(failedOutcome({ category: "quota_exhausted", status: 429 })), ROTATION_NOW);
      check(decision !== null, "a quota_exhausted failure must put the route on standby (docs/ARCHITECTURE.md §2.6: park until the quota resets)");
      check(decision.until === undefined || decision.until > ROTATION_NOW, `decision.until must be in the future, got ${show(decision.until)}`);
    },
  },
  {
    name: "a rate limit with Retry-After is never parked for less than the Retry-After",
    group: "contract",
    run: async (context) => {
      const outcome = failedOutcome({ category: "rate_limit", status: 429, retryAfterMs: 120_000 });
      const decision = (await context.create()).evaluate(deepFreeze(routeSnapshot({ lastErrorCategory: "rate_limit" })), deepFreeze(outcome), ROTATION_NOW);
      if (decision?.until === undefined) return;
      check(decision.until >= ROTATION_NOW + 120_000, `a route rate-limited for 120 s was parked until ${decision.until - ROTATION_NOW} ms after now`);
    },
  },
  {
    name: "is deterministic: fresh instances fed the same outcomes decide the same",
    group: "contract",
    run: async (context) => sameJson(failureRun(await context.create(), 8), failureRun(await context.create(), 8), "decisions over eight failures"),
  },
];

// -- recovery ----------------------------------------------------------------------------------------

type RecoveryCheck = ConformanceCheck<RotationCheckContext<RecoveryPolicyV1>>;

function standby(reason: DeactivationReason, cooldownLevel = 0) {
  return deepFreeze(routeSnapshot({ status: "standby", reason, cooldownLevel, consecutiveFailures: 3, errorRate: 1, windowSamples: 3, lastFailureAt: ROTATION_NOW }));
}

/** Every recovery check. */
export const recoveryConformanceChecks: readonly RecoveryCheck[] = [
  {
    name: "declares specificationVersion v1, an id and recoveryTime()",
    group: "contract",
    run: async (context) => {
      const policy = await context.create();
      identity(policy, "recoveryTime", "a RecoveryPolicyV1");
      check(policy.probe === undefined || typeof policy.probe === "boolean", `probe must be a boolean when set, got ${show(policy.probe)}`);
    },
  },
  {
    name: "recoveryTime is a finite instant not before now, for every reason",
    group: "contract",
    run: async (context) => {
      const policy = await context.create();
      for (const reason of DEACTIVATION_REASONS) {
        const at = policy.recoveryTime(standby(reason), reason, ROTATION_NOW);
        check(Number.isFinite(at) && at >= ROTATION_NOW, `recoveryTime(${reason}) must be a finite epoch ms ≥ now, got ${show(at)}`);
      }
    },
  },
  {
    name: "a failing route cools down: recoveryTime(error_threshold) is after now",
    group: "contract",
    run: async (context) => {
      const at = (await context.create()).recoveryTime(standby("error_threshold"), "error_threshold", ROTATION_NOW);
      check(at > ROTATION_NOW, `a route deactivated for failures must not come back at once (recoveryTime ${at}, now ${ROTATION_NOW})`);
    },
  },
  {
    name: "the cooldown never shrinks as cooldownLevel grows",
    group: "contract",
    run: async (context) => {
      const policy = await context.create();
      let previous = -Infinity;
      for (let level = 0; level <= 6; level++) {
        const at = policy.recoveryTime(standby("error_threshold", level), "error_threshold", ROTATION_NOW);
        check(at >= previous, `recoveryTime at cooldownLevel ${level} (${at}) is earlier than at level ${level - 1} (${previous})`);
        previous = at;
      }
    },
  },
  {
    name: "is deterministic: fresh instances give the same instants",
    group: "contract",
    run: async (context) => {
      const instants = async () => {
        const policy = await context.create();
        return DEACTIVATION_REASONS.map((reason) => policy.recoveryTime(standby(reason, 2), reason, ROTATION_NOW));
      };
      sameJson(await instants(), await instants(), "recovery instants of two fresh instances");
    },
  },
];

/** The selection suite. */
export const selectionConformance = suite<SelectionStrategyV1>("selection strategy", selectionConformanceChecks);
/** The deactivation suite. */
export const deactivationConformance = suite<DeactivationPolicyV1>("deactivation policy", deactivationConformanceChecks);
/** The recovery suite. */
export const recoveryConformance = suite<RecoveryPolicyV1>("recovery policy", recoveryConformanceChecks);

/**
 * Registers the selection-strategy conformance suite in the current vitest file.
 * @example describeSelectionConformance("BaseRotationPolicy", { create: () => new BaseRotationPolicy() });
 */
export function describeSelectionConformance(name: string, options: RotationConformanceOptions<SelectionStrategyV1>): void {
  describeConformance(selectionConformance, name, options);
}

/**
 * Registers the deactivation-policy conformance suite in the current vitest file.
 * @example describeDeactivationConformance("ThresholdRotationPolicy", { create: () => new ThresholdRotationPolicy() });
 */
export function describeDeactivationConformance(name: string, options: RotationConformanceOptions<DeactivationPolicyV1>): void {
  describeConformance(deactivationConformance, name, options);
}

/**
 * Registers the recovery-policy conformance suite in the current vitest file.
 * @example describeRecoveryConformance("ThresholdRotationPolicy", { create: () => new ThresholdRotationPolicy() });
 */
export function describeRecoveryConformance(name: string, options: RotationConformanceOptions<RecoveryPolicyV1>): void {
  describeConformance(recoveryConformance, name, options);
}
