/**
 * The P4 harness at tiny scale, in-process (the child entries need the build): the streams are opened through
 * both proxies and really held (each got its first chunk, none ended, the upstream holds as many), and the
 * result is complete. Functional facts only, no memory thresholds: the figures come from
 * `pnpm --filter @modelmesh/bench bench:p4`.
 */
import { describe, expect, it } from "vitest";
import { checkHeld, P4_SIDE_IDS, p4ModelMeshConfig, p4PoolNames, p4Target, planCounts, runP4, slope, type P4Ramp } from "../src/p4.js";
import { createStreamLoad } from "../src/p4-load.js";
import { startStreamingUpstream } from "../src/p4-upstream.js";

describe("P4 harness", () => {
  it("holds N streams through each proxy and reports RSS per stream", async () => {
    const ramps: P4Ramp[] = [];
    const result = await runP4({ isolation: "in-process", counts: [50, 20], rounds: 1, warmupStreams: 5, settleMs: 20, origins: 2, onRamp: (r) => ramps.push(r) });

    expect(result.benchmark).toBe("P4");
    expect(result.settings).toMatchObject({ requestedCounts: [50, 20], counts: [20, 50], rounds: 1, isolation: "in-process", modelmeshOrigins: 2 });
    expect(result.fdBudget.lowered).toEqual([]);
    expect(ramps.map((r) => r.side)).toEqual(["modelmesh", "passThrough"]);
    for (const ramp of ramps) {
      expect(ramp.points.map((p) => p.streams)).toEqual([20, 50]);
      for (const point of ramp.points) {
        // Really held: every stream got its first chunk, none ended or failed, the upstream holds them all.
        expect(point.held.load, ramp.side).toEqual({ open: point.streams, firstChunks: point.streams, ended: 0, failed: 0 });
        expect(point.held.upstreamOpen, ramp.side).toBe(point.streams);
        for (const value of [point.rssBytes, point.heapUsedBytes, point.heapTotalBytes]) {
          expect(Number.isFinite(value)).toBe(true);
          expect(value).toBeGreaterThan(0);
        }
        expect(Number.isFinite(point.kbPerStream)).toBe(true);
      }
      expect(ramp.baseline.rssBytes).toBeGreaterThan(0);
      expect(Number.isFinite(ramp.slopeKbPerStream)).toBe(true);
    }
    // Warm-up and ramp of both sides: 2 × (5 + 50) streams; none is held once the run is over.
    expect(result.upstream.started).toBe(110);
    for (const id of P4_SIDE_IDS) {
      const side = result.sides[id]!;
      expect(side.counts.map((c) => c.streams)).toEqual([20, 50]);
      for (const c of side.counts) expect(Number.isFinite(c.kbPerStream)).toBe(true);
    }
    expect(result.ratioModelMeshToPassThrough.map((r) => r.streams)).toEqual([20, 50]);
    expect(result.headline?.streams).toBe(50);
    // In-process and without an exposed GC the figures may even be negative: only that they are numbers.
    expect(Number.isFinite(result.headline?.extrapolatedRssMbAtTarget)).toBe(true);
    expect(result.target).toMatchObject({ kbPerStreamAtMost: 40, streams: 10_000 });
    expect(result.target.met).toBe(result.headline!.kbPerStream <= 40);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  }, 60_000);

  it("fails with the reason when streams do not open", async () => {
    const upstream = await startStreamingUpstream({ pingMs: 0 });
    const load = createStreamLoad();
    try {
      // Wrong path: the upstream answers 404, so no stream gets its first chunk.
      const result = await load.open({ ...p4Target("passThrough", new URL(upstream.url).origin), path: "/nowhere" }, 3);
      expect(result).toMatchObject({ requested: 3, opened: 0 });
      expect(Object.keys(result.failures)[0]).toMatch(/^status 404/);
      expect(load.status()).toMatchObject({ firstChunks: 0, failed: 3 });
    } finally {
      await load.closeAll();
      await upstream.close();
    }
  });
});

describe("P4 planning", () => {
  it("lowers counts that do not fit the open-file limit to the largest multiple of 100 that does", () => {
    expect(planCounts([10_000, 1000, 5000], { limit: 20_000, baselineFds: 21, fdsPerStream: 2 })).toEqual({
      counts: [1000, 5000, 9900],
      maxStreams: 9900,
      lowered: [{ requested: 10_000, measured: 9900 }],
    });
    expect(planCounts([10_000], { limit: 65_536, baselineFds: 21, fdsPerStream: 2 }).lowered).toEqual([]);
    expect(planCounts([500, 100], { fdsPerStream: 2 }).counts).toEqual([100, 500]);
  });

  it("refuses a reading of streams that are not all held", () => {
    const held = { load: { open: 3, firstChunks: 3, ended: 0, failed: 0 }, upstreamOpen: 3 };
    expect(() => checkHeld("modelmesh", 3, held)).not.toThrow();
    expect(() => checkHeld("modelmesh", 3, { ...held, load: { ...held.load, ended: 1 } })).toThrow(/modelmesh: 3 streams should be held/);
    expect(() => checkHeld("passThrough", 3, { ...held, upstreamOpen: 2 })).toThrow(/passThrough/);
  });

  it("fits a least-squares slope", () => {
    expect(slope([{ x: 0, y: 10 }, { x: 1, y: 12 }, { x: 2, y: 14 }])).toBe(2);
    expect(() => slope([{ x: 1, y: 1 }])).toThrow(RangeError);
  });

  it("gives each upstream origin a provider and a one-provider pool", () => {
    const config = p4ModelMeshConfig(["http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1"]) as { providers: Record<string, unknown>; pools: Record<string, { providers: string[] }> };
    expect(Object.keys(config.providers)).toEqual(["local1", "local2"]);
    expect(config.pools).toMatchObject({ chat1: { providers: ["local1"] }, chat2: { providers: ["local2"] } });
    expect(p4PoolNames(1)).toEqual(["chat"]);
    expect(p4Target("modelmesh", "http://127.0.0.1:3", 2).bodies.map((b) => JSON.parse(b).model)).toEqual(["chat1", "chat2"]);
  });
});
