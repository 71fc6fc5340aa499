import type { DeactivationReason } from "../connectors/rotation.js";
import type { ProviderRecord, RouteRecord } from "./ledger-types.js";

/** Why, and until when, a route or a provider is out of service. */
export interface OutOfService {
  reason?: DeactivationReason;
  /** When its standby ends by itself (epoch ms); undefined = until reactivated. */
  until?: number;
}

/**
 * The routes and providers that are out of service right now (on standby: open circuit, quota, a parked
 * endpoint, an auth failure, manual), maintained by the {@link StateLedger} as it learns status transitions.
 * With it the router's state filter costs "precomputed candidates minus this index" instead of one state
 * read per candidate and request: most routes are available, so the index stays small whatever the pools hold.
 *
 * It is a local cache of the store's route and provider records. The ledger updates it from every record it
 * writes or reads, and from changes made by others (another instance sharing a Redis store, a snapshot loaded
 * by `StateSync`) through the store's `watch` feed when the store has one (the memory store has; a shared
 * store relays keyspace notifications, or a channel its writers publish each record change to), else by
 * re-reading the store's route and provider records at most every `availabilityRefreshMs`. Staleness is never
 * unsafe: `acquire` reads the authoritative record, so a route parked elsewhere is refused there and the
 * request moves on; one brought back elsewhere returns at its `until`, or with the next refresh.
 *
 * An entry whose `until` has passed is "due": the record has not been recovered yet (recovery is lazy, on the
 * next read). Readers treat it as unknown and read the route or provider through the ledger, which recovers it
 * and updates the index.
 */
export class AvailabilityIndex {
  readonly #routes = new Map<string, OutOfService>();
  readonly #providers = new Map<string, OutOfService>();
  #version = 0;

  /** Changes only on transitions: a route or provider going out, coming back, or its standby changing. */
  get version(): number {
    return this.#version;
  }

  /** Routes out of service, by route id. */
  get routes(): ReadonlyMap<string, OutOfService> {
    return this.#routes;
  }

  /** Providers out of service, by provider id. */
  get providers(): ReadonlyMap<string, OutOfService> {
    return this.#providers;
  }

  /** The route's standby, when it is out of service (or due to come back). */
  route(routeId: string): OutOfService | undefined {
    return this.#routes.get(routeId);
  }

  /** The provider's standby, when it is out of service (or due to come back). */
  provider(providerId: string): OutOfService | undefined {
    return this.#providers.get(providerId);
  }

  /** Records what a route record says (undefined: no record, i.e. active). Used by the ledger. */
  noteRoute(routeId: string, record: RouteRecord | undefined): void {
    const out = record !== undefined && record.status === "standby" && record.circuit !== "half-open";
    this.#set(this.#routes, routeId, out ? { reason: record.reason, until: record.standbyUntil } : undefined);
  }

  /** Records what a provider record says (undefined: no record, i.e. active). Used by the ledger. */
  noteProvider(providerId: string, record: ProviderRecord | undefined): void {
    const out = record !== undefined && record.status === "standby";
    this.#set(this.#providers, providerId, out ? { reason: record.reason, until: record.until } : undefined);
  }

  /** Drops every entry not in `keep` (after a full re-read of the store). */
  retain(routes: ReadonlySet<string>, providers: ReadonlySet<string>): void {
    for (const id of [...this.#routes.keys()]) if (!routes.has(id)) this.#set(this.#routes, id, undefined);
    for (const id of [...this.#providers.keys()]) if (!providers.has(id)) this.#set(this.#providers, id, undefined);
  }

  #set(map: Map<string, OutOfService>, id: string, next: OutOfService | undefined): void {
    const current = map.get(id);
    if (next === undefined) {
      if (current !== undefined) {
        map.delete(id);
        this.#version++;
      }
      return;
    }
    if (current !== undefined && current.reason === next.reason && current.until === next.until) return;
    map.set(id, next.until === undefined ? { reason: next.reason } : next);
    this.#version++;
  }
}

/** True while `entry` keeps its route or provider out at `now` (false once its `until` has passed: due). */
export function stillOut(entry: OutOfService, now: number): boolean {
  return entry.until === undefined || entry.until > now;
}
