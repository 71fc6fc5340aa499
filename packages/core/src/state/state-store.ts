import { ModelMeshError, formatMessage } from "../errors/model-mesh-error.js";

/**
 * Options of a write. `expireAt` is an ABSOLUTE instant (epoch ms, from the injected clock), never a
 * relative duration, so a value persisted and reloaded after a restart still expires at the right time.
 */
export interface StateWriteOptions {
  /** Epoch ms after which the entry is invisible (Redis `PEXPIREAT`). Undefined = never expires. */
  expireAt?: number;
}

/** A value read together with its version, for {@link StateStore.compareAndSet}. */
export interface VersionedValue<T> {
  /** The value; undefined when the key is absent or expired. */
  value?: T;
  /**
   * Opaque version of the entry. `0` means "absent". Every write gives the key a version that differs from
   * every version a reader may still hold (the memory store uses a store-wide counter, so a key deleted and
   * re-created never repeats a version: no ABA).
   */
  version: number;
}

/** One entry of a snapshot produced by {@link StateStore.export}. */
export interface StateSnapshotEntry {
  /** The JSON-serialisable value. */
  value: unknown;
  /** Absolute expiry (epoch ms), if the entry has one. */
  expireAt?: number;
}

/** A whole store as plain JSON: key → entry. */
export type StateSnapshot = Record<string, StateSnapshotEntry>;

/** One operation of {@link StateStore.incrementMany}. */
export interface IncrementOp {
  key: string;
  /** Amount to add (may be negative or fractional). */
  by: number;
  /** Absolute expiry to set on the counter. */
  expireAt?: number;
}

/**
 * The atomic primitive layer under the state ledger. Memory (default), local-file and Redis backends
 * implement it; the ledger is written only against these operations, so the same routing state code runs
 * on one process or on many proxy instances sharing Redis.
 *
 * Contract for every backend:
 * - all methods are async and every single operation is atomic;
 * - values are JSON-serialisable, and callers treat them as IMMUTABLE (the memory store keeps references
 *   to avoid copying on the hot path; never mutate an object you passed in or got back);
 * - an entry whose `expireAt` ≤ `clock.now()` is indistinguishable from an absent one.
 *
 * Redis mapping: `get`/`set` → GET / SET PX|PXAT; `increment` → INCRBYFLOAT + PEXPIREAT (MULTI);
 * `setIfAbsent` → SET NX PXAT; `compareAndSet` → a Lua script over a `{v, d}` hash (or WATCH/MULTI);
 * `keys` → SCAN MATCH prefix*; `getMany` → MGET; `incrementMany` → one pipeline.
 */
export interface StateStore {
  /** Reads a value; undefined when absent or expired. */
  get<T>(key: string): Promise<T | undefined>;
  /** Writes a value unconditionally, replacing any expiry with `options.expireAt`. */
  set<T>(key: string, value: T, options?: StateWriteOptions): Promise<void>;
  /** Reads a value and its version (0 when absent). */
  getVersioned<T>(key: string): Promise<VersionedValue<T>>;
  /**
   * Writes `value` only if the key's version is still `expectedVersion` (0 = "only if absent").
   * Returns false, writing nothing, when someone else wrote in between.
   */
  compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: StateWriteOptions): Promise<boolean>;
  /**
   * Adds `by` to a numeric counter (absent counts as 0) and returns the new value. Fractions are allowed
   * (USD). When `options.expireAt` is given it is (re)set on the counter. Throws if the value is not a number.
   */
  increment(key: string, by: number, options?: StateWriteOptions): Promise<number>;
  /** Writes only if the key is absent (or expired); true when this call wrote. Used for leases and "once" markers. */
  setIfAbsent<T>(key: string, value: T, options: { expireAt: number }): Promise<boolean>;
  /** Removes a key; true if a live entry existed. */
  delete(key: string): Promise<boolean>;
  /** Live keys starting with `prefix`, in no particular order. */
  keys(prefix: string): Promise<string[]>;
  /** Optional batch read (Redis MGET); same result as `get` on each key. */
  getMany?<T>(keys: readonly string[]): Promise<Array<T | undefined>>;
  /** Optional batch increment (one pipeline); each op is atomic on its own, the batch is not a transaction. */
  incrementMany?(ops: readonly IncrementOp[]): Promise<number[]>;
  /**
   * Optional atomic read-modify-write in one step, for backends that can run `fn` under their own lock
   * (the memory store runs it synchronously). {@link updateState} prefers it to a compare-and-set loop.
   * `fn` follows the rules of `updateState`.
   */
  update?<T>(key: string, fn: (current: T | undefined) => T | undefined, options?: StateWriteOptions): Promise<UpdateStateResult<T>>;
  /** Optional: every live entry as JSON, for snapshots ({@link StateSync}). */
  export?(): Promise<StateSnapshot>;
  /**
   * Optional: loads a snapshot. Entries already expired are skipped; existing keys not in the snapshot are
   * kept unless `options.replace` is true.
   */
  import?(snapshot: StateSnapshot, options?: { replace?: boolean }): Promise<void>;
  /**
   * Optional change feed: calls `listener` after every write or removal of a key starting with `prefix`, by
   * any client of the store, with the value now stored (undefined once removed or expired). Returns a function
   * that stops it. The state ledger uses it to keep its index of out-of-service routes and providers fresh
   * when others write (`AvailabilityIndex`, availability-index.ts); without it the ledger re-reads those
   * records periodically. Redis: keyspace notifications, or a channel the writers publish to, then a GET.
   */
  watch?(prefix: string, listener: (key: string, value: unknown) => void): () => void;
  /** Optional: releases connections or timers. */
  close?(): Promise<void>;
  /**
   * True when operations issued one after another without awaiting are applied in the order issued (a read
   * issued after a write, in the same tick, sees it): one connection to Redis, or an in-process store. The
   * ledger then sends dependent operations together instead of waiting for each answer (one round trip instead
   * of several). Absent or false: the ledger waits for each answer before sending what depends on it.
   */
  readonly ordered?: boolean;
}

