import { ModelMeshError, formatMessage } from "../errors/model-mesh-error.js";
import type { Clock } from "../internal/clock.js";
import { systemClock } from "../internal/clock.js";
import type {
  IncrementOp,
  StateSnapshot,
  StateStore,
  StateWriteOptions,
  UpdateStateResult,
  VersionedValue,
} from "./state-store.js";

interface Entry {
  value: unknown;
  /** Epoch ms; undefined = never. */
  expireAt: number | undefined;
  version: number;
  /** Epoch ms of the last write (the store's clock); snapshot merges compare it ({@link trackedStateOf}). */
  updatedAt: number;
  /** True when the last write was an increment: a counter, merged by adding deltas ({@link trackedStateOf}). */
  counter: boolean;
}

/** Options of {@link MemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /** Time source for expiry. Default: the system clock. */
  clock?: Clock;
}

const RESOLVED_VOID: Promise<void> = Promise.resolve();
const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);
const RESOLVED_FALSE: Promise<boolean> = Promise.resolve(false);
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
const ABSENT: Readonly<VersionedValue<never>> = Object.freeze({ version: 0 });

/**
 * The synchronous twins of the {@link MemoryStateStore} operations the state ledger uses on every request:
 * same semantics, but the result is returned directly and an error is thrown instead of rejected. Internal
 * (not exported from the package index); reach it through {@link syncStateOf}.
 */
export interface SyncStateStore {
  get<T>(key: string): T | undefined;
  getMany<T>(keys: readonly string[]): Array<T | undefined>;
  getVersioned<T>(key: string): VersionedValue<T>;
  compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: StateWriteOptions): boolean;
  update<T>(key: string, fn: (current: T | undefined) => T | undefined, options?: StateWriteOptions): UpdateStateResult<T>;
  incrementMany(ops: readonly IncrementOp[]): number[];
  setIfAbsent<T>(key: string, value: T, options: { expireAt: number }): boolean;
  delete(key: string): boolean;
}

/** Each memory store's synchronous facade (a WeakMap rather than a property: the public class stays as it is). */
const facades = /* @__PURE__ */ new WeakMap<StateStore, SyncStateStore>();

/**
 * The synchronous facade of `store` when it is a plain {@link MemoryStateStore}, else undefined. A subclass, or an
 * instance with methods of its own (a wrapper or a test spy set on it), may change what an operation does, so it
 * is only ever used through the async {@link StateStore} interface.
 */
export function syncStateOf(store: StateStore): SyncStateStore | undefined {
  if (Object.getPrototypeOf(store) !== MemoryStateStore.prototype || Object.getOwnPropertyNames(store).length > 0) return undefined;
  return facades.get(store);
}

/** One live entry with what {@link StateSync} needs to merge snapshots (see {@link trackedStateOf}). */
export interface TrackedEntry {
  value: unknown;
  expireAt?: number;
  /** The store's version of the entry (changes on every write). */
  version: number;
  /** Epoch ms of the last write. */
  updatedAt: number;
  /** Last written by `increment`/`incrementMany`. */
  counter: boolean;
}

/**
 * Merge support of the memory store for snapshot syncing. Internal (not exported from the package index).
 * Every operation is synchronous, so a caller can compare a version and write in one step.
 */
export interface TrackedStateStore {
  /** Every live entry (expired ones are dropped first). */
  entries(): Map<string, TrackedEntry>;
  /** The live entry's version, 0 when absent. */
  version(key: string): number;
  /**
   * Writes `entry` (or deletes the key when undefined) only if the key's version is still `expectedVersion`;
   * keeps the given write time and counter flag. Returns the new version (0 after a delete), or false.
   */
  replace(key: string, expectedVersion: number, entry: { value: unknown; expireAt?: number; updatedAt: number; counter: boolean } | undefined): number | false;
  /** Adds `by` to a counter (absent = 0) and returns the entry's new version. */
  add(key: string, by: number, expireAt: number | undefined): number;
}

