/** rate-limit-aware through createMesh + Router. */
import { afterEach, describe, expect, it } from "vitest";
import { burst, closeRigs, countByRoute, startRig } from "./support/rig.js";

afterEach(closeRigs);

const limited = { mock: { rateLimitHeaders: { limitRequests: 10, resetRequests: "60s" } } };
const pool = (rateLimit: Record<string, unknown> = {}) => ({ main: { models: ["a.m", "b.m", "c.m"], strategy: "modelmesh.rate-limit-aware.v1", rate_limit: rateLimit } });
const sequence = async (rig: Awaited<ReturnType<typeof startRig>>, n: number, stepMs = 0) => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push((await rig.chat("main")).trace.final!.routeId);
    rig.clock.advance(stepMs);
  }
  return out;
};
const tally = (routes: string[]) => routes.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r]: (acc[r] ?? 0) + 1 }), {});

describe("modelmesh.rate-limit-aware.v1", () => {
  it("switches at 80% of the limit learned from x-ratelimit-* headers, before any 429", async () => {
    const rig = await startRig({ providers: { a: limited, b: limited, c: limited }, pools: pool() });
    const routes = await sequence(rig, 20);
    expect(routes.slice(0, 8).every((r) => r === "a/a.m")).toBe(true);
    expect(tally(routes)).toEqual({ "a/a.m": 8, "b/b.m": 8, "c/c.m": 4 });
    // Nothing was deactivated: the strategy only steers.
    expect(rig.events.filter((e) => e.type === "route-deactivated")).toEqual([]);
  });

  it("when every model is near its limit, the one with the most headroom serves; a new window starts fresh", async () => {
    const rig = await startRig({ providers: { a: limited, b: limited, c: limited }, pools: pool() });
    await sequence(rig, 24); // 8 each: all at 80%
    const roomiest = await rig.chat("main");
    expect(roomiest.trace.attempts[0]!.reason).toBe("every model is near a limit; most headroom (80% of its tightest known limit)");
    expect(roomiest.trace.final!.routeId).toBe("a/a.m");
    expect((await rig.chat("main")).trace.final!.routeId).toBe("b/b.m"); // a is at 90% now
    rig.clock.advance(60_000); // the headers' reset has passed
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
  });

  it("max_rpm: 100 concurrent requests fill each model to its self-imposed cap in pool order", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool({ max_rpm: 40 }) });
    expect(countByRoute(await burst(100, () => rig.chat("main")))).toEqual({ "a/a.m": 40, "b/b.m": 40, "c/c.m": 20 });
    expect([rig.served("a"), rig.served("b"), rig.served("c")]).toEqual([40, 40, 20]);
    rig.clock.advance(60_000); // next minute: counts start again
    expect((await rig.chat("main")).trace.final!.routeId).toBe("a/a.m");
  });

  it("min_delta spaces requests to one model", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool({ min_delta: "10s" }) });
    expect(await sequence(rig, 5, 4_000)).toEqual(["a/a.m", "b/b.m", "c/c.m", "a/a.m", "b/b.m"]);
  });
});
