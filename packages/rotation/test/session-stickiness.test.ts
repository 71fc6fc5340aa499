/** session-stickiness through createMesh + Router. */
import { afterEach, describe, expect, it } from "vitest";
import { HashRing } from "../src/index.js";
import { burst, closeRigs, startRig } from "./support/rig.js";

afterEach(closeRigs);

const ALL = ["a/a.m", "b/b.m", "c/c.m"];
const pool = (extra: Record<string, unknown> = {}) => ({
  main: { models: ["a.m", "b.m", "c.m"], strategy: "modelmesh.session-stickiness.v1", session: { header: "x-session-id", ttl: "10m" }, ...extra },
});
/** The first key `s<i>` whose home among `members` is `owner`. */
const keyHomedOn = (owner: string, members = ALL, skip: string[] = []) => {
  const ring = new HashRing(members);
  for (let i = 0; ; i++) if (ring.owner(`s${i}`) === owner && !skip.includes(`s${i}`)) return `s${i}`;
};

describe("modelmesh.session-stickiness.v1", () => {
  it("keeps each session on one model and spreads sessions over all of them", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool() });
    const homes = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (let s = 0; s < 30; s++) {
        const routed = await rig.chat("main", { headers: { "x-session-id": `session-${s}` } });
        if (!homes.has(`session-${s}`)) homes.set(`session-${s}`, new Set());
        homes.get(`session-${s}`)!.add(routed.trace.final!.routeId);
      }
    }
    expect([...homes.values()].every((set) => set.size === 1)).toBe(true);
    expect(new Set([...homes.values()].map((set) => [...set][0]))).toEqual(new Set(ALL));
  });

  it("falls back along the ring when the session's model fails, and returns when it recovers", async () => {
    const rig = await startRig({
      providers: { a: {}, b: {}, c: {} },
      pools: pool({ deactivation: { retry_limit: 1 }, retry: { max_attempts: 0 }, recovery: { cooldown: "30s" } }),
    });
    const s = keyHomedOn("a/a.m");
    const t = keyHomedOn("b/b.m");
    const send = async (key: string) => (await rig.chat("main", { headers: { "x-session-id": key } })).trace;
    expect((await send(s)).final!.routeId).toBe("a/a.m");
    expect((await send(t)).final!.routeId).toBe("b/b.m");

    rig.mocks.a!.fault({ fault: { kind: "down", forMs: 30_000 } });
    const failover = await send(s);
    const fallback = new HashRing(["b/b.m", "c/c.m"]).owner(s)!;
    expect(failover.attempts.map((a) => a.routeId)).toEqual(["a/a.m", fallback]);
    expect(failover.attempts[1]!.reason).toBe("session home a/a.m unavailable; next on the hash ring");
    expect((await send(s)).final!.routeId).toBe(fallback);
    expect((await send(t)).final!.routeId).toBe("b/b.m");

    rig.clock.advance(30_000);
    expect((await send(s)).final!.routeId).toBe("a/a.m");
    expect((await send(s)).final!.routeId).toBe("a/a.m");
    expect(rig.mocks.a!.calls.map((c) => c.status)).toEqual([200, 503, 200, 200]);
  });

  it("a session stays pinned where it started for `ttl` after its last request, then is re-homed", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool() });
    const s = keyHomedOn("a/a.m");
    await rig.mesh.ledger.deactivateRoute("a/a.m", "manual");
    const start = (await rig.chat("main", { headers: { "x-session-id": s } })).trace.final!.routeId;
    expect(start).toBe(new HashRing(["b/b.m", "c/c.m"]).owner(s));
    await rig.mesh.ledger.reactivateRoute("a/a.m");
    rig.clock.advance(9 * 60_000);
    expect((await rig.chat("main", { headers: { "x-session-id": s } })).trace.final!.routeId).toBe(start);
    rig.clock.advance(10 * 60_000 + 1);
    expect((await rig.chat("main", { headers: { "x-session-id": s } })).trace.final!.routeId).toBe("a/a.m");
  });

  it("reads the `user` field when no header is configured; without any key it sticks until failure", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: { main: { models: ["a.m", "b.m", "c.m"], strategy: "session-stickiness" } } });
    const u = keyHomedOn("c/c.m");
    expect((await rig.chat("main", { user: u })).trace.final!.routeId).toBe("c/c.m");
    const anonymous = await rig.chat("main");
    expect(anonymous.trace.final!.routeId).toBe("a/a.m");
    expect(anonymous.trace.attempts[0]!.reason).toMatch(/^no session key; modelmesh.stick-until-failure.v1: /);
  });

  it("100 concurrent requests over 10 sessions: each session on its ring home, none lost", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, pools: pool() });
    const results = await burst(100, (i) => rig.chat("main", { headers: { "x-session-id": `s${i % 10}` } }));
    const ring = new HashRing(ALL);
    const expected: Record<string, number> = {};
    results.forEach((r, i) => {
      expect(r.status).toBe("fulfilled");
      if (r.status === "fulfilled") expect(r.value.trace.final!.routeId).toBe(ring.owner(`s${i % 10}`));
      expected[ring.owner(`s${i % 10}`)!] = (expected[ring.owner(`s${i % 10}`)!] ?? 0) + 1;
    });
    expect({ "a/a.m": rig.served("a"), "b/b.m": rig.served("b"), "c/c.m": rig.served("c") }).toEqual({ "a/a.m": 0, "b/b.m": 0, "c/c.m": 0, ...expected });
  });
});
