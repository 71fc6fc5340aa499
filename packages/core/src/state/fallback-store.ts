import { isModelMeshError, type ModelMeshError } from "../errors/model-mesh-error.js";
import type { Clock } from "../internal/clock.js";
import { systemClock } from "../internal/clock.js";
import { MemoryStateStore } from "./memory-store.js";
import type { IncrementOp, StateSnapshot, StateStore, StateWriteOptions, VersionedValue } from "./state-store.js";

/**
 * What the mesh does when its shared (live) state store cannot be reached (`storage.on_store_failure`):
 * `local` keeps serving on state held in this process and reconciles when the store returns; `fail` fails
 * the requests that need the store with `MM_STORE_UNAVAILABLE`.
 */
export type StoreFailurePolicy = "local" | "fail";

/** Every policy once, so the config schema cannot drift from the type. */
export const STORE_FAILURE_POLICIES: Readonly<Record<StoreFailurePolicy, true>> = Object.freeze({ local: true, fail: true });

/**
 * The state store's condition, as `/readyz` and `Mesh.storeStatus()` report it:
 * - `ok`: the store answers (or the store is this process's memory);
 * - `degraded`: the live store is unreachable and the mesh serves on local state (policy `local`); for a
 *   snapshot store, background saves are failing (the changes stay pending for the next save);
 * - `unavailable`: the live store is unreachable and requests that need it fail (policy `fail`).
 */
export interface StoreStatus {
  /** `memory` (this process only), `snapshot` (a memory store synced to a storage connector) or `live` (shared). */
  kind: "memory" | "snapshot" | "live";
  state: "ok" | "degraded" | "unavailable";
  /** The live store's failure policy (live stores only). */
  policy?: StoreFailurePolicy;
  /** Since when (epoch ms) the store has been in `state`, when not `ok`. */
  since?: number;
  /** Why the store is out: the last failure's code and message (never a secret: store errors redact URLs). */
  error?: { code: string; message: string };
  /** Reconciliations done since start: local counts and records written back to the live store. */
  reconciliations: number;
}

/** Options of {@link FallbackStateStore}. */
export interface FallbackStateStoreOptions {
  /** The shared store (e.g. Redis). Its failures must be `ModelMeshError`s with code `MM_STORE_UNAVAILABLE`. */
  live: StateStore;
  policy: StoreFailurePolicy;
  /** Time source of the recheck timer and the local store's expiry. Default: the system clock. */
  clock?: Clock;
  /** First wait before rechecking an unreachable store, in ms; doubles up to {@link maxRecheckMs}. Default 250. */
  recheckMs?: number;
  /** Longest wait between two rechecks, in ms. Default 2000. */
  maxRecheckMs?: number;
  /** Most keys whose last seen value is remembered to seed local state. Default 10 000. */
  maxRemembered?: number;
  /** Called on each change of {@link FallbackStateStore.status}'s `state`. */
  onStatus?: (status: StoreStatus) => void;
}

/** The key read to check that the live store answers again (never written). */
const PING_KEY = "__modelmesh_store_ping";

interface Remembered {
  value: unknown;
  expireAt: number | undefined;
}

interface Delta {
  by: number;
  expireAt: number | undefined;
}

/** Whether `error` says the store could not be reached (not a bad value, not a bug). */
export function isStoreUnavailable(error: unknown): boolean {
  return isModelMeshError(error) && error.code === "MM_STORE_UNAVAILABLE";
}

/**
 * A live (shared) {@link StateStore} with a failure policy (docs/state-stores.md, docs/ARCHITECTURE.md §2.9).
 *
 * While the live store answers, every operation goes to it and this wrapper only remembers the last value it
 * saw of each key (bounded), so that an outage starts from what this instance knew, not from zero.
 *
 * On the first operation that fails with `MM_STORE_UNAVAILABLE`:
 * - policy `fail`: the error propagates (the request fails with a typed 503-class error); the status is
 *   `unavailable` until an operation succeeds again (a background recheck notices without traffic).
 * - policy `local`: the operation is replayed on a local memory store seeded with the remembered values, and so
 *   is every operation after it; the status is `degraded`. The wrapper records what it counted locally (counter
 *   increments) and which records it wrote. A background recheck (250 ms doubling to 2 s) pings the live store;
 *   once it answers, the local counts are ADDED to the live counters and the locally written records are written
 *   over the live ones (last writer wins), then operations go live again. Leases and once-per-window markers
 *   (`setIfAbsent`) stay local: they expire on their own, and a local lease must not block other instances.
 *
 * The bound: during an outage each of N instances admits against its own counts, starting from the last value
 * it saw, so a request quota can be exceeded by at most (N − 1) × its cap in a window the outage spans (with a
 * single instance, not at all); after reconciliation the live counters hold every request made, so admission is
 * exact again and the overspend is visible in the counters. An increment whose reply was lost to a timeout may
 * have been applied on the server and is then counted twice: the error is always on the side of refusing.
 */
