/** load-balanced (smooth weighted round-robin) through createMesh + Router. */
import { afterEach, describe, expect, it } from "vitest";
import { burst, closeRigs, countByRoute, startRig } from "./support/rig.js";

afterEach(closeRigs);

const pool = (mode: "absolute" | "relative") => ({ main: { models: ["a.m", "b.m", "c.m"], strategy: "modelmesh.load-balanced.v1", balance_mode: mode } });
const limit = (limitRequests: number) => ({ mock: { rateLimitHeaders: { limitRequests, resetRequests: "60s" } } });

describe("modelmesh.load-balanced.v1", () => {
  it("absolute mode: equal weights, one turn each; a model on standby keeps its place", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool("absolute") });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push((await rig.chat("main")).trace.final!.routeId);
    expect(order).toEqual(["a/a.m", "b/b.m", "c/c.m", "a/a.m", "b/b.m", "c/c.m"]);
    expect(countByRoute(await burst(100, () => rig.chat("main")))).toEqual({ "a/a.m": 34, "b/b.m": 33, "c/c.m": 33 });
    await rig.mesh.ledger.deactivateRoute("b/b.m", "manual");
    const without: string[] = [];
    for (let i = 0; i < 20; i++) without.push((await rig.chat("main")).trace.final!.routeId);
    const a = without.filter((r) => r === "a/a.m").length;
    expect([a + without.filter((r) => r === "c/c.m").length, Math.abs(a - 10) <= 1]).toEqual([20, true]);
    await rig.mesh.ledger.reactivateRoute("b/b.m");
    const back: string[] = [];
    for (let i = 0; i < 3; i++) back.push((await rig.chat("main")).trace.final!.routeId);
    expect(back.sort()).toEqual(["a/a.m", "b/b.m", "c/c.m"]);
  });

  it("relative mode: 100 concurrent requests split exactly by the learned request limits (600/300/100)", async () => {
    const rig = await startRig({ providers: { a: limit(600), b: limit(300), c: limit(100) }, pools: pool("relative") });
    // Learn each model's limit from one response (route state is shared by every pool containing it).
    for (const name of ["a", "b", "c"]) await rig.chat(`${name}.m`);
    const results = await burst(100, () => rig.chat("main"));
    expect(countByRoute(results)).toEqual({ "a/a.m": 60, "b/b.m": 30, "c/c.m": 10 });
    expect([rig.served("a"), rig.served("b"), rig.served("c")]).toEqual([61, 31, 11]);
    // Smooth: the first ten picks interleave instead of bursting.
    const first10 = results.slice(0, 10).map((r) => (r.status === "fulfilled" ? r.value.trace.final!.routeId[0] : "?")).join("");
    expect(first10).toBe("abaabacaba");
  });
});