/** Options of {@link updateState}. */
export interface UpdateStateOptions extends StateWriteOptions {
  /** Compare-and-set attempts before giving up. Default 32. */
  maxAttempts?: number;
}

/** What {@link updateState} committed. */
export interface UpdateStateResult<T> {
  /** The value now stored (the current one when nothing was written). */
  value: T | undefined;
  /** The value the committed update was computed from. */
  previous: T | undefined;
  /** False when `fn` returned its input (or undefined) and nothing was written. */
  written: boolean;
}

/**
 * Atomic read-modify-write of one key. Uses {@link StateStore.update} when the backend has it; otherwise
 * reads the value and its version, computes `fn(current)`, and writes it with
 * {@link StateStore.compareAndSet}, retrying from a fresh read on conflict. Updates of the same key from
 * this process are queued one after another first, so compare-and-set only ever races other processes
 * (without the queue, N updates in lockstep need N rounds each).
 *
 * `fn` must be pure (it may run several times) and must not mutate `current`: return a new object, or
 * return `current` itself (or undefined) to write nothing. Throws `MM_INTERNAL` after `maxAttempts`
 * conflicts, which only happens under pathological cross-process contention on one key.
 *
 * @example
 * const { value } = await updateState<number>(store, "hits", (n) => (n ?? 0) + 1);
 */
export function updateState<T>(
  store: StateStore,
  key: string,
  fn: (current: T | undefined) => T | undefined,
  options: UpdateStateOptions = {},
): Promise<UpdateStateResult<T>> {
  return updateStateFrom(store, key, fn, options, undefined);
}

/**
 * {@link updateState} whose first compare-and-set attempt starts from `firstRead`, a `getVersioned(key)` the
 * caller sent earlier (together with other operations, to save a round trip). A stale first read only costs
 * one more attempt: the compare-and-set fails and the loop reads again. Internal to the state ledger.
 */
export function updateStateFrom<T>(
  store: StateStore,
  key: string,
  fn: (current: T | undefined) => T | undefined,
  options: UpdateStateOptions,
  firstRead: Promise<VersionedValue<T>> | undefined,
): Promise<UpdateStateResult<T>> {
  // Not `async`: the backend's own promise is handed back as is (one promise less per update on the hot path).
  try {
    if (store.update) {
      firstRead?.catch(() => {});
      return store.update(key, fn, options);
    }
    if (firstRead !== undefined && queues.get(store)?.has(key)) {
      // Another update of this key from this process is queued: the early read predates it.
      firstRead.catch(() => {});
      firstRead = undefined;
    }
    return serialised(store, key, () => casLoop(store, key, fn, options, firstRead));
  } catch (error) {
    return Promise.reject(error);
  }
}

async function casLoop<T>(
  store: StateStore,
  key: string,
  fn: (current: T | undefined) => T | undefined,
  options: UpdateStateOptions,
  firstRead: Promise<VersionedValue<T>> | undefined,
): Promise<UpdateStateResult<T>> {
  const maxAttempts = options.maxAttempts ?? 32;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = attempt === 0 && firstRead !== undefined ? await firstRead : await store.getVersioned<T>(key);
    const next = fn(current.value);
    if (next === undefined || next === current.value) {
      return { value: current.value, previous: current.value, written: false };
    }
    if (await store.compareAndSet(key, current.version, next, options)) {
      return { value: next, previous: current.value, written: true };
    }
  }
  throw new ModelMeshError({
    code: "MM_INTERNAL",
    category: "internal",
    message: formatMessage(
      "state",
      `updating "${key}" lost ${maxAttempts} compare-and-set races in a row`,
      "Reduce contention on this key or raise maxAttempts.",
    ),
  });
}

/** Per store, per key: the tail of this process's queue of updates. */
const queues = /* @__PURE__ */ new WeakMap<StateStore, Map<string, Promise<void>>>();

function serialised<R>(store: StateStore, key: string, run: () => Promise<R>): Promise<R> {
  let byKey = queues.get(store);
  if (byKey === undefined) {
    byKey = new Map();
    queues.set(store, byKey);
  }
  const previous = byKey.get(key);
  const result = previous === undefined ? run() : previous.then(run);
  const tail = result.then(
    () => {},
    () => {},
  );
  byKey.set(key, tail);
  void tail.then(() => {
    if (byKey.get(key) === tail) byKey.delete(key);
  });
  return result;
}
