import { MeshEventBus } from "../events/events.js";
import type { MeshEvent, MeshEventType } from "../events/events.js";
import { createManualClock } from "../internal/clock.js";
import type { ManualClock } from "../internal/clock.js";
import { StateLedger } from "./ledger.js";
import type { StateLedgerOptions } from "./ledger.js";
import type { StateStore } from "./state-store.js";
import type { LedgerPolicies, ProviderDescriptor, RouteDescriptor } from "./ledger-types.js";
import { MemoryStateStore } from "./memory-store.js";
import { createCooldownRecovery, createThresholdDeactivation } from "./policies.js";
import type { ThresholdDeactivationOptions } from "./policies.js";

/** Test fixture: a ledger on a memory store with a manual clock and a recording event bus. Not exported from the package. */
export interface LedgerKit {
  clock: ManualClock;
  store: MemoryStateStore;
  ledger: StateLedger;
  events: MeshEvent[];
  policies: LedgerPolicies;
  route: RouteDescriptor;
  provider: ProviderDescriptor;
  /** Events of one type, in order. */
  of<T extends MeshEventType>(type: T): Array<Extract<MeshEvent, { type: T }>>;
}

/** Builds a {@link LedgerKit}. Time starts at 2026-01-10T12:00:00Z unless `start` is given. */
export function ledgerKit(
  options: {
    start?: number;
    route?: Partial<RouteDescriptor>;
    provider?: Partial<ProviderDescriptor>;
    threshold?: ThresholdDeactivationOptions;
    ledger?: Partial<StateLedgerOptions>;
    /** Give the ledger only the required primitives (no update/getMany/incrementMany), as a Redis backend might. */
    primitivesOnly?: boolean;
  } = {},
): LedgerKit {
  const clock = createManualClock(options.start ?? Date.UTC(2026, 0, 10, 12));
  const store = new MemoryStateStore({ clock });
  const bus = new MeshEventBus();
  const events: MeshEvent[] = [];
  bus.on("*", (event) => events.push(event));
  const ledgerStore = options.primitivesOnly ? primitivesOnly(store) : store;
  const ledger = new StateLedger({ store: ledgerStore, clock, events: bus, ...options.ledger });
  return {
    clock,
    store,
    ledger,
    events,
    policies: { deactivation: createThresholdDeactivation(options.threshold), recovery: createCooldownRecovery() },
    route: { routeId: "acme/m1", providerId: "acme", modelId: "acme.m1", upstreamModel: "m1", order: 0, ...options.route },
    provider: { providerId: "acme", ...options.provider },
    of: <T extends MeshEventType>(type: T) => events.filter((e): e is Extract<MeshEvent, { type: T }> => e.type === type),
  };
}

/** A routine server failure report. */
export const SERVER_ERROR = { category: "server", status: 500, latencyMs: 20 } as const;

/** A routine success report. */
export const SUCCESS = { latencyMs: 100, promptTokens: 10, completionTokens: 5, costUsd: 0 } as const;

/** The store seen through the required primitives only, each answered after an extra turn of the event loop's microtask queue. */
export function primitivesOnly(inner: StateStore): StateStore {
  const later = async <T>(run: () => Promise<T>): Promise<T> => {
    await Promise.resolve();
    return run();
  };
  return {
    get: (k) => later(() => inner.get(k)),
    set: (k, v, o) => later(() => inner.set(k, v, o)),
    getVersioned: (k) => later(() => inner.getVersioned(k)),
    compareAndSet: (k, ver, v, o) => later(() => inner.compareAndSet(k, ver, v, o)),
    increment: (k, by, o) => later(() => inner.increment(k, by, o)),
    setIfAbsent: (k, v, o) => later(() => inner.setIfAbsent(k, v, o)),
    delete: (k) => later(() => inner.delete(k)),
    keys: (p) => later(() => inner.keys(p)),
  };
}
