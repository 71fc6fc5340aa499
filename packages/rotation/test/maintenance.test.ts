/** Maintenance windows (5-field cron, evaluated on the mesh clock): standby during the window, back after. */
import { afterEach, describe, expect, it } from "vitest";
import { MaintenanceScheduler } from "../src/index.js";
import { closeRigs, startRig } from "./support/rig.js";
import type { Rig } from "./support/rig.js";

afterEach(closeRigs);

const by = async (rig: Rig, pool = "main") => (await rig.chat(pool)).trace.final!.routeId;

describe("maintenance windows", () => {
  it("MaintenanceScheduler parks the window's routes when it opens, so no request is sent into it", async () => {
    const rig = await startRig({
      start: Date.UTC(2026, 0, 10, 1, 59),
      providers: { a: {}, b: {}, c: {} },
      pools: {
        // a's maintenance, declared on a pool that only holds a; state is per route, so every pool sees it.
        "a-maintenance": { models: ["a.m"], deactivation: { maintenance_window: "* 2 * * *" } },
        main: { models: ["a.m", "b.m", "c.m"], strategy: "modelmesh.priority-selection.v1" },
      },
    });
    const scheduler = new MaintenanceScheduler(rig.mesh);
    await scheduler.start();
    expect(await by(rig)).toBe("a/a.m");
    rig.clock.advance(60_000); // 02:00: the window opens
    await scheduler.idle();
    expect(await by(rig)).toBe("b/b.m");
    const parked = rig.events.find((e) => e.type === "route-deactivated");
    expect(parked).toMatchObject({ routeId: "a/a.m", reason: "maintenance_window", until: Date.UTC(2026, 0, 10, 3) });
    rig.clock.set(Date.UTC(2026, 0, 10, 3)); // 03:00: the window is over
    expect(await by(rig)).toBe("a/a.m");
    expect(rig.mocks.a!.calls.map((c) => new Date(c.at).toISOString())).toEqual(["2026-01-10T01:59:00.000Z", "2026-01-10T03:00:00.000Z"]);
    rig.clock.set(Date.UTC(2026, 0, 11, 2, 30)); // the next night's window
    await scheduler.idle();
    expect(await by(rig)).toBe("b/b.m");
    scheduler.stop();
  });

  it("started inside a window, it parks at once", async () => {
    const rig = await startRig({
      start: Date.UTC(2026, 0, 10, 2, 15),
      providers: { a: {}, b: {} },
      pools: { main: { models: ["a.m", "b.m"], strategy: "modelmesh.priority-selection.v1" }, "a-maintenance": { models: ["a.m"], deactivation: { maintenance_window: "0-29 2 * * *" } } },
    });
    await new MaintenanceScheduler(rig.mesh).start();
    expect(await by(rig)).toBe("b/b.m");
    rig.clock.set(Date.UTC(2026, 0, 10, 2, 30));
    expect(await by(rig)).toBe("a/a.m");
  });

  it("without the scheduler, the rules deactivation parks a route at its first attempt inside the window", async () => {
    const rig = await startRig({
      start: Date.UTC(2026, 0, 10, 2, 0),
      providers: { a: {}, b: {}, c: {} },
      pools: {
        main: {
          models: ["a.m", "b.m", "c.m"],
          strategy: "modelmesh.priority-selection.v1",
          deactivation: { connector: "modelmesh.rules-deactivation.v1", maintenance_window: "* 2 * * *" },
          recovery: { connector: "modelmesh.calendar-recovery.v1" },
        },
      },
    });
    expect(await by(rig)).toBe("a/a.m"); // served, then parked until 03:00
    expect(await by(rig)).toBe("b/b.m");
    expect(rig.events.filter((e) => e.type === "route-deactivated").map((e) => (e as { until?: number }).until)).toEqual([Date.UTC(2026, 0, 10, 3), Date.UTC(2026, 0, 10, 3)]);
    rig.clock.set(Date.UTC(2026, 0, 10, 3));
    expect(await by(rig)).toBe("a/a.m");
  });
});
