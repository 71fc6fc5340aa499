/**
 * The rotation suites pass core's shipped policy parts and fail deliberately broken ones on the right check.
 */
import { createCooldownRecovery, createStickUntilFailure, createThresholdDeactivation } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { ImmediateRecovery, MutatingSelection, ShrinkingRecovery, TriggerHappyDeactivation, UnseededSelection } from "../src/conformance/__fixtures__/broken.js";
import {
  deactivationConformance,
  describeDeactivationConformance,
  describeRecoveryConformance,
  describeSelectionConformance,
  failedChecks,
  recoveryConformance,
  routeSnapshot,
  runConformance,
  selectionConformance,
  selectionContext,
} from "../src/index.js";

describeSelectionConformance("core stick-until-failure", { create: () => createStickUntilFailure() });
describeDeactivationConformance("core threshold deactivation", { create: () => createThresholdDeactivation() });
describeRecoveryConformance("core cooldown recovery", { create: () => createCooldownRecovery() });

describe("the rotation suites fail broken policies on the right check", () => {
  it("a strategy that sorts its input in place fails the frozen-input checks", async () => {
    const failed = failedChecks(await runConformance(selectionConformance, { create: () => new MutatingSelection() }));
    expect(failed).toContain("never mutates candidates or context (inputs are frozen)");
    expect(failed).not.toContain("no candidates → null");
  });

  it("a strategy using Math.random fails determinism only", async () => {
    // Three candidates and five picks: an unseeded run matches another with probability 3^-5 per attempt.
    let failed: string[] = [];
    for (let attempt = 0; attempt < 3 && failed.length === 0; attempt++) failed = failedChecks(await runConformance(selectionConformance, { create: () => new UnseededSelection() }));
    expect(failed).toEqual(["is deterministic under a seeded random source"]);
  });

  it("a policy that deactivates on caller errors and ignores Retry-After fails exactly those checks", async () => {
    expect(failedChecks(await runConformance(deactivationConformance, { create: () => new TriggerHappyDeactivation() }))).toEqual([
      "caller errors (invalid_request, context_length, content_filter) never deactivate",
      "a rate limit with Retry-After is never parked for less than the Retry-After",
    ]);
  });

  it("a recovery without cooldown fails the cooldown check only", async () => {
    expect(failedChecks(await runConformance(recoveryConformance, { create: () => new ImmediateRecovery() }))).toEqual([
      "a failing route cools down: recoveryTime(error_threshold) is after now",
    ]);
  });

  it("a cooldown that shrinks on repeated failure fails that check only", async () => {
    expect(failedChecks(await runConformance(recoveryConformance, { create: () => new ShrinkingRecovery() }))).toEqual(["the cooldown never shrinks as cooldownLevel grows"]);
  });

  it("fixtures build consistent snapshots and contexts", () => {
    const snapshot = routeSnapshot({ providerId: "p9", upstreamModel: "m" });
    expect(snapshot).toMatchObject({ routeId: "p9/m", modelId: "p9.m", status: "active" });
    const context = selectionContext();
    expect(context.random()).toBe(selectionContext().random());
  });
});
