import type { Maybe } from "../internal/maybe.js";
import { syncStateOf } from "./memory-store.js";
import type { SyncStateStore } from "./memory-store.js";
import { updateStateFrom } from "./state-store.js";
import type { IncrementOp, StateStore, StateWriteOptions, UpdateStateResult, VersionedValue } from "./state-store.js";

/**
 * How the state ledger and its parts reach the {@link StateStore}: each operation returns its result directly
 * when the store is the in-process memory store (through its synchronous facade, no promise, no microtask),
 * and the store's own promise otherwise. Compose results with `chain` from internal/maybe.ts. Same operations,
 * same order, same semantics either way; batch operations fall back to one call per key on stores without them.
 */
export class StoreAccess {
  /** The store itself, for the operations that stay async. */
  readonly store: StateStore;
  readonly #sync: SyncStateStore | undefined;

  constructor(store: StateStore) {
    this.store = store;
    this.#sync = syncStateOf(store);
  }

  /** Whether the store reads several keys in one call (`getMany`). */
  get batchesReads(): boolean {
    return this.#sync !== undefined || this.store.getMany !== undefined;
  }

  get<T>(key: string): Maybe<T | undefined> {
    return this.#sync ? this.#sync.get<T>(key) : this.store.get<T>(key);
  }

  /** `getMany` where the store has it, else `get` on each key side by side. */
  getMany<T>(keys: readonly string[]): Maybe<Array<T | undefined>> {
    if (this.#sync) return this.#sync.getMany<T>(keys);
    const store = this.store;
    if (store.getMany) return store.getMany<T>(keys);
    return Promise.all(keys.map((key) => store.get<T>(key)));
  }

  getVersioned<T>(key: string): Maybe<VersionedValue<T>> {
    return this.#sync ? this.#sync.getVersioned<T>(key) : this.store.getVersioned<T>(key);
  }

  compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: StateWriteOptions): Maybe<boolean> {
    return this.#sync ? this.#sync.compareAndSet(key, expectedVersion, value, options) : this.store.compareAndSet(key, expectedVersion, value, options);
  }

  /** `incrementMany` where the store has it, else `increment` on each op side by side. */
  incrementMany(ops: readonly IncrementOp[]): Maybe<number[]> {
    if (this.#sync) return this.#sync.incrementMany(ops);
    const store = this.store;
    if (store.incrementMany) return store.incrementMany(ops);
    return Promise.all(ops.map((op) => store.increment(op.key, op.by, { expireAt: op.expireAt })));
  }

  /**
   * {@link updateState} (the memory store's update runs synchronously). `firstRead`: a `getVersioned(key)` sent
   * earlier on an async store, which the first compare-and-set attempt starts from.
   */
  update<T>(key: string, fn: (current: T | undefined) => T | undefined, options?: StateWriteOptions, firstRead?: Promise<VersionedValue<T>>): Maybe<UpdateStateResult<T>> {
    return this.#sync ? this.#sync.update(key, fn, options) : updateStateFrom(this.store, key, fn, options ?? {}, firstRead);
  }

  /**
   * Whether dependent operations may be sent without awaiting the previous answer ({@link StateStore.ordered}):
   * never needed on the memory store's synchronous path, where nothing waits anyway.
   */
  get pipelines(): boolean {
    return this.#sync === undefined && this.store.ordered === true;
  }

  setIfAbsent<T>(key: string, value: T, options: { expireAt: number }): Maybe<boolean> {
    return this.#sync ? this.#sync.setIfAbsent(key, value, options) : this.store.setIfAbsent(key, value, options);
  }

  delete(key: string): Maybe<boolean> {
    return this.#sync ? this.#sync.delete(key) : this.store.delete(key);
  }
}
