/**
 * Recovery triggers end to end (createMesh + Router + RecoveryScheduler, mock providers, fake clock):
 * cooldown with a single half-open probe, growing cooldowns, periodic probes, start-up probes, calendar
 * (quota reset) and manual recovery.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { MeshEvent } from "@modelmesh/core";
import { RecoveryScheduler } from "../src/index.js";
import { burst, closeRigs, startRig } from "./support/rig.js";
import type { Rig } from "./support/rig.js";

afterEach(closeRigs);

const T0 = Date.UTC(2026, 0, 10, 12);
const main = (extra: Record<string, unknown>) => ({
  main: { models: ["a.m", "b.m", "c.m"], strategy: "modelmesh.priority-selection.v1", deactivation: { retry_limit: 1 }, ...extra },
});
/** Advances the fake clock in `stepMs` steps, letting the scheduler's probes finish after each. */
async function advance(rig: Rig, scheduler: RecoveryScheduler, ms: number, stepMs = 1_000): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    rig.clock.advance(Math.min(stepMs, ms - done));
    await scheduler.idle();
  }
}
const deactivations = (rig: Rig) =>
  rig.events.filter((e): e is Extract<MeshEvent, { type: "route-deactivated" }> => e.type === "route-deactivated").map((e) => ({ route: e.routeId, reason: e.reason, forMs: e.until! - e.timestamp }));

