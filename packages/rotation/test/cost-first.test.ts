/** cost-first through createMesh + Router. */
import { afterEach, describe, expect, it } from "vitest";
import { burst, closeRigs, countByRoute, startRig } from "./support/rig.js";

afterEach(closeRigs);

const price = (input: number, output: number) => ({ model: { pricing: { input_per_million: input, output_per_million: output } } });
const pool = { main: { models: ["a.m", "b.m", "c.m"], strategy: "modelmesh.cost-first.v1" } };

describe("modelmesh.cost-first.v1", () => {
  it("serves the cheapest priced model; unpriced models only after every priced one", async () => {
    const rig = await startRig({ providers: { a: price(10, 30), b: price(0.5, 1.5), c: {} }, pools: pool });
    const first = await rig.chat("main");
    expect(first.trace.final!.routeId).toBe("b/b.m");
    expect(first.trace.attempts[0]!.reason).toMatch(/^cheapest: ~\$[\d.e-]+ for this request \(declared price\)$/);
    await rig.mesh.ledger.deactivateRoute("b/b.m", "manual");
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
    await rig.mesh.ledger.deactivateRoute("a/a.m", "manual");
    expect((await rig.chat("main")).trace.final!.routeId).toBe("c/c.m");
  });

  it("a local model priced at 0 wins", async () => {
    const rig = await startRig({ providers: { a: price(0.5, 1.5), b: price(0, 0), c: price(0.1, 0.1) }, pools: pool });
    expect((await rig.chat("main")).trace.final!.routeId).toBe("b/b.m");
  });

  it("estimates the price from the request: prompt size and max_tokens decide", async () => {
    // a is cheap to read and dear to write; b the opposite.
    const rig = await startRig({ providers: { a: price(1, 100), b: price(50, 1), c: {} }, pools: pool });
    const chat = (content: string, max_tokens: number) => rig.mesh.router.chat({ model: "main", messages: [{ role: "user", content }], max_tokens });
    expect((await chat("short question", 2000)).trace.final!.routeId).toBe("b/b.m");
    expect((await chat("long document ".repeat(500), 5)).trace.final!.routeId).toBe("a/a.m");
  });

  it("equal prices break on the spend accumulated today", async () => {
    const rig = await startRig({ providers: { a: price(1, 1), b: price(1, 1), c: price(5, 5) }, pools: pool });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await rig.chat("main")).trace.final!.routeId);
    expect(order).toEqual(["a/a.m", "b/b.m", "a/a.m", "b/b.m"]);
  });

  it("100 concurrent requests all go to the cheapest model", async () => {
    const rig = await startRig({ providers: { a: price(10, 30), b: price(0.5, 1.5), c: price(3, 3) }, pools: pool });
    expect(countByRoute(await burst(100, () => rig.chat("main")))).toEqual({ "b/b.m": 100 });
    expect([rig.served("a"), rig.served("b"), rig.served("c")]).toEqual([0, 100, 0]);
  });
});
