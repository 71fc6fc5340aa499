/** Provider-level deactivation and recovery: manual, auth failure, and API outage (RecoveryScheduler). */
import { afterEach, describe, expect, it } from "vitest";
import { RecoveryScheduler } from "../src/index.js";
import { closeRigs, startRig } from "./support/rig.js";
import type { Rig } from "./support/rig.js";

afterEach(closeRigs);

const pool = (extra: Record<string, unknown> = {}) => ({
  main: { models: ["a.m1", "a.m2", "b.m"], strategy: "modelmesh.priority-selection.v1", deactivation: { retry_limit: 1 }, ...extra },
});
const twoModels = { models: ["m1", "m2"] };
const by = async (rig: Rig) => (await rig.chat("main")).trace.final!.routeId;

describe("provider-level deactivation", () => {
  it("manual: parking a provider takes all its models out of every pool until it is reactivated", async () => {
    const rig = await startRig({ providers: { a: twoModels, b: {} }, pools: pool() });
    await rig.mesh.ledger.deactivateProvider("a", "manual");
    expect(await by(rig)).toBe("b/b.m");
    expect((await rig.chat("a.m2").catch((e: { code: string }) => e.code)) as string).toBe("MM_NO_CANDIDATES");
    await rig.mesh.ledger.reactivateProvider("a");
    expect(await by(rig)).toBe("a/a.m1");
  });

  it("auth failure: one 401 parks the whole provider, so its other model is not tried", async () => {
    const rig = await startRig({ providers: { a: { ...twoModels, mock: { faults: [{ fault: { kind: "auth" } }] } }, b: {} }, pools: pool() });
    const first = await rig.chat("main");
    expect(first.trace.attempts.map((a) => a.routeId)).toEqual(["a/a.m1", "b/b.m"]);
    expect(await by(rig)).toBe("b/b.m");
    expect(rig.mocks.a!.calls).toHaveLength(1);
    expect((await rig.mesh.ledger.providerStatus("a")).reason).toBe("auth_failure");
  });

  it("on_api_outage: when every route of a provider is down it is parked; on_probe_success probes bring it back", async () => {
    const rig = await startRig({
      providers: { a: { ...twoModels, mock: { faults: [{ fault: { kind: "down", forMs: 30_000 } }] } }, b: {} },
      pools: pool({ provider_deactivation: "on_api_outage", provider_recovery: "on_probe_success", recovery: { cooldown: "10m", probe_interval: "20s" } }),
    });
    const scheduler = new RecoveryScheduler(rig.mesh);
    await scheduler.start();
    const first = await rig.chat("main");
    expect(first.trace.attempts.map((a) => a.routeId)).toEqual(["a/a.m1", "a/a.m2", "b/b.m"]);
    await scheduler.idle();
    const parked = rig.events.find((e) => e.type === "provider-deactivated");
    expect(parked).toMatchObject({ providerId: "a", reason: "error_threshold", until: rig.clock.now() + 600_000 });

    for (let t = 0; t < 40; t += 20) {
      rig.clock.advance(20_000);
      await scheduler.idle();
    }
    // One provider probe at 20 s (still down), one at 40 s (healthy): provider and its probed route are back.
    expect(rig.mocks.a!.calls.map((c) => c.status)).toEqual([503, 503, 503, 200]);
    expect((await rig.mesh.ledger.providerStatus("a")).status).toBe("active");
    expect(await by(rig)).toBe("a/a.m1");
    scheduler.stop();
  });

  it("on_manual: an outage parks the provider with no end and no probes", async () => {
    const rig = await startRig({
      providers: { a: { ...twoModels, mock: { faults: [{ fault: { kind: "down", forMs: 30_000 } }] } }, b: {} },
      pools: pool({ provider_deactivation: "on_api_outage", provider_recovery: "on_manual", recovery: { cooldown: "30s", probe_interval: "20s" } }),
    });
    const scheduler = new RecoveryScheduler(rig.mesh);
    await scheduler.start();
    await rig.chat("main");
    await scheduler.idle();
    rig.clock.advance(3_600_000);
    await scheduler.idle();
    expect(rig.mocks.a!.calls).toHaveLength(2);
    const status = await rig.mesh.ledger.providerStatus("a");
    expect([status.status, status.reason, status.until]).toEqual(["standby", "error_threshold", undefined]);
    await rig.mesh.ledger.reactivateProvider("a");
    expect(await by(rig)).toBe("a/a.m1");
    scheduler.stop();
  });
});
