/**
 * Flapping primary: the primary answers 503 for 60 s, then is healthy; one request every 4 s for 20
 * requests. Settings that meet the bar (every request served, at most 2 primary attempts during the outage,
 * traffic back on the primary within 30 s of its recovery):
 *   strategy: priority-selection with model_priority [primary]   → re-ranks on every request, so it returns
 *   deactivation.retry_limit: 1                                  → the first 503 parks it (no same-route retry)
 *   recovery: cooldown 30s, cooldown_growth 1, max_cooldown 30s  → one half-open probe every 30 s while down
 * With a RecoveryScheduler the probe fires at the cooldown end; without one the first request after the
 * cooldown is the probe. The named stick-until-failure strategy never returns to the primary (its backup never fails);
 * the default (priority selection in pool order) does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RecoveryScheduler } from "../src/index.js";
import { closeRigs, startRig } from "./support/rig.js";
import type { Rig } from "./support/rig.js";

afterEach(closeRigs);

const T0 = Date.UTC(2026, 0, 10, 12);
const OUTAGE_MS = 60_000;

async function flappingRig(strategy: string): Promise<Rig> {
  return startRig({
    start: T0,
    providers: { primary: { mock: { faults: [{ fault: { kind: "down", forMs: OUTAGE_MS } }] } }, backup: {} },
    pools: {
      main: {
        models: ["primary.m", "backup.m"],
        strategy,
        model_priority: ["primary.m"],
        deactivation: { retry_limit: 1 },
        recovery: { cooldown: "30s", cooldown_growth: 1, max_cooldown: "30s" },
      },
    },
  });
}

/** 20 requests, 4 s apart; returns the provider that served each, with its time offset. */
async function run(rig: Rig, scheduler?: RecoveryScheduler): Promise<Array<{ t: number; by: string }>> {
  const served: Array<{ t: number; by: string }> = [];
  for (let i = 0; i < 20; i++) {
    if (i > 0) rig.clock.advance(4_000);
    await scheduler?.idle();
    const routed = await rig.chat("main");
    served.push({ t: rig.clock.now() - T0, by: routed.trace.final!.providerId });
  }
  return served;
}

function primaryAttemptsWhileDown(rig: Rig): number {
  return rig.mocks.primary!.calls.filter((call) => call.at < T0 + OUTAGE_MS).length;
}

describe("flapping primary", () => {
  it("priority-selection + 30 s cooldown + RecoveryScheduler: all served, 2 attempts while down, back at once", async () => {
    const rig = await flappingRig("modelmesh.priority-selection.v1");
    const scheduler = new RecoveryScheduler(rig.mesh);
    await scheduler.start();
    const served = await run(rig, scheduler);
    scheduler.stop();

    expect(served).toHaveLength(20); // every request served (run() would have thrown otherwise)
    expect(primaryAttemptsWhileDown(rig)).toBe(2);
    expect(rig.mocks.primary!.calls.map((c) => [c.at - T0, c.status])).toEqual([
      [0, 503], // the first request's attempt; it failed over to the backup
      [32_000, 503], // the scheduler's half-open probe at the cooldown end (fired during the advance to 32 s)
      [64_000, 200], // the probe after the next cooldown: the primary is back
      ...served.filter((s) => s.t >= 64_000).map((s) => [s.t, 200]), // then every request
    ]);
    const back = served.find((s) => s.t >= OUTAGE_MS && s.by === "primary")!;
    expect(back.t - OUTAGE_MS).toBeLessThanOrEqual(30_000);
    expect(served.filter((s) => s.t >= back.t).every((s) => s.by === "primary")).toBe(true);
    expect(served.filter((s) => s.t > 0 && s.t < OUTAGE_MS).every((s) => s.by === "backup")).toBe(true);
  });

  it("the same settings without a scheduler: the first request after each cooldown is the probe", async () => {
    const rig = await flappingRig("modelmesh.priority-selection.v1");
    const served = await run(rig);
    expect(primaryAttemptsWhileDown(rig)).toBe(2);
    expect(rig.mocks.primary!.calls.slice(0, 3).map((c) => [c.at - T0, c.status])).toEqual([
      [0, 503],
      [32_000, 503],
      [64_000, 200],
    ]);
    expect(served.map((s) => s.by)).toEqual([...Array(16).fill("backup"), ...Array(4).fill("primary")]);
  });

  it("stick-until-failure (named, no longer the default) serves everything but never returns to the recovered primary", async () => {
    const rig = await flappingRig("modelmesh.stick-until-failure.v1");
    const served = await run(rig);
    expect(primaryAttemptsWhileDown(rig)).toBe(1);
    expect(served.slice(1).every((s) => s.by === "backup")).toBe(true);
    expect(rig.mocks.primary!.calls).toHaveLength(1);
  });
});
