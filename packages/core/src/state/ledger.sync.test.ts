import { promiseHooks } from "node:v8";
import { describe, expect, it, vi } from "vitest";
import { MeshEventBus } from "../events/events.js";
import type { MeshEvent } from "../events/events.js";
import { createManualClock } from "../internal/clock.js";
import type { ManualClock } from "../internal/clock.js";
import { StateLedger } from "./ledger.js";
import { SERVER_ERROR, SUCCESS, ledgerKit, primitivesOnly } from "./ledger-test-kit.js";
import type { LedgerPolicies, ProviderDescriptor, RouteDescriptor } from "./ledger-types.js";
import { MemoryStateStore, syncStateOf } from "./memory-store.js";
import { createCooldownRecovery, createThresholdDeactivation } from "./policies.js";
import type { StateStore } from "./state-store.js";

/** A memory store the ledger can only reach through the async StateStore interface (a subclass gets no facade). */
class SubclassedStore extends MemoryStateStore {}

type StoreKind = "memory" | "subclass" | "primitives";

interface Fixture {
  clock: ManualClock;
  ledger: StateLedger;
  events: MeshEvent[];
  policies: LedgerPolicies;
  route: RouteDescriptor;
  provider: ProviderDescriptor;
}

function fixture(kind: StoreKind): Fixture {
  const clock = createManualClock(Date.UTC(2026, 0, 10, 12, 0, 10));
  const memory = kind === "subclass" ? new SubclassedStore({ clock }) : new MemoryStateStore({ clock });
  const store: StateStore = kind === "primitives" ? primitivesOnly(memory) : memory;
  const bus = new MeshEventBus();
  const events: MeshEvent[] = [];
  bus.on("*", (event) => events.push(event));
  return {
    clock,
    ledger: new StateLedger({ store, clock, events: bus }),
    events,
    policies: { deactivation: createThresholdDeactivation(), recovery: createCooldownRecovery() },
    route: { routeId: "acme/m1", providerId: "acme", modelId: "acme.m1", upstreamModel: "m1", order: 0, limits: { requestsPerMinute: 6 } },
    provider: { providerId: "acme" },
  };
}

/** One ledger's life through standby, probe, quota, learned limit and endpoint probation: every result, then every event. */
async function scenario(kind: StoreKind): Promise<unknown[]> {
  const { clock, ledger, events, policies, route, provider } = fixture(kind);
  const log: unknown[] = [];
  const step = async (name: string, result: Promise<unknown>) => log.push([name, await result]);
  await step("snapshot", ledger.snapshot(route, policies));
  for (let i = 0; i < 3; i++) {
    await step("acquire", ledger.acquire(route, provider));
    await step("failure", ledger.recordFailure(route, provider, SERVER_ERROR, policies));
    await step("release", ledger.release(route));
  }
  await step("acquire parked", ledger.acquire(route, provider));
  clock.advance(60_000);
  await step("snapshot due", ledger.snapshot(route, policies));
  const probe = await ledger.acquire(route, provider);
  log.push(["probe", probe]);
  await step("second probe", ledger.acquire(route, provider));
  await step("probe success", ledger.recordSuccess(route, provider, SUCCESS, policies));
  await step("release probe", ledger.release(route, probe));
  for (let i = 0; i < 7; i++) {
    const ticket = await ledger.acquire(route, provider);
    log.push(["quota acquire", ticket]);
    if (ticket.ok) {
      await step("success", ledger.recordSuccess(route, provider, { ...SUCCESS, costUsd: 0.01 }, policies));
      await step("release", ledger.release(route, ticket));
    }
  }
  await step("usage", ledger.quotaUsage(route));
  clock.advance(60_000);
  await ledger.learnRateLimit(route, { remainingRequests: 0, resetRequestsMs: 3_000 });
  await step("acquire limited", ledger.acquire(route, provider));
  clock.advance(3_000);
  log.push(["endpoint parked", await ledger.parkEndpoint(provider.providerId)]);
  await step("acquire endpoint parked", ledger.acquire(route, provider));
  clock.advance(5_000);
  const endpointProbe = await ledger.acquire(route, provider);
  log.push(["endpoint probe", endpointProbe]);
  await step("endpoint busy", ledger.acquire(route, provider));
  await ledger.endpointReachable(provider.providerId);
  await step("endpoint success", ledger.recordSuccess(route, provider, SUCCESS, policies));
  await step("release endpoint probe", ledger.release(route, endpointProbe));
  await step("snapshot end", ledger.snapshot(route, policies));
  log.push(["events", events]);
  return log;
}