describe("RecoveryScheduler", () => {
  it("probes a route the moment its cooldown ends, with exactly one probe among concurrent triggers and traffic", async () => {
    const rig = await startRig({ providers: { a: { mock: { faults: [{ fault: { kind: "down", forMs: 3_600_000 } }] } }, b: {}, c: {} }, pools: main({ recovery: { cooldown: "10s" } }) });
    const scheduler = new RecoveryScheduler(rig.mesh);
    await scheduler.start();
    expect((await rig.chat("main")).trace.final!.routeId).toBe("b/b.m"); // a failed, parked for 10 s
    rig.clock.advance(10_000); // the timer fires: the probe starts
    const [manual, traffic] = await Promise.all([Promise.all([1, 2, 3, 4, 5].map(() => scheduler.probe("a/a.m"))), burst(20, () => rig.chat("main"))]);
    await scheduler.idle();
    expect(rig.mocks.a!.calls).toHaveLength(2); // the first failure, then ONE probe
    expect(manual.every((r) => r.skipped !== undefined)).toBe(true);
    expect(traffic.every((r) => r.status === "fulfilled" && r.value.trace.final!.routeId === "b/b.m")).toBe(true);
    expect(deactivations(rig)).toEqual([
      { route: "a/a.m", reason: "error_threshold", forMs: 10_000 },
      { route: "a/a.m", reason: "error_threshold", forMs: 20_000 }, // the failed probe: cooled longer
    ]);
    scheduler.stop();
  });

  it("a recovered route that fails again is cooled longer (10 s → 20 s → 40 s); a success resets it", async () => {
    const rig = await startRig({ providers: { a: { mock: { faults: [{ fault: { kind: "down", forMs: 65_000 } }] } }, b: {}, c: {} }, pools: main({ recovery: { cooldown: "10s" } }) });
    const scheduler = new RecoveryScheduler(rig.mesh);
    await scheduler.start();
    await rig.chat("main"); // t=0: a fails
    await advance(rig, scheduler, 70_000); // probes at 10 s and 30 s fail, the one at 70 s succeeds
    expect(rig.mocks.a!.calls.map((c) => [(c.at - T0) / 1000, c.status])).toEqual([[0, 503], [10, 503], [30, 503], [70, 200]]);
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
    rig.mocks.a!.fault({ times: 1, fault: { kind: "status", status: 500 } });
    await rig.chat("main"); // fails once more after a full recovery: back to the first cooldown
    expect(deactivations(rig).map((d) => d.forMs / 1000)).toEqual([10, 20, 40, 10]);
    expect(rig.events.filter((e) => e.type === "route-recovered" && e.trigger === "probe_success")).toHaveLength(1);
    scheduler.stop();
  });

  it("periodic probes (probe_interval) bring a route back long before its cooldown, one probe at a time", async () => {
    const rig = await startRig({
      providers: { a: { mock: { faults: [{ fault: { kind: "down", forMs: 45_000 } }] } }, b: {}, c: {} },
      pools: main({ recovery: { cooldown: "10m", probe_interval: "20s" } }),
    });
    const scheduler = new RecoveryScheduler(rig.mesh);
    await scheduler.start();
    await rig.chat("main"); // a parked for 10 minutes
    const concurrent = await Promise.all([scheduler.tick(), scheduler.tick(), scheduler.tick()]);
    expect(concurrent.flat().filter((r) => r.skipped === undefined)).toHaveLength(1); // an early probe at t=0
    await advance(rig, scheduler, 60_000, 5_000);
    expect(rig.mocks.a!.calls.map((c) => [(c.at - T0) / 1000, c.status])).toEqual([[0, 503], [0, 503], [20, 503], [40, 503], [60, 200]]);
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
    expect(rig.events.some((e) => e.type === "route-recovered" && e.routeId === "a/a.m")).toBe(true);
    scheduler.stop();
  });

  it("start-up probes (probe_on_start) recover routes left on standby for errors; manual and quota standby are left alone", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: main({ recovery: { probe_on_start: true } }) });
    const later = rig.clock.now() + 3_600_000;
    await rig.mesh.ledger.deactivateRoute("a/a.m", "error_threshold", later); // as if reloaded from storage
    await rig.mesh.ledger.deactivateRoute("b/b.m", "manual");
    await rig.mesh.ledger.deactivateRoute("c/c.m", "quota_exhausted", later);
    const scheduler = new RecoveryScheduler(rig.mesh);
    const reports = await scheduler.start();
    expect(reports).toEqual([{ routeId: "a/a.m", kind: "startup", ok: true }]);
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
    expect([rig.mocks.b!.calls.length, rig.mocks.c!.calls.length]).toEqual([0, 0]);
    scheduler.stop();
  });

  it("calendar: a spent free quota comes back at its provider's reset (06:00 New York), without probes before", async () => {
    const rig = await startRig({
      providers: { a: { mock: { dailyQuota: 2 }, entry: { quota: { reset_time: "06:00", time_zone: "America/New_York" } } }, b: {}, c: {} },
      pools: main({ recovery: { probe_interval: "1h" } }),
    });
    const scheduler = new RecoveryScheduler(rig.mesh);
    await scheduler.start();
    for (let i = 0; i < 3; i++) await rig.chat("main");
    expect(deactivations(rig)).toEqual([{ route: "a/a.m", reason: "quota_exhausted", forMs: Date.parse("2026-01-11T11:00:00Z") - T0 }]);
    await advance(rig, scheduler, Date.parse("2026-01-11T11:00:00Z") - T0, 3_600_000);
    expect(rig.mocks.a!.calls).toHaveLength(3); // 2 served + the 429; no probe spent the new quota early
    rig.mocks.a!.resetQuota();
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
    scheduler.stop();
  });

  it("manual: a probe on demand, and ledger reactivation of routes and providers", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: main({}) });
    const scheduler = new RecoveryScheduler(rig.mesh);
    await rig.mesh.ledger.deactivateRoute("a/a.m", "error_threshold", rig.clock.now() + 600_000);
    expect(await scheduler.probe("a/a.m")).toEqual({ routeId: "a/a.m", kind: "standby", ok: true });
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
    await rig.mesh.ledger.deactivateRoute("a/a.m", "manual");
    expect((await scheduler.probe("a/a.m")).skipped).toBe("standby reason manual is not probed");
    await rig.mesh.ledger.reactivateRoute("a/a.m");
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
  });
});
