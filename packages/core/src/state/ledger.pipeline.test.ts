import { describe, expect, it } from "vitest";
import { createManualClock, type Clock } from "../internal/clock.js";
import { SUCCESS } from "./ledger-test-kit.js";
import { StateLedger } from "./ledger.js";
import { createCooldownRecovery, createThresholdDeactivation } from "./policies.js";
import { MemoryStateStore } from "./memory-store.js";
import type { StateStore } from "./state-store.js";
import type { LedgerPolicies, ProviderDescriptor, RouteDescriptor } from "./ledger-types.js";

/**
 * A store "across the network": every operation is queued and answered with the others sent in the same tick,
 * in order, as one round trip (what one Redis connection does with commands written together). `ordered` says
 * whether it promises that order ({@link StateStore.ordered}).
 */
function remote(ordered: boolean, clock: Clock): { store: StateStore; roundTrips: () => number; log: string[] } {
  const inner = new MemoryStateStore({ clock });
  let batch: Array<() => void> | undefined;
  let trips = 0;
  const log: string[] = [];
  const send = <T>(name: string, run: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (batch === undefined) {
        const current: Array<() => void> = [];
        batch = current;
        trips++;
        setTimeout(() => {
          batch = undefined;
          for (const answer of current) answer();
        }, 0);
      }
      log.push(`${trips}:${name}`);
      batch.push(() => run().then(resolve, reject));
    });
  const store: StateStore = {
    ordered,
    get: (k) => send("get", () => inner.get(k)),
    getMany: (keys) => send("getMany", () => inner.getMany(keys)),
    set: (k, v, o) => send("set", () => inner.set(k, v, o)),
    getVersioned: (k) => send("getVersioned", () => inner.getVersioned(k)),
    compareAndSet: (k, ver, v, o) => send("compareAndSet", () => inner.compareAndSet(k, ver, v, o)),
    increment: (k, by, o) => send("increment", () => inner.increment(k, by, o)),
    incrementMany: (ops) => send("incrementMany", () => inner.incrementMany(ops)),
    setIfAbsent: (k, v, o) => send("setIfAbsent", () => inner.setIfAbsent(k, v, o)),
    delete: (k) => send("delete", () => inner.delete(k)),
    keys: (p) => send("keys", () => inner.keys(p)),
  };
  return { store, roundTrips: () => trips, log };
}

const route: RouteDescriptor = { routeId: "acme/m1", providerId: "acme", modelId: "acme.m1", upstreamModel: "m1", order: 0 };
const provider: ProviderDescriptor = { providerId: "acme" };
const policies: LedgerPolicies = { deactivation: createThresholdDeactivation(), recovery: createCooldownRecovery() };

describe("StateLedger on an ordered remote store", () => {
  it("records a success in two round trips (counters, usage and the route's record together; then the compare-and-set), four without the order promise", async () => {
    const results: Record<string, { trips: number; usage: number; latency: number | undefined; log: string[] }> = {};
    for (const ordered of [true, false]) {
      const clock = createManualClock();
      const { store, roundTrips, log } = remote(ordered, clock);
      const ledger = new StateLedger({ store, clock });
      const ticket = await ledger.acquire(route, provider);
      expect(ticket.ok).toBe(true);
      const before = roundTrips();
      const from = log.length;
      await ledger.recordSuccess(route, provider, SUCCESS, policies);
      const trips = roundTrips() - before;
      const sent = log.slice(from);
      const snapshot = await ledger.snapshot(route, policies);
      results[String(ordered)] = { trips, usage: snapshot.usage.tokensDay, latency: snapshot.latencyEwmaMs, log: sent };
      ledger.close();
    }
    // Same outcome either way: this request's tokens are in the usage, the latency is recorded.
    expect(results.true!.usage).toBe(15);
    expect(results.false!.usage).toBe(15);
    expect(results.true!.latency).toBe(results.false!.latency);
    expect(results.true!.trips).toBe(2);
    const sent = results.true!.log.map((entry) => entry.split(":") as [string, string]);
    expect(sent.map(([, name]) => name)).toEqual(["getVersioned", "incrementMany", "getMany", "compareAndSet"]);
    expect(sent.map(([trip]) => Number(trip) - Number(sent[0]![0]))).toEqual([0, 0, 0, 1]);
    expect(results.false!.trips).toBe(4);
  });

  it("acquire after snapshot costs one round trip (the admission): its records were read with the snapshot's", async () => {
    const trips: Record<string, number> = {};
    for (const ordered of [true, false]) {
      const clock = createManualClock();
      const { store, roundTrips } = remote(ordered, clock);
      const ledger = new StateLedger({ store, clock });
      const before = roundTrips();
      await ledger.snapshot(route, policies);
      expect((await ledger.acquire(route, provider)).ok).toBe(true);
      trips[String(ordered)] = roundTrips() - before;
      ledger.close();
    }
    expect(trips).toEqual({ true: 2, false: 3 });
  });

  it("a route written in this process between snapshot and acquire is read anew: a standby set meanwhile refuses", async () => {
    const clock = createManualClock();
    const { store } = remote(true, clock);
    const ledger = new StateLedger({ store, clock });
    await ledger.snapshot(route, policies);
    await ledger.deactivateRoute(route.routeId, "manual");
    expect(await ledger.acquire(route, provider)).toMatchObject({ ok: false, kind: "route" });
    // And a prefetch older than its bound is not used either (the next acquire reads anew: still refused).
    await ledger.snapshot(route, policies);
    clock.advance(1_000);
    expect(await ledger.acquire(route, provider)).toMatchObject({ ok: false, kind: "route" });
    ledger.close();
  });

  it("a stale early read only costs one more attempt: a concurrent write in between is not lost", async () => {
    const clock = createManualClock();
    const { store } = remote(true, clock);
    const ledger = new StateLedger({ store, clock });
    await ledger.acquire(route, provider);
    await ledger.acquire(route, provider);
    // Two successes recorded side by side: both early reads see the same version; the second CAS must retry.
    await Promise.all([ledger.recordSuccess(route, provider, SUCCESS, policies), ledger.recordSuccess(route, provider, SUCCESS, policies)]);
    const snapshot = await ledger.snapshot(route, policies);
    expect(snapshot.usage.tokensDay).toBe(30);
    expect(snapshot.windowSamples).toBe(2);
    ledger.close();
  });
});