/** Promises created while `run` runs synchronously (on the memory store the ledger's whole work). */
function promisesMadeBy(run: () => unknown): number {
  let made = 0;
  const stop = promiseHooks.onInit(() => {
    made++;
  });
  try {
    run();
  } finally {
    stop();
  }
  return made;
}

describe("StateLedger on the synchronous memory-store path", () => {
  it("gives the same results and events as through the async StateStore interface (batched and primitives-only)", async () => {
    const memory = await scenario("memory");
    expect(memory).toEqual(await scenario("subclass"));
    expect(memory).toEqual(await scenario("primitives"));
    // The scenario covers what it claims to.
    const events = (memory.at(-1) as [string, MeshEvent[]])[1].map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(["route-deactivated", "route-recovered", "quota-exhausted", "provider-deactivated", "provider-recovered"]));
  });

  it("a request's snapshot, acquire and recordSuccess create one promise each, release none", async () => {
    const { ledger, route, provider, policies } = ledgerKit();
    // Warm up (window plans, key lists).
    await ledger.snapshot(route, policies);
    await ledger.acquire(route, provider);
    await ledger.recordSuccess(route, provider, SUCCESS, policies);
    await ledger.release(route);

    let snapshot: Promise<unknown> = Promise.resolve();
    let ticket: Promise<unknown> = Promise.resolve();
    let recorded: Promise<unknown> = Promise.resolve();
    expect(promisesMadeBy(() => (snapshot = ledger.snapshot(route, policies)))).toBe(1);
    expect(promisesMadeBy(() => (ticket = ledger.acquire(route, provider)))).toBe(1);
    expect(promisesMadeBy(() => (recorded = ledger.recordSuccess(route, provider, SUCCESS, policies)))).toBe(1);
    expect(promisesMadeBy(() => void ledger.release(route))).toBe(0);
    expect(await snapshot).toMatchObject({ status: "active", inFlight: 0 });
    expect(await ticket).toEqual({ ok: true, probe: false });
    expect(await recorded).toEqual({ stateChanges: [] });
    expect(await ledger.quotaUsage(route)).toMatchObject({ requestsMinute: 2, tokensMinute: 30 });
  });

  it("a store error on the synchronous path is a rejection, never a throw", async () => {
    const { ledger, store, route, provider, policies } = ledgerKit();
    await ledger.acquire(route, provider);
    await ledger.recordSuccess(route, provider, SUCCESS, policies);
    // Corrupt the request and token counters: incrementing them fails.
    for (const key of await store.keys("mm:q:r:acme/m1:")) await store.set(key, "not a number");
    let ticket: Promise<unknown> | undefined;
    let recorded: Promise<unknown> | undefined;
    expect(() => (ticket = ledger.acquire(route, provider))).not.toThrow();
    expect(() => (recorded = ledger.recordSuccess(route, provider, SUCCESS, policies))).not.toThrow();
    await expect(ticket).rejects.toMatchObject({ code: "MM_INTERNAL" });
    await expect(recorded).rejects.toMatchObject({ code: "MM_INTERNAL" });
  });

  it("only a plain MemoryStateStore has the synchronous facade", async () => {
    const clock = createManualClock(0);
    const store = new MemoryStateStore({ clock });
    const sync = syncStateOf(store)!;
    expect(sync).toBeDefined();
    expect(syncStateOf(new SubclassedStore({ clock }))).toBeUndefined();
    expect(syncStateOf(primitivesOnly(store))).toBeUndefined();
    const spied = new MemoryStateStore({ clock });
    vi.spyOn(spied, "getMany");
    expect(syncStateOf(spied)).toBeUndefined();
    // The facade and the async methods share one implementation.
    expect(sync.incrementMany([{ key: "n", by: 2, expireAt: 1_000 }])).toEqual([2]);
    expect(await store.getMany(["n", "m"])).toEqual([2, undefined]);
    expect(sync.setIfAbsent("lease", "a", { expireAt: 500 })).toBe(true);
    expect(await store.setIfAbsent("lease", "b", { expireAt: 500 })).toBe(false);
    expect(sync.update<number>("n", (n) => (n ?? 0) + 1, { expireAt: 1_000 })).toEqual({ value: 3, previous: 2, written: true });
    clock.set(1_000);
    expect(sync.get("n")).toBeUndefined();
    expect(sync.setIfAbsent("text", "a", { expireAt: 5_000 })).toBe(true);
    expect(() => sync.incrementMany([{ key: "text", by: 1 }])).toThrow(expect.objectContaining({ code: "MM_INTERNAL" }) as Error);
  });
});