const tracked = /* @__PURE__ */ new WeakMap<StateStore, TrackedStateStore>();

/** The merge facade of `store` when it is (or derives from) a {@link MemoryStateStore}, else undefined. */
export function trackedStateOf(store: StateStore): TrackedStateStore | undefined {
  return tracked.get(store);
}

/**
 * The default {@link StateStore}: a `Map` in this process. Every operation runs synchronously and returns an
 * already-settled promise, so it is atomic by construction. The state ledger reaches the same operations
 * without any promise through an internal synchronous facade ({@link syncStateOf}).
 *
 * Values are kept by reference (no copy): callers must treat them as immutable, as the interface requires.
 * Expired entries are invisible and dropped lazily when touched (and by `keys`/`export`), so no timer runs.
 *
 * @example
 * const store = new MemoryStateStore({ clock });
 * await store.increment("hits", 1, { expireAt: clock.now() + 60_000 });
 */
export class MemoryStateStore implements StateStore {
  readonly #map = new Map<string, Entry>();
  readonly #clock: Clock;
  /** Store-wide version counter: a re-created key never repeats an old version. */
  #version = 0;
  /** Change listeners of {@link watch}. */
  #watchers: Array<{ prefix: string; listener: (key: string, value: unknown) => void }> = [];

  constructor(options: MemoryStateStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    facades.set(this, {
      get: <T>(key: string) => this.#live(key)?.value as T | undefined,
      getMany: (keys) => this.#getMany(keys),
      getVersioned: (key) => this.#getVersioned(key),
      compareAndSet: (key, expectedVersion, value, options) => this.#compareAndSet(key, expectedVersion, value, options),
      update: (key, fn, options) => this.#update(key, fn, options),
      incrementMany: (ops) => this.#incrementMany(ops),
      setIfAbsent: (key, value, options) => this.#setIfAbsent(key, value, options),
      delete: (key) => this.#delete(key),
    });
    tracked.set(this, {
      entries: () => this.#tracked(),
      version: (key) => this.#live(key)?.version ?? 0,
      replace: (key, expectedVersion, entry) => this.#replace(key, expectedVersion, entry),
      add: (key, by, expireAt) => {
        this.#increment(key, by, expireAt);
        return this.#map.get(key)!.version;
      },
    });
  }

  /** Number of live entries (expired ones are dropped first). Mainly for tests and introspection. */
  get size(): number {
    this.#sweep();
    return this.#map.size;
  }

  /** Reads a value; undefined when absent or expired. */
  get<T>(key: string): Promise<T | undefined> {
    const entry = this.#live(key);
    return entry ? Promise.resolve(entry.value as T) : RESOLVED_UNDEFINED;
  }

  /** Batch read, one microtask for all keys. */
  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return Promise.resolve(this.#getMany<T>(keys));
  }

  /** Writes a value unconditionally. */
  set<T>(key: string, value: T, options?: StateWriteOptions): Promise<void> {
    this.#write(key, value, options?.expireAt);
    return RESOLVED_VOID;
  }

  /** Reads a value and its version (0 when absent). */
  getVersioned<T>(key: string): Promise<VersionedValue<T>> {
    return Promise.resolve(this.#getVersioned<T>(key));
  }

  /** Writes only when the version still matches. */
  compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: StateWriteOptions): Promise<boolean> {
    return this.#compareAndSet(key, expectedVersion, value, options) ? RESOLVED_TRUE : RESOLVED_FALSE;
  }

