/**
 * Every selection strategy under 100 concurrent requests through the router: a half-open route gets exactly
 * one probe (the ledger's single probe lease is never used twice), every request is served once, and the
 * ledger's counters match what the upstreams saw.
 */
import { afterEach, describe, expect, it } from "vitest";
import { burst, closeRigs, countByRoute, startRig } from "./support/rig.js";

afterEach(closeRigs);

const STRATEGIES = [
  "modelmesh.stick-until-failure.v1",
  "modelmesh.priority-selection.v1",
  "modelmesh.round-robin.v1",
  "modelmesh.cost-first.v1",
  "modelmesh.latency-first.v1",
  "modelmesh.session-stickiness.v1",
  "modelmesh.rate-limit-aware.v1",
  "modelmesh.load-balanced.v1",
] as const;

const route = (name: string, order: number) => ({ routeId: `${name}/${name}.m`, providerId: name, modelId: `${name}.m`, upstreamModel: "m", order });

describe("100 concurrent requests with a half-open route", () => {
  it.each(STRATEGIES)("%s: one probe, 100 served, no counter lost", async (strategy) => {
    const rig = await startRig({
      providers: { a: { model: { pricing: { input_per_million: 0.1, output_per_million: 0.1 } } }, b: {}, c: {} },
      pools: { main: { models: ["a.m", "b.m", "c.m"], strategy, session: { header: "x-session" } } },
    });
    const { ledger } = rig.mesh;
    await ledger.deactivateRoute("a/a.m", "error_threshold", rig.clock.now() + 1_000);
    rig.clock.advance(1_000);

    const results = await burst(100, (i) => rig.chat("main", { headers: { "x-session": `s${i % 10}` } }));

    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    // Exactly one request went to the half-open route: the probe.
    expect(rig.mocks.a!.calls).toHaveLength(1);
    const counts = countByRoute(results);
    expect((counts["a/a.m"] ?? 0) + (counts["b/b.m"] ?? 0) + (counts["c/c.m"] ?? 0)).toBe(100);
    expect(rig.served("a") + rig.served("b") + rig.served("c")).toBe(100);
    for (const [name, order] of [["a", 0], ["b", 1], ["c", 2]] as const) {
      const usage = await ledger.quotaUsage(route(name, order));
      expect(usage.requestsDay).toBe(rig.mocks[name]!.calls.length);
      expect(counts[`${name}/${name}.m`] ?? 0).toBe(rig.served(name));
    }
    // The probe succeeded, so the circuit is closed again.
    expect((await ledger.snapshot(route("a", 0))).circuit).toBe("closed");
  });
});