export class FallbackStateStore implements StateStore {
  readonly #live: StateStore;
  readonly #policy: StoreFailurePolicy;
  readonly #clock: Clock;
  readonly #recheckMs: number;
  readonly #maxRecheckMs: number;
  readonly #maxRemembered: number;
  readonly #onStatus: ((status: StoreStatus) => void) | undefined;
  /** Last seen value of each key (insertion order = age; the oldest are dropped past the bound). */
  readonly #seen = new Map<string, Remembered>();
  /** The local store while the live one is out (policy `local`). */
  #local: MemoryStateStore | undefined;
  /** Counter increments made locally and not yet written back. */
  #deltas = new Map<string, Delta>();
  /** Records written (or removed) locally and not yet written back. */
  #dirty = new Set<string>();
  #watchers: Array<{ prefix: string; listener: (key: string, value: unknown) => void; offLocal?: () => void }> = [];
  #state: StoreStatus["state"] = "ok";
  #since: number | undefined;
  #error: { code: string; message: string } | undefined;
  #reconciliations = 0;
  #cancelRecheck: (() => void) | undefined;
  #recheckDelay: number;
  #reconciling = false;
  #closed = false;

  constructor(options: FallbackStateStoreOptions) {
    this.#live = options.live;
    this.#policy = options.policy;
    this.#clock = options.clock ?? systemClock;
    this.#recheckMs = options.recheckMs ?? 250;
    this.#maxRecheckMs = options.maxRecheckMs ?? 2_000;
    this.#maxRemembered = options.maxRemembered ?? 10_000;
    this.#onStatus = options.onStatus;
    this.#recheckDelay = this.#recheckMs;
    // Without a change feed on the live store, the wrapper has none either: readers then poll (docs/ARCHITECTURE.md §2.9).
    if (this.#live.watch === undefined) Object.defineProperty(this, "watch", { value: undefined });
  }

  /** Ordered like the live store (the local one is ordered too). */
  get ordered(): boolean {
    return this.#live.ordered === true;
  }

  /** The live store's condition (see {@link StoreStatus}). */
  get status(): StoreStatus {
    return {
      kind: "live",
      state: this.#state,
      policy: this.#policy,
      ...(this.#since !== undefined ? { since: this.#since } : {}),
      ...(this.#error !== undefined ? { error: this.#error } : {}),
      reconciliations: this.#reconciliations,
    };
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.#run(
      (store) => store.get<T>(key),
      (value) => this.#remember(key, value, undefined, false),
    );
  }

  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return this.#run(
      (store) => (store.getMany ? store.getMany<T>(keys) : Promise.all(keys.map((key) => store.get<T>(key)))),
      (values) => {
        for (let i = 0; i < keys.length; i++) this.#remember(keys[i]!, values[i], undefined, false);
      },
    );
  }