  /** Atomic read-modify-write: `fn` runs synchronously, so there is never a conflict to retry. */
  update<T>(key: string, fn: (current: T | undefined) => T | undefined, options?: StateWriteOptions): Promise<UpdateStateResult<T>> {
    try {
      return Promise.resolve(this.#update(key, fn, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Adds to a numeric counter and returns the new value. */
  increment(key: string, by: number, options?: StateWriteOptions): Promise<number> {
    try {
      return Promise.resolve(this.#increment(key, by, options?.expireAt));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Several increments in one microtask. */
  incrementMany(ops: readonly IncrementOp[]): Promise<number[]> {
    try {
      return Promise.resolve(this.#incrementMany(ops));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Writes only if absent or expired. */
  setIfAbsent<T>(key: string, value: T, options: { expireAt: number }): Promise<boolean> {
    return this.#setIfAbsent(key, value, options) ? RESOLVED_TRUE : RESOLVED_FALSE;
  }

  /** Removes a key; true if a live entry existed. */
  delete(key: string): Promise<boolean> {
    return this.#delete(key) ? RESOLVED_TRUE : RESOLVED_FALSE;
  }

  /** Operations run synchronously, so they apply in the order issued ({@link StateStore.ordered}). */
  get ordered(): boolean {
    return true;
  }

  /** Calls `listener` synchronously after each write or removal of a key under `prefix` (see {@link StateStore.watch}). */
  watch(prefix: string, listener: (key: string, value: unknown) => void): () => void {
    const watcher = { prefix, listener };
    this.#watchers = [...this.#watchers, watcher];
    return () => {
      this.#watchers = this.#watchers.filter((w) => w !== watcher);
    };
  }

  /** Live keys starting with `prefix`. */
  keys(prefix: string): Promise<string[]> {
    this.#sweep();
    const out: string[] = [];
    for (const key of this.#map.keys()) if (key.startsWith(prefix)) out.push(key);
    return Promise.resolve(out);
  }

  /** Every live entry as plain JSON-ready objects. */
  export(): Promise<StateSnapshot> {
    this.#sweep();
    const out: StateSnapshot = {};
    for (const [key, entry] of this.#map) {
      out[key] = entry.expireAt === undefined ? { value: entry.value } : { value: entry.value, expireAt: entry.expireAt };
    }
    return Promise.resolve(out);
  }

  /**
   * Loads a snapshot; expired entries are skipped, each loaded key gets a fresh version. Entries written by
   * {@link StateSync} may carry `updatedAt` (epoch ms) and `counter: true`; they are kept as the entry's write
   * time and counter flag (otherwise: now, not a counter).
   */
  import(snapshot: StateSnapshot, options: { replace?: boolean } = {}): Promise<void> {
    if (options.replace) this.#clear();
    const now = this.#clock.now();
    for (const key of Object.keys(snapshot)) {
      const entry = snapshot[key]! as StateSnapshot[string] & { updatedAt?: unknown; counter?: unknown };
      if (entry.expireAt !== undefined && entry.expireAt <= now) continue;
      this.#write(key, entry.value, entry.expireAt, entry.counter === true, typeof entry.updatedAt === "number" ? entry.updatedAt : now);
    }
    return RESOLVED_VOID;
  }

  /** Drops everything. */
  close(): Promise<void> {
    this.#clear();
    return RESOLVED_VOID;
  }

  // The synchronous implementations behind both the async methods above and the facade (syncStateOf).

  #getMany<T>(keys: readonly string[]): Array<T | undefined> {
    const out = new Array<T | undefined>(keys.length);
    // One clock read for the batch: the batch is one instant.
    const now = this.#clock.now();
    for (let i = 0; i < keys.length; i++) out[i] = this.#live(keys[i]!, now)?.value as T | undefined;
    return out;
  }

  #getVersioned<T>(key: string): VersionedValue<T> {
    const entry = this.#live(key);
    return entry ? { value: entry.value as T, version: entry.version } : ABSENT;
  }

  #compareAndSet(key: string, expectedVersion: number, value: unknown, options: StateWriteOptions | undefined): boolean {
    const entry = this.#live(key);
    if ((entry?.version ?? 0) !== expectedVersion) return false;
    this.#write(key, value, options?.expireAt);
    return true;
  }

  #update<T>(key: string, fn: (current: T | undefined) => T | undefined, options: StateWriteOptions | undefined): UpdateStateResult<T> {
    const current = this.#live(key)?.value as T | undefined;
    const next = fn(current);
    if (next === undefined || next === current) return { value: current, previous: current, written: false };
    this.#write(key, next, options?.expireAt);
    return { value: next, previous: current, written: true };
  }

  #incrementMany(ops: readonly IncrementOp[]): number[] {
    const out = new Array<number>(ops.length);
    const now = this.#clock.now();
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      out[i] = this.#increment(op.key, op.by, op.expireAt, now);
    }
    return out;
  }

  #setIfAbsent(key: string, value: unknown, options: { expireAt: number }): boolean {
    if (this.#live(key)) return false;
    this.#write(key, value, options.expireAt);
    return true;
  }

  #delete(key: string): boolean {
    const live = this.#live(key) !== undefined;
    if (this.#map.delete(key) && live) this.#notify(key, undefined);
    return live;
  }

  /** The entry of `key` unless absent or expired (then dropped); `now` lets a batch read the clock once. */
  #live(key: string, now?: number): Entry | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expireAt !== undefined && entry.expireAt <= (now ?? this.#clock.now())) {
      this.#map.delete(key);
      this.#notify(key, undefined);
      return undefined;
    }
    return entry;
  }

  #notify(key: string, value: unknown): void {
    const watchers = this.#watchers;
    for (let i = 0; i < watchers.length; i++) if (key.startsWith(watchers[i]!.prefix)) watchers[i]!.listener(key, value);
  }

  #clear(): void {
    const keys = this.#watchers.length > 0 ? [...this.#map.keys()] : [];
    this.#map.clear();
    for (const key of keys) this.#notify(key, undefined);
  }

