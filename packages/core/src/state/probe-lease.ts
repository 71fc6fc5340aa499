import type { Clock } from "../internal/clock.js";
import { chain } from "../internal/maybe.js";
import type { Maybe } from "../internal/maybe.js";
import type { StoreAccess } from "./store-access.js";

/**
 * Half-open probe leases: at most one probe per route at a time, across every instance sharing the store.
 * A lease is a `setIfAbsent` key holding a token unique to the holder, with an absolute expiry, so a
 * crashed probe frees the route after `leaseMs` at the latest. Used by {@link StateLedger}.
 */
export class ProbeLeases {
  readonly #store: StoreAccess;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #instanceId: string;
  #seq = 0;
  /** Leases held by this instance: route id → token. */
  readonly #held = new Map<string, string>();

  constructor(store: StoreAccess, clock: Clock, prefix: string, leaseMs: number, instanceId: string) {
    this.#store = store;
    this.#clock = clock;
    this.#prefix = prefix;
    this.#leaseMs = leaseMs;
    this.#instanceId = instanceId;
  }

  /** Takes the route's probe lease; false when someone else holds it. */
  acquire(routeId: string, now: number): Maybe<boolean> {
    const token = `${this.#instanceId}:${++this.#seq}`;
    return chain(this.#store.setIfAbsent(this.#prefix + routeId, token, { expireAt: now + this.#leaseMs }), (taken) => {
      if (taken) this.#held.set(routeId, token);
      return taken;
    });
  }

  /** True while this instance holds the route's lease. */
  holds(routeId: string): boolean {
    return this.#held.has(routeId);
  }

  /**
   * Ends this instance's lease `graceMs` from now, only if the lease is still ours (compare-and-set on the
   * token: a lease that expired and was taken by another request is left alone). No-op when not held.
   */
  release(routeId: string, graceMs: number): Maybe<void> {
    const token = this.#held.get(routeId);
    if (token === undefined) return;
    this.#held.delete(routeId);
    const key = this.#prefix + routeId;
    return chain(this.#store.getVersioned<string>(key), (lease) => {
      if (lease.value !== token) return;
      // An entry expiring now is invisible at once: compare-and-delete with the primitives we have.
      return chain(this.#store.compareAndSet(key, lease.version, token, { expireAt: this.#clock.now() + Math.max(0, graceMs) }), () => {});
    });
  }

  /** Drops any lease on the route, whoever holds it (manual reactivation). */
  async clear(routeId: string): Promise<void> {
    this.#held.delete(routeId);
    await this.#store.delete(this.#prefix + routeId);
  }

  /** True for lease keys (they belong to live processes and are not persisted in snapshots). */
  isLeaseKey(key: string): boolean {
    return key.startsWith(this.#prefix);
  }
}