  set<T>(key: string, value: T, options?: StateWriteOptions): Promise<void> {
    return this.#run(
      (store) => store.set(key, value, options),
      () => this.#remember(key, value, options?.expireAt, true),
      () => this.#dirty.add(key),
    );
  }

  getVersioned<T>(key: string): Promise<VersionedValue<T>> {
    return this.#run(
      (store) => store.getVersioned<T>(key),
      (read) => this.#remember(key, read.value, undefined, false),
    );
  }

  compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: StateWriteOptions): Promise<boolean> {
    return this.#run(
      (store) => store.compareAndSet(key, expectedVersion, value, options),
      (done) => {
        if (done) this.#remember(key, value, options?.expireAt, true);
      },
      () => this.#dirty.add(key),
    );
  }

  increment(key: string, by: number, options?: StateWriteOptions): Promise<number> {
    return this.#run(
      (store) => store.increment(key, by, options),
      (value) => this.#remember(key, value, options?.expireAt, true),
      () => this.#count(key, by, options?.expireAt),
    );
  }

  incrementMany(ops: readonly IncrementOp[]): Promise<number[]> {
    return this.#run(
      (store) => (store.incrementMany ? store.incrementMany(ops) : Promise.all(ops.map((op) => store.increment(op.key, op.by, { expireAt: op.expireAt })))),
      (values) => {
        for (let i = 0; i < ops.length; i++) this.#remember(ops[i]!.key, values[i], ops[i]!.expireAt, true);
      },
      () => {
        for (const op of ops) this.#count(op.key, op.by, op.expireAt);
      },
    );
  }

  setIfAbsent<T>(key: string, value: T, options: { expireAt: number }): Promise<boolean> {
    // Leases and markers: remembered while live, never written back after an outage (they expire by themselves).
    return this.#run(
      (store) => store.setIfAbsent(key, value, options),
      (done) => {
        if (done) this.#remember(key, value, options.expireAt, true);
      },
    );
  }

  delete(key: string): Promise<boolean> {
    // A removal is written back only for a record written during the outage (it is dirty already), never
    // for a lease's release.
    return this.#run(
      (store) => store.delete(key),
      () => this.#seen.delete(key),
    );
  }

  keys(prefix: string): Promise<string[]> {
    return this.#run((store) => store.keys(prefix));
  }

  async export(): Promise<StateSnapshot> {
    return this.#run((store) => {
      if (!store.export) throw new TypeError(`[modelmesh] [state] the live state store has no export()`);
      return store.export();
    });
  }

  async import(snapshot: StateSnapshot, options?: { replace?: boolean }): Promise<void> {
    return this.#run((store) => {
      if (!store.import) throw new TypeError(`[modelmesh] [state] the live state store has no import()`);
      return store.import(snapshot, options);
    });
  }

  watch(prefix: string, listener: (key: string, value: unknown) => void): () => void {
    const watcher: { prefix: string; listener: (key: string, value: unknown) => void; offLocal?: () => void } = { prefix, listener };
    const offLive = this.#live.watch!(prefix, listener);
    if (this.#local) watcher.offLocal = this.#local.watch(prefix, listener);
    this.#watchers = [...this.#watchers, watcher];
    return () => {
      offLive();
      watcher.offLocal?.();
      this.#watchers = this.#watchers.filter((w) => w !== watcher);
    };
  }

  /** Stops rechecking and closes the live store (and drops local state). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelRecheck?.();
    this.#cancelRecheck = undefined;
    this.#dropLocal();
    await this.#live.close?.();
  }

  /**
   * Runs `operation` on the live store, or on the local one during an outage (policy `local`). `seen` records
   * what a live answer revealed; `local` records, before the local operation runs, what it may change for the
   * write-back (before, not after: a write-back pass that ends between the operation and its answer must
   * still see it).
   */
  async #run<R>(operation: (store: StateStore) => Promise<R>, seen?: (result: R) => void, local?: () => void): Promise<R> {
    if (this.#local === undefined) {
      try {
        const result = await operation(this.#live);
        if (this.#state === "unavailable") this.#restored();
        seen?.(result);
        return result;
      } catch (error) {
        if (!isStoreUnavailable(error) || this.#closed) throw error;
        this.#failed(error as ModelMeshError);
        if (this.#policy === "fail" || this.#local === undefined) throw error;
      }
    }
    local?.();
    return operation(this.#local!);
  }

  #remember(key: string, value: unknown, expireAt: number | undefined, written: boolean): void {
    if (value === undefined) {
      this.#seen.delete(key);
      return;
    }
    const known = this.#seen.get(key);
    // A read does not reveal the expiry: keep the one a write told us.
    const entry: Remembered = { value, expireAt: written ? expireAt : known?.expireAt };
    if (known !== undefined) this.#seen.delete(key);
    else if (this.#seen.size >= this.#maxRemembered) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(key, entry);
  }

  #count(key: string, by: number, expireAt: number | undefined): void {
    const delta = this.#deltas.get(key);
    if (delta === undefined) this.#deltas.set(key, { by, expireAt });
    else {
      delta.by += by;
      if (expireAt !== undefined && (delta.expireAt === undefined || expireAt > delta.expireAt)) delta.expireAt = expireAt;
    }
  }

  /** The live store failed: go local (policy `local`) or mark it unavailable (`fail`), and start rechecking. */
  #failed(error: ModelMeshError): void {
    this.#error = { code: error.code, message: error.message };
    if (this.#state !== "ok") return;
    if (this.#policy === "local") this.#goLocal();
    this.#state = this.#policy === "local" ? "degraded" : "unavailable";
    this.#since = this.#clock.now();
    this.#recheckDelay = this.#recheckMs;
    this.#scheduleRecheck();
    this.#onStatus?.(this.status);
  }

  #goLocal(): void {
    const local = new MemoryStateStore({ clock: this.#clock });
    const now = this.#clock.now();
    const seed: StateSnapshot = {};
    for (const [key, entry] of this.#seen) {
      if (entry.expireAt !== undefined && entry.expireAt <= now) continue;
      seed[key] = entry.expireAt === undefined ? { value: entry.value } : { value: entry.value, expireAt: entry.expireAt };
    }
    // The memory store's import settles synchronously.
    void local.import(seed);
    for (const watcher of this.#watchers) watcher.offLocal = local.watch(watcher.prefix, watcher.listener);
    this.#local = local;
  }

  #dropLocal(): void {
    for (const watcher of this.#watchers) {
      watcher.offLocal?.();
      watcher.offLocal = undefined;
    }
    this.#local = undefined;
  }

  #scheduleRecheck(): void {
    if (this.#closed || this.#cancelRecheck !== undefined) return;
    this.#cancelRecheck = this.#clock.setTimer(
      () => {
        this.#cancelRecheck = undefined;
        void this.#recheck();
      },
      this.#recheckDelay,
      { background: true },
    );
    this.#recheckDelay = Math.min(this.#recheckDelay * 2, this.#maxRecheckMs);
  }

  /** Pings the live store; when it answers, writes local state back (policy `local`) and goes live again. */
  async #recheck(): Promise<void> {
    if (this.#closed || this.#state === "ok" || this.#reconciling) return;
    try {
      await this.#live.get(PING_KEY);
      if (this.#local !== undefined) await this.#reconcile();
      if (this.#closed) return;
      this.#restored();
    } catch (error) {
      if (isStoreUnavailable(error)) this.#error = { code: (error as ModelMeshError).code, message: (error as ModelMeshError).message };
      this.#scheduleRecheck();
    }
  }

  /**
   * Writes what was counted and recorded locally back to the live store, in passes until nothing is left
   * (operations keep landing locally meanwhile), then switches to live. On a failure the pass's work is put
   * back and the outage goes on.
   */
  async #reconcile(): Promise<void> {
    this.#reconciling = true;
    try {
      for (let pass = 0; ; pass++) {
        const deltas = this.#deltas;
        const dirty = this.#dirty;
        if (deltas.size === 0 && dirty.size === 0) break;
        if (pass >= 8) throw new Error("local state kept changing during 8 write-back passes");
        this.#deltas = new Map();
        this.#dirty = new Set();
        try {
          await this.#writeBack(deltas, dirty);
        } catch (error) {
          for (const [key, delta] of deltas) this.#count(key, delta.by, delta.expireAt);
          for (const key of dirty) this.#dirty.add(key);
          throw error;
        }
      }
      // Synchronously after the last check: no local operation can slip in between.
      this.#reconciliations++;
      this.#dropLocal();
    } finally {
      this.#reconciling = false;
    }
  }

  async #writeBack(deltas: Map<string, Delta>, dirty: Set<string>): Promise<void> {
    const live = this.#live;
    const now = this.#clock.now();
    const ops: IncrementOp[] = [];
    for (const [key, delta] of deltas) {
      if (delta.by === 0 || (delta.expireAt !== undefined && delta.expireAt <= now)) continue;
      ops.push(delta.expireAt === undefined ? { key, by: delta.by } : { key, by: delta.by, expireAt: delta.expireAt });
    }
    if (ops.length > 0) {
      if (live.incrementMany) await live.incrementMany(ops);
      else for (const op of ops) await live.increment(op.key, op.by, { expireAt: op.expireAt });
    }
    if (dirty.size === 0) return;
    const snapshot = await this.#local!.export();
    for (const key of dirty) {
      const entry = snapshot[key];
      if (entry === undefined) await live.delete(key);
      else await live.set(key, entry.value, entry.expireAt === undefined ? undefined : { expireAt: entry.expireAt });
    }
  }

  #restored(): void {
    this.#cancelRecheck?.();
    this.#cancelRecheck = undefined;
    this.#state = "ok";
    this.#since = undefined;
    this.#error = undefined;
    this.#recheckDelay = this.#recheckMs;
    this.#onStatus?.(this.status);
  }
}
