/** round-robin through createMesh + Router, mock providers on 127.0.0.1, fake clock. */
import { afterEach, describe, expect, it } from "vitest";
import { burst, closeRigs, countByRoute, startRig } from "./support/rig.js";

afterEach(closeRigs);

const three = { a: {}, b: {}, c: {} };
const pool = (extra: Record<string, unknown> = {}) => ({ main: { models: ["a.m", "b.m", "c.m"], strategy: "modelmesh.round-robin.v1", ...extra } });

describe("modelmesh.round-robin.v1", () => {
  it("cycles through the models in pool order", async () => {
    const rig = await startRig({ providers: three, pools: pool() });
    const order: string[] = [];
    for (let i = 0; i < 7; i++) order.push((await rig.chat("main")).trace.final!.routeId);
    expect(order).toEqual(["a/a.m", "b/b.m", "c/c.m", "a/a.m", "b/b.m", "c/c.m", "a/a.m"]);
  });

  it("a model on standby is passed over without stalling the cursor, and rejoins its turn", async () => {
    const rig = await startRig({ providers: three, pools: pool() });
    await rig.mesh.ledger.deactivateRoute("b/b.m", "manual");
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await rig.chat("main")).trace.final!.routeId);
    expect(order).toEqual(["a/a.m", "c/c.m", "a/a.m", "c/c.m"]);
    await rig.mesh.ledger.reactivateRoute("b/b.m");
    for (let i = 0; i < 3; i++) order.push((await rig.chat("main")).trace.final!.routeId);
    expect(order.slice(4)).toEqual(["a/a.m", "b/b.m", "c/c.m"]);
    expect(rig.served("b")).toBe(1);
  });

  it("100 concurrent requests split 34/33/33 exactly, every one counted once", async () => {
    const rig = await startRig({ providers: three, pools: pool() });
    const results = await burst(100, () => rig.chat("main"));
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(countByRoute(results)).toEqual({ "a/a.m": 34, "b/b.m": 33, "c/c.m": 33 });
    expect([rig.served("a"), rig.served("b"), rig.served("c")]).toEqual([34, 33, 33]);
    const usage = await rig.mesh.ledger.quotaUsage({ routeId: "a/a.m", providerId: "a", modelId: "a.m", upstreamModel: "m", order: 0 });
    expect(usage.requestsDay).toBe(34);
  });
});
