/**
 * The P5 harness at tiny scale: with a dead first provider at day-one defaults, every request is answered and
 * the dead endpoint sees at most two connection attempts per fresh client (issue 10, point 2). Functional
 * facts only, no timing thresholds: the figures come from `pnpm --filter @modelmesh/bench bench:p5`.
 */
import { describe, expect, it } from "vitest";
import { P5_SCENARIO_IDS, P5_TARGET_DEAD_ATTEMPTS, runP5, type P5Round } from "../src/p5.js";

describe("P5 harness", () => {
  it("answers every request past a dead first provider, trying its endpoint at most twice per round", async () => {
    const rounds: P5Round[] = [];
    const result = await runP5({ rounds: 3, requestsPerRound: 4, warmupRounds: 0, onRound: (r) => rounds.push(r) });

    expect(result.benchmark).toBe("P5");
    expect(result.settings).toEqual({ rounds: 3, requestsPerRound: 4, warmupRounds: 0, model: "chat-completion" });
    expect(rounds.map((r) => r.order[0])).toEqual(["baseline", "refused", "reset"]);
    for (const id of P5_SCENARIO_IDS) {
      const scenario = result.scenarios[id];
      expect(scenario.answered, id).toBe(12);
      expect(scenario.requests).toBe(12);
      expect(scenario.typedErrors, id).toEqual({});
      expect(scenario.untypedErrors, id).toBe(0);
      expect(scenario.deadEndpointAttemptsPerRound).toHaveLength(3);
      // The ratios are figures to read, not thresholds: only that they are well-formed.
      for (const ratio of [scenario.firstRequestRatio, scenario.steadyRatio]) {
        expect(Number.isFinite(ratio), id).toBe(true);
        expect(ratio, id).toBeGreaterThan(0);
      }
    }
    // The default model list: 5 chat models per openai provider.
    expect(result.scenarios.baseline.candidates).toBe(5);
    expect(result.scenarios.baseline.deadEndpointAttemptsPerRound).toEqual([0, 0, 0]);
    for (const id of ["refused", "reset"] as const) {
      const scenario = result.scenarios[id];
      expect(scenario.candidates).toBe(10);
      // The dead provider is listed first, so each fresh client does try it: the scenario measures a failover.
      for (const attempts of scenario.deadEndpointAttemptsPerRound) {
        expect(attempts, id).toBeGreaterThanOrEqual(1);
        expect(attempts, id).toBeLessThanOrEqual(P5_TARGET_DEAD_ATTEMPTS);
      }
      expect(Object.keys(scenario.deadAttemptErrors), id).not.toContain("ok");
    }
    expect(result.scenarios.refused.attemptsCountedBy).toBe("trace");
    expect(result.scenarios.reset.attemptsCountedBy).toBe("server");
    expect(result.acceptance).toMatchObject({ targetDeadEndpointAttemptsAtMost: P5_TARGET_DEAD_ATTEMPTS, answeredShare: 1, met: true });
    expect(result.acceptance.maxDeadEndpointAttemptsPerRound).toBeLessThanOrEqual(P5_TARGET_DEAD_ATTEMPTS);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("needs a first request and at least one more per round", async () => {
    await expect(runP5({ rounds: 1, requestsPerRound: 1 })).rejects.toThrow(RangeError);
  });
});
