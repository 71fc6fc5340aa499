/** latency-first through createMesh + Router; latency is simulated by advancing the fake clock per response. */
import { afterEach, describe, expect, it } from "vitest";
import { burst, closeRigs, countByRoute, startRig } from "./support/rig.js";

afterEach(closeRigs);

const pool = { main: { models: ["a.m", "b.m", "c.m"], strategy: "modelmesh.latency-first.v1" } };

describe("modelmesh.latency-first.v1", () => {
  it("explores each unmeasured model once, then serves the fastest; a slowing model loses traffic", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool });
    Object.assign(rig.latency, { a: 300, b: 100, c: 200 });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push((await rig.chat("main")).trace.final!.routeId);
    expect(order).toEqual(["a/a.m", "b/b.m", "c/c.m", "b/b.m", "b/b.m", "b/b.m"]);
    // b slows down: its EWMA (α 0.3) passes c's 200 ms after one slow answer (0.3·1000 + 0.7·100 = 370).
    rig.latency.b = 1_000;
    expect((await rig.chat("main")).trace.final!.routeId).toBe("b/b.m");
    const next = await rig.chat("main");
    expect(next.trace.final!.routeId).toBe("c/c.m");
    expect(next.trace.attempts[0]!.reason).toBe("lowest latency EWMA (200 ms)");
  });

  it("100 concurrent requests after warm-up all go to the fastest model", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool });
    Object.assign(rig.latency, { a: 300, b: 100, c: 200 });
    for (let i = 0; i < 3; i++) await rig.chat("main");
    Object.assign(rig.latency, { a: 0, b: 0, c: 0 });
    expect(countByRoute(await burst(100, () => rig.chat("main")))).toEqual({ "b/b.m": 100 });
    expect([rig.served("a"), rig.served("b"), rig.served("c")]).toEqual([1, 101, 1]);
  });

  it("a cold start under 100 concurrent requests explores every model and spreads evenly", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool });
    expect(countByRoute(await burst(100, () => rig.chat("main")))).toEqual({ "a/a.m": 34, "b/b.m": 33, "c/c.m": 33 });
    expect(rig.served("a") + rig.served("b") + rig.served("c")).toBe(100);
  });
});
