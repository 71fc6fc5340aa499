/**
 * The P1 harness runs end to end and produces a well-formed result. Deliberately NOT a timing assertion
 * (docs/ARCHITECTURE.md §3): the figures themselves come from `pnpm --filter @modelmesh/bench bench`.
 */
import { describe, expect, it } from "vitest";
import { median } from "../src/stats.js";
import { P1_TARGET_ADDED_US, P1_TARGET_OVER_PASS_THROUGH_US, runP1, type P1Round } from "../src/p1.js";

describe("P1 harness", () => {
  it("measures every side in interleaved rounds and reports medians of round medians", async () => {
    const rounds: P1Round[] = [];
    const result = await runP1({ rounds: 3, requestsPerRound: 5, warmup: 2, onRound: (r) => rounds.push(r) });

    expect(result.benchmark).toBe("P1");
    expect(result.settings).toEqual({ rounds: 3, requestsPerRound: 5, warmup: 2 });
    expect(rounds.map((r) => r.order[0])).toEqual(["baseline", "mesh", "passThrough"]);
    for (const side of [result.baseline, result.mesh, result.passThrough]) {
      expect(side.roundMediansUs).toHaveLength(3);
      for (const value of side.roundMediansUs) expect(value).toBeGreaterThan(0);
      expect(side.medianUs).toBeCloseTo(median(side.roundMediansUs), 0);
    }
    expect(result.addedUs).toBeCloseTo(result.mesh.medianUs - result.baseline.medianUs, 0);
    expect(result.ratio).toBeCloseTo(result.mesh.medianUs / result.baseline.medianUs, 1);
    expect(result.addedOverPassThroughUs).toBeCloseTo(result.mesh.medianUs - result.passThrough.medianUs, 0);
    expect(result.targetAddedUs).toBe(P1_TARGET_ADDED_US);
    expect(result.withinTarget).toBe(result.addedUs <= P1_TARGET_ADDED_US);
    expect(result.targetAddedOverPassThroughUs).toBe(P1_TARGET_OVER_PASS_THROUGH_US);
    expect(result.withinPassThroughTarget).toBe(result.addedOverPassThroughUs <= P1_TARGET_OVER_PASS_THROUGH_US);
    expect(Number.isNaN(Date.parse(result.date))).toBe(false);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe("median", () => {
  it("takes the middle value, or the mean of the two middle values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
