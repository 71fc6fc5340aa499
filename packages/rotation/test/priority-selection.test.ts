/** priority-selection through createMesh + Router. */
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, isModelMeshError } from "@modelmesh/core";
import { burst, closeRigs, countByRoute, startRig } from "./support/rig.js";

afterEach(closeRigs);

const four = { a: {}, b: {}, c: {}, d: {} };
const members = ["a.m", "b.m", "c.m", "d.m"];
const served = async (rig: Awaited<ReturnType<typeof startRig>>, n: number) => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await rig.chat("main")).trace.final!.routeId);
  return out;
};

describe("modelmesh.priority-selection.v1", () => {
  it("always serves the highest-priority available model, then the next listed one", async () => {
    const rig = await startRig({ providers: four, pools: { main: { models: members, strategy: "modelmesh.priority-selection.v1", model_priority: ["c.m", "a.m"] } } });
    expect(await served(rig, 3)).toEqual(["c/c.m", "c/c.m", "c/c.m"]);
    await rig.mesh.ledger.deactivateRoute("c/c.m", "manual");
    expect(await served(rig, 2)).toEqual(["a/a.m", "a/a.m"]);
    await rig.mesh.ledger.reactivateRoute("c/c.m");
    expect(await served(rig, 1)).toEqual(["c/c.m"]);
    expect((await rig.chat("main")).trace.attempts[0]!.reason).toBe("highest priority available (model priority #1)");
  });

  it("provider_priority ranks the models model_priority does not name", async () => {
    const rig = await startRig({
      providers: four,
      pools: { main: { models: members, strategy: "priority-selection", model_priority: ["d.m"], provider_priority: ["b", "c"] } },
    });
    expect(await served(rig, 1)).toEqual(["d/d.m"]);
    await rig.mesh.ledger.deactivateRoute("d/d.m", "manual");
    expect(await served(rig, 1)).toEqual(["b/b.m"]);
    await rig.mesh.ledger.deactivateRoute("b/b.m", "manual");
    expect(await served(rig, 1)).toEqual(["c/c.m"]);
  });

  it("when no listed model is available, fallback_strategy picks among the rest", async () => {
    const rig = await startRig({
      providers: four,
      pools: { main: { models: members, strategy: "modelmesh.priority-selection.v1", model_priority: ["a.m"], fallback_strategy: "modelmesh.round-robin.v1" } },
    });
    await rig.mesh.ledger.deactivateRoute("a/a.m", "manual");
    const routed = await rig.chat("main");
    expect(routed.trace.attempts[0]!.reason).toMatch(/^no listed model available; modelmesh.round-robin.v1: /);
    expect([routed.trace.final!.routeId, ...(await served(rig, 3))]).toEqual(["b/b.m", "c/c.m", "d/d.m", "b/b.m"]);
  });

  it("the default fallback sticks to one unlisted model until it fails", async () => {
    const rig = await startRig({ providers: four, pools: { main: { models: members, strategy: "modelmesh.priority-selection.v1", model_priority: ["a.m"] } } });
    await rig.mesh.ledger.deactivateRoute("a/a.m", "manual");
    expect(await served(rig, 3)).toEqual(["b/b.m", "b/b.m", "b/b.m"]);
  });

  it("an unknown fallback_strategy fails at start-up, naming the pool", async () => {
    const error = await startRig({ providers: four, pools: { main: { models: members, strategy: "modelmesh.priority-selection.v1", fallback_strategy: "acme.nope.v1" } } }).catch((e: unknown) => e);
    expect(isModelMeshError(error)).toBe(true);
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: "pools.main", message: expect.stringContaining('fallback_strategy "acme.nope.v1" is not a shipped selection strategy') });
    expect((error as Error).message).toContain('pools.main: fallback_strategy "acme.nope.v1" is not a shipped selection strategy');
  });

  it("100 concurrent requests all go to the top model; with it down, all to the next", async () => {
    const rig = await startRig({ providers: four, pools: { main: { models: members, strategy: "modelmesh.priority-selection.v1", model_priority: ["b.m", "c.m"] } } });
    expect(countByRoute(await burst(100, () => rig.chat("main")))).toEqual({ "b/b.m": 100 });
    await rig.mesh.ledger.deactivateRoute("b/b.m", "manual");
    expect(countByRoute(await burst(100, () => rig.chat("main")))).toEqual({ "c/c.m": 100 });
    expect([rig.served("a"), rig.served("b"), rig.served("c"), rig.served("d")]).toEqual([0, 100, 100, 0]);
  });
});
