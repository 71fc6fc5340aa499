/**
 * The ledger's index of out-of-service routes and providers: what it holds after each kind of transition, that
 * its version moves only on transitions, and how it stays fresh when someone else writes the store.
 */
import { describe, expect, it } from "vitest";
import { SERVER_ERROR, SUCCESS, ledgerKit, primitivesOnly } from "./ledger-test-kit.js";
import type { LedgerKit } from "./ledger-test-kit.js";
import { StateLedger } from "./ledger.js";

async function failTimes(kit: LedgerKit, n: number) {
  for (let i = 0; i < n; i++) {
    expect(await kit.ledger.acquire(kit.route, kit.provider)).toMatchObject({ ok: true });
    await kit.ledger.recordFailure(kit.route, kit.provider, SERVER_ERROR, kit.policies);
    await kit.ledger.release(kit.route);
  }
}

describe("StateLedger availability index", () => {
  it("lists a route while it is on standby; its version moves on transitions only", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, clock } = kit;
    const index = await ledger.availability();
    expect(index.routes.size).toBe(0);
    const v0 = index.version;

    expect(await ledger.acquire(route, provider)).toMatchObject({ ok: true });
    await ledger.recordSuccess(route, provider, SUCCESS, policies);
    await ledger.release(route);
    await failTimes(kit, 2);
    expect(index.version).toBe(v0); // successes and failures below the threshold change no status

    await failTimes(kit, 1);
    expect(index.route(route.routeId)).toEqual({ reason: "error_threshold", until: clock.now() + 60_000 });
    const parked = index.version;
    expect(parked).toBeGreaterThan(v0);

    // Its time is up: still listed (recovery is lazy) until the ledger reads the route, which half-opens it.
    clock.advance(60_000);
    expect(index.route(route.routeId)).toBeDefined();
    expect((await ledger.snapshot(route)).circuit).toBe("half-open");
    expect(index.route(route.routeId)).toBeUndefined();
    expect(index.version).toBeGreaterThan(parked);
    const back = index.version;

    // A failed probe parks it again, for longer.
    expect(await ledger.acquire(route, provider)).toEqual({ ok: true, probe: true });
    await ledger.recordFailure(route, provider, SERVER_ERROR, policies);
    await ledger.release(route);
    expect(index.route(route.routeId)).toEqual({ reason: "error_threshold", until: clock.now() + 120_000 });
    expect(index.version).toBeGreaterThan(back);

    await ledger.reactivateRoute(route.routeId);
    expect(index.route(route.routeId)).toBeUndefined();
  });

  it("lists a provider while it is parked: manual, auth failure, unreachable endpoint", async () => {
    const kit = ledgerKit();
    const { ledger, route, provider, policies, clock } = kit;
    const index = await ledger.availability();

    await ledger.deactivateProvider("acme", "manual");
    expect(index.provider("acme")).toEqual({ reason: "manual" });
    await ledger.reactivateProvider("acme");
    expect(index.provider("acme")).toBeUndefined();

    await ledger.recordFailure(route, provider, { category: "auth", status: 401, latencyMs: 5 }, policies);
    expect(index.provider("acme")).toEqual({ reason: "auth_failure" });
    await ledger.reactivateProvider("acme");

    const until = await ledger.parkEndpoint("acme");
    expect(index.provider("acme")).toEqual({ reason: "endpoint_unreachable", until });
    clock.set(until!);
    // On probation once its time is up: available again (one request probes it).
    expect(await ledger.providerStatus("acme")).toMatchObject({ status: "active", probing: true });
    expect(index.provider("acme")).toBeUndefined();
  });

  it("starts from what the store already holds", async () => {
    const kit = ledgerKit();
    await failTimes(kit, 3);
    await kit.ledger.deactivateProvider("other", "maintenance_window", kit.clock.now() + 1_000);
    const fresh = new StateLedger({ store: kit.store, clock: kit.clock });
    const index = await fresh.availability();
    expect([...index.routes.keys()]).toEqual([kit.route.routeId]);
    expect(index.provider("other")).toEqual({ reason: "maintenance_window", until: kit.clock.now() + 1_000 });
  });

  it("sees another instance's writes through the store's change feed", async () => {
    const kit = ledgerKit();
    const other = new StateLedger({ store: kit.store, clock: kit.clock });
    const index = await kit.ledger.availability();
    await other.deactivateRoute(kit.route.routeId, "manual");
    expect(index.route(kit.route.routeId)).toEqual({ reason: "manual" });
    await other.reactivateRoute(kit.route.routeId);
    expect(index.route(kit.route.routeId)).toBeUndefined();
    await other.deactivateProvider("acme", "manual");
    expect(index.provider("acme")).toEqual({ reason: "manual" });
    // A closed ledger stops following the feed.
    kit.ledger.close();
    await other.reactivateProvider("acme");
    expect(index.provider("acme")).toEqual({ reason: "manual" });
    expect((await kit.ledger.availability()).provider("acme")).toBeUndefined();
  });

  it("without a change feed, re-reads the store once the index is older than availabilityRefreshMs", async () => {
    const kit = ledgerKit();
    // This instance sees the store through the bare primitives (no `watch`), as with a Redis store.
    const ledger = new StateLedger({ store: primitivesOnly(kit.store), clock: kit.clock, availabilityRefreshMs: 5_000 });
    const index = await ledger.availability();
    await kit.ledger.deactivateRoute(kit.route.routeId, "manual");
    expect(index.route(kit.route.routeId)).toBeUndefined(); // not learned yet
    kit.clock.advance(4_999);
    expect(ledger.availabilityIfLoaded()?.route(kit.route.routeId)).toBeUndefined();
    kit.clock.advance(1);
    expect(ledger.availabilityIfLoaded()).toBe(index); // answers at once, re-reads in the background
    expect((await ledger.availability()).route(kit.route.routeId)).toEqual({ reason: "manual" });
    await kit.ledger.reactivateRoute(kit.route.routeId);
    kit.clock.advance(5_000);
    expect((await ledger.availability()).route(kit.route.routeId)).toBeUndefined();
    // What this instance writes or reads itself is learned at once.
    await ledger.deactivateRoute(kit.route.routeId, "manual");
    expect(index.route(kit.route.routeId)).toEqual({ reason: "manual" });
  });
});