  #write(key: string, value: unknown, expireAt: number | undefined, counter = false, updatedAt = this.#clock.now()): void {
    const entry = this.#map.get(key);
    const version = ++this.#version;
    // Reuse the entry object on overwrite: the hot path rewrites the same keys on every request.
    if (entry) {
      entry.value = value;
      entry.expireAt = expireAt;
      entry.version = version;
      entry.updatedAt = updatedAt;
      entry.counter = counter;
    } else {
      this.#map.set(key, { value, expireAt, version, updatedAt, counter });
    }
    if (this.#watchers.length > 0) this.#notify(key, value);
  }

  #increment(key: string, by: number, expireAt: number | undefined, now?: number): number {
    const entry = this.#live(key, now);
    const current = entry === undefined ? 0 : entry.value;
    if (typeof current !== "number") {
      throw new ModelMeshError({
        code: "MM_INTERNAL",
        category: "internal",
        message: formatMessage("state", `cannot increment "${key}": it holds a ${typeof current}, not a number`),
      });
    }
    const next = current + by;
    this.#write(key, next, expireAt ?? entry?.expireAt, true, now);
    return next;
  }

  #tracked(): Map<string, TrackedEntry> {
    this.#sweep();
    const out = new Map<string, TrackedEntry>();
    for (const [key, e] of this.#map) {
      const item: TrackedEntry = { value: e.value, version: e.version, updatedAt: e.updatedAt, counter: e.counter };
      if (e.expireAt !== undefined) item.expireAt = e.expireAt;
      out.set(key, item);
    }
    return out;
  }

  #replace(key: string, expectedVersion: number, entry: { value: unknown; expireAt?: number; updatedAt: number; counter: boolean } | undefined): number | false {
    if ((this.#live(key)?.version ?? 0) !== expectedVersion) return false;
    if (entry === undefined) {
      this.#delete(key);
      return 0;
    }
    this.#write(key, entry.value, entry.expireAt, entry.counter, entry.updatedAt);
    return this.#version;
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, entry] of this.#map) {
      if (entry.expireAt !== undefined && entry.expireAt <= now) {
        this.#map.delete(key);
        this.#notify(key, undefined);
      }
    }
  }
}
