import type { AttemptOutcome, DeactivationDecision } from "../connectors/rotation.js";
import type { LedgerPolicies, QuotaUsage, RouteDescriptor, RouteRecord } from "./ledger-types.js";
import { parkRoute, toSnapshot } from "./route-record.js";
import type { LocalRouteState } from "./route-record.js";

/** Everything a standby decision needs besides the record. */
export interface StandbyContext {
  /** The route being judged. */
  route: RouteDescriptor;
  /** This instance's in-flight / last-use facts. */
  local: LocalRouteState | undefined;
  /** Counters of the current quota windows (already including this attempt). */
  usage: QuotaUsage;
  /** The attempt just recorded. */
  outcome: AttemptOutcome;
  /** Epoch ms. */
  now: number;
  /** The pool's deactivation and recovery policies. */
  policies: LedgerPolicies;
  /** Samples before the snapshot's `errorRate` counts. */
  errorRateMinSamples: number;
}

/**
 * Asks the deactivation policy about an active route whose record already includes the outcome, and parks
 * it when the policy says so, for `decision.until ?? recovery.recoveryTime(...)`, raising the cooldown level.
 * A failed half-open probe (`probeFailed`) parks even when the policy would not (`error_threshold`).
 * Pure: returns the new record and the decision with its resolved `until` (null when still active).
 */
export function decideStandby(
  record: RouteRecord,
  context: StandbyContext,
  probeFailed: boolean,
): { record: RouteRecord; decision: DeactivationDecision | null } {
  if (record.status !== "active") return { record, decision: null };
  const { route, local, usage, outcome, now, policies } = context;
  const snapshot = toSnapshot(route, record, local, usage, context.errorRateMinSamples);
  const decision = policies.deactivation.evaluate(snapshot, outcome, now) ?? (probeFailed ? { reason: "error_threshold" as const } : null);
  if (!decision) return { record, decision: null };
  const until = decision.until ?? policies.recovery.recoveryTime(snapshot, decision.reason, now);
  return {
    record: parkRoute(record, decision.reason, until, now, { bumpLevel: true, probe: policies.recovery.probe !== false }),
    decision: { reason: decision.reason, until },
  };
}
