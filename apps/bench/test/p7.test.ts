/**
 * The P7 harness at tiny scale: it builds a mesh per pool size through the public API, times the routing
 * decision, a whole chat and the stub alone, and reports growth and the target. Functional facts only, no
 * timing thresholds: the figures come from `pnpm --filter @modelmesh/bench bench:p7`.
 */
import { describe, expect, it } from "vitest";
import { median } from "../src/stats.js";
import { P7_TARGET_DECISION_US, runP7, type P7Round } from "../src/p7.js";

describe("P7 harness", () => {
  it("measures each pool size in rotating rounds and reports the growth of the decision", async () => {
    const rounds: P7Round[] = [];
    const result = await runP7({ sizes: [80, 4], rounds: 3, requestsPerRound: 5, warmup: 2, onRound: (r) => rounds.push(r) });

    expect(result.benchmark).toBe("P7");
    expect(result.settings).toEqual({ sizes: [4, 80], rounds: 3, requestsPerRound: 5, warmup: 2, model: "chat-completion" });
    expect(rounds.map((r) => r.order)).toEqual([[4, 80], [80, 4], [4, 80]]);
    expect(result.sizes.map((s) => s.models)).toEqual([4, 80]);
    for (const size of result.sizes) {
      expect(size.candidates).toBe(size.models);
      expect(size.decisionRoundMediansUs).toHaveLength(3);
      expect(size.decisionUs).toBeCloseTo(median(size.decisionRoundMediansUs), 1);
      for (const value of [size.decisionUs, size.chatUs, size.providerUs]) expect(value).toBeGreaterThan(0);
      expect(size.chatAddedUs).toBeCloseTo(size.chatUs - size.providerUs, 1);
    }
    // A real request's trace lists every member of a small pool, and a bounded part of a large one.
    expect(result.sizes[0]!.listed).toBe(4);
    expect(result.sizes[1]!.listed).toBeLessThan(80);
    expect(result.growth).toMatchObject({ from: 4, to: 80 });
    expect(result.growth.decisionRatio).toBeCloseTo(result.sizes[1]!.decisionUs / result.sizes[0]!.decisionUs, 2);
    expect(result.acceptance).toMatchObject({ models: 80, decisionUs: result.sizes[1]!.decisionUs, targetDecisionUs: P7_TARGET_DECISION_US });
    expect(result.acceptance.subLinear).toBe(result.growth.decisionExponent < 1);
    expect(result.acceptance.met).toBe(result.acceptance.subLinear && result.acceptance.decisionUs <= P7_TARGET_DECISION_US);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("needs two pool sizes", async () => {
    await expect(runP7({ sizes: [10] })).rejects.toThrow(RangeError);
  });
});
