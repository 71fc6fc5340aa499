/** Policies are configured per pool in YAML and replaced one component at a time. */
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectorDescriptor, PoolPolicyConfig, SelectionStrategyV1 } from "@modelmesh/core";
import { closeRigs, startRig } from "./support/rig.js";

afterEach(closeRigs);

/** A third-party selection connector: always the last candidate in pool order. */
const lastConnector: ConnectorDescriptor<PoolPolicyConfig, SelectionStrategyV1> = {
  id: "acme.last.v1",
  type: "rotation",
  role: "selection",
  specificationVersion: "v1",
  runtime: "universal",
  create: () => ({
    specificationVersion: "v1",
    id: "acme.last.v1",
    select: (candidates) => (candidates.length === 0 ? null : { routeId: candidates.at(-1)!.routeId, reason: "last one" }),
  }),
};

const yaml = (urls: Record<string, string>) => `
providers:
  a: { connector: test.fetch.v1, config: { base_url: "${urls.a}" } }
  b: { connector: test.fetch.v1, config: { base_url: "${urls.b}" } }
  c: { connector: test.fetch.v1, config: { base_url: "${urls.c}" } }
models:
  a.m: { provider: a, model: m, capabilities: [chat-completion] }
  b.m: { provider: b, model: m, capabilities: [chat-completion] }
  c.m: { provider: c, model: m, capabilities: [chat-completion] }
pools:
  custom:                       # a custom selection with the default deactivation and recovery
    models: [a.m, b.m, c.m]
    strategy: acme.last.v1
    retry: { max_attempts: 0 }
  cheap:                        # a shipped strategy, default policies
    models: [a.m, b.m, c.m]
    strategy: round-robin
  strict:                       # only the deactivation replaced
    models: [a.m, b.m, c.m]
    deactivation: { connector: rules-deactivation, retry_limit: 1, maintenance_window: "0 4 * * sun" }
  calendar:                     # only the recovery replaced
    models: [a.m, b.m, c.m]
    recovery: { connector: modelmesh.calendar-recovery.v1, cooldown: 20s, quota_reset_schedule: daily_utc }
`;

describe("per-pool policy configuration", () => {
  it("each pool gets exactly the parts it names, defaults for the rest", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, connectors: [lastConnector as ConnectorDescriptor<never, unknown>], yaml });
    const ids = (pool: string) => {
      const p = rig.mesh.router.pools.get(pool)!.policies;
      return [p.selection.id, p.deactivation.id, p.recovery.id];
    };
    expect(ids("custom")).toEqual(["acme.last.v1", "modelmesh.threshold-deactivation.v1", "modelmesh.cooldown-recovery.v1"]);
    expect(ids("cheap")).toEqual(["modelmesh.round-robin.v1", "modelmesh.threshold-deactivation.v1", "modelmesh.cooldown-recovery.v1"]);
    expect(ids("strict")).toEqual(["modelmesh.priority-selection.v1", "modelmesh.rules-deactivation.v1", "modelmesh.cooldown-recovery.v1"]);
    expect(ids("calendar")).toEqual(["modelmesh.priority-selection.v1", "modelmesh.threshold-deactivation.v1", "modelmesh.calendar-recovery.v1"]);
  });

  it("a custom selection runs with core's default deactivation (3 failures) and recovery (60 s, half-open)", async () => {
    const rig = await startRig({ providers: { a: {}, b: {}, c: {} }, connectors: [lastConnector as ConnectorDescriptor<never, unknown>], yaml });
    expect((await rig.chat("custom")).trace.final!.routeId).toBe("c/c.m");
    rig.mocks.c!.fault({ times: 3, fault: { kind: "status", status: 500 } });
    for (let i = 0; i < 3; i++) {
      const routed = await rig.chat("custom");
      expect(routed.trace.attempts.map((a) => a.routeId)).toEqual(["c/c.m", "b/b.m"]); // the custom pick, then the next-last
    }
    expect(rig.events.filter((e) => e.type === "route-deactivated")).toMatchObject([{ routeId: "c/c.m", reason: "error_threshold" }]);
    expect((await rig.chat("custom")).trace.attempts.map((a) => a.routeId)).toEqual(["b/b.m"]);
    rig.clock.advance(60_000);
    expect((await rig.chat("custom")).trace.final!.routeId).toBe("c/c.m"); // the half-open probe succeeds
  });

  it("an unknown strategy fails at start-up with the config path", async () => {
    const error = await startRig({ providers: { a: {} }, pools: { main: { models: ["a.m"], strategy: "acme.nope.v1" } } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain("pools.main.strategy");
  });
});
