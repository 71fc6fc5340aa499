/**
 * BaseStorage: the storage contract over an in-memory Map, plus advisory locks whose hold time (`ttlMs`)
 * is separate from how long `acquire` waits (`waitMs`) — two different bounds. Waiters are
 * woken on release or expiry, not by polling. Persistence goes through five protected hooks, so a file or
 * network backend overrides those and inherits locking, listing and stat semantics.
 */
import { ModelMeshError, systemClock, type Clock, type EntryMetadata, type LockHandle, type StorageConnectorV1, type StorageEntry } from "@modelmesh/core";
import { deserialize, loadMsgpack, serialize, SERIALIZATION_CONTENT_TYPES, type SerializationFormat } from "../mixins/serialization.js";

/** A stored entry plus when it was written. */
export interface StoredRecord {
  entry: StorageEntry;
  /** Epoch ms. */
  lastModified: number;
}

/** Options of {@link BaseStorage}. */
export interface StorageOptions {
  /** Store id. Default `modelmesh.memory-storage.v1`. */
  id?: string;
  /** Format of `saveValue`/`loadValue` and the reported content type. Default `json`. */
  format?: SerializationFormat;
  /** Enable `acquire`/`release`/`isLocked`. Default true. */
  lockingEnabled?: boolean;
  /** How long a lock is held before it lapses. Default 30 000 ms. */
  lockTtlMs?: number;
  /** How long `acquire` waits for a held lock. Default 10 000 ms. */
  lockWaitMs?: number;
  /** Time source. Default: the system clock. */
  clock?: Clock;
}

function copyEntry(key: string, entry: StorageEntry): StorageEntry {
  const copy: StorageEntry = { key, data: new Uint8Array(entry.data) };
  if (entry.metadata !== undefined) copy.metadata = structuredClone(entry.metadata);
  return copy;
}

/** In-memory storage with locking; subclass and override the hooks for other backends. */
export class BaseStorage implements StorageConnectorV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Store id. */
  readonly id: string;
  /** Serialization format of values. */
  readonly format: SerializationFormat;
  /** Time source. */
  protected readonly clock: Clock;
  readonly #records = new Map<string, StoredRecord>();
  readonly #locks = new Map<string, LockHandle>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #lockingEnabled: boolean;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;

  constructor(options: StorageOptions = {}) {
    this.id = options.id ?? "modelmesh.memory-storage.v1";
    this.format = options.format ?? "json";
    this.clock = options.clock ?? systemClock;
    this.#lockingEnabled = options.lockingEnabled ?? true;
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
    this.#lockWaitMs = options.lockWaitMs ?? 10_000;
  }

  /** The entry (a copy), or null. */
  async load(key: string): Promise<StorageEntry | null> {
    const record = await this.readRecord(key);
    return record ? copyEntry(key, record.entry) : null;
  }

  /** Stores (overwrites) an entry under `key`. */
  async save(key: string, entry: StorageEntry): Promise<void> {
    await this.writeRecord(key, { entry: copyEntry(key, entry), lastModified: this.clock.now() });
  }

  /** Keys, sorted, optionally only those starting with `prefix`. */
  async list(prefix?: string): Promise<string[]> {
    const keys = await this.listKeys();
    return keys.filter((key) => prefix === undefined || key.startsWith(prefix)).sort();
  }

  /** Deletes an entry (and its lock); true if it existed. */
  async delete(key: string): Promise<boolean> {
    const existed = await this.removeRecord(key);
    if (this.#locks.delete(key)) this.#wake(key);
    return existed;
  }

  /** Size, modification time and content type, or null. */
  async stat(key: string): Promise<EntryMetadata | null> {
    const record = await this.readRecord(key);
    if (!record) return null;
    const contentType = typeof record.entry.metadata?.contentType === "string" ? record.entry.metadata.contentType : SERIALIZATION_CONTENT_TYPES[this.format];
    return { key, size: record.entry.data.byteLength, lastModified: record.lastModified, contentType };
  }

  /** True if the key exists. */
  async exists(key: string): Promise<boolean> {
    return (await this.readRecord(key)) !== null;
  }

  /** Serialises `value` in the store's format and saves it. */
  async saveValue(key: string, value: unknown, metadata?: Record<string, unknown>): Promise<void> {
    if (this.format === "msgpack") await loadMsgpack();
    await this.save(key, { key, data: serialize(value, this.format), metadata: { contentType: SERIALIZATION_CONTENT_TYPES[this.format], ...metadata } });
  }

  /** Loads and deserialises a value saved with {@link saveValue}; undefined when absent. */
  async loadValue<T = unknown>(key: string): Promise<T | undefined> {
    const entry = await this.load(key);
    if (entry && this.format === "msgpack") await loadMsgpack();
    return entry ? deserialize<T>(entry.data, this.format) : undefined;
  }

  /**
   * Acquires the lock on `key`, held for `ttlMs` (default 30 s) and waiting at most `waitMs` (default 10 s)
   * for a current holder. Rejects with `MM_TIMEOUT_RESPONSE` when the wait runs out.
   */
  async acquire(key: string, options: { ttlMs?: number; waitMs?: number } = {}): Promise<LockHandle> {
    this.#assertLocking();
    const ttlMs = options.ttlMs ?? this.#lockTtlMs;
    const waitMs = options.waitMs ?? this.#lockWaitMs;
    const deadline = this.clock.now() + waitMs;
    for (;;) {
      const now = this.clock.now();
      const held = this.#liveLock(key, now);
      if (!held) {
        const handle: LockHandle = { key, lockId: globalThis.crypto.randomUUID(), acquiredAt: now, expiresAt: now + ttlMs };
        this.#locks.set(key, handle);
        return { ...handle };
      }
      if (now >= deadline) {
        throw this.lockTimeout(key, waitMs, held.expiresAt);
      }
      await this.#waitForChange(key, Math.min(held.expiresAt, deadline) - now);
    }
  }

  /** Releases a lock; false if this handle no longer holds it (expired, or taken over). */
  async release(lock: LockHandle): Promise<boolean> {
    this.#assertLocking();
    const held = this.#liveLock(lock.key, this.clock.now());
    if (!held || held.lockId !== lock.lockId) return false;
    this.#locks.delete(lock.key);
    this.#wake(lock.key);
    return true;
  }

  /** True while a live (unexpired) lock exists on `key`. */
  async isLocked(key: string): Promise<boolean> {
    this.#assertLocking();
    return this.#liveLock(key, this.clock.now()) !== undefined;
  }

  /** Drops all locks and wakes waiters. */
  async close(): Promise<void> {
    const keys = [...this.#locks.keys()];
    this.#locks.clear();
    for (const key of keys) this.#wake(key);
  }

  // -- persistence hooks (override for other backends) ------------------------------------------------

  /** Reads one record, or null. */
  /** The error of an `acquire` that waited `waitMs` for a lock held until `heldUntil` (every lock backend's). */
  protected lockTimeout(key: string, waitMs: number, heldUntil: number): ModelMeshError {
    return new ModelMeshError({
      name: "ModelMeshLockTimeoutError",
      code: "MM_TIMEOUT_RESPONSE",
      category: "timeout",
      retryable: true,
      message: `[modelmesh] [storage:${this.id}] could not acquire the lock on '${key}' within ${waitMs} ms; it is held until ${new Date(heldUntil).toISOString()}`,
    });
  }

  protected async readRecord(key: string): Promise<StoredRecord | null> {
    return this.#records.get(key) ?? null;
  }

  /** Writes one record (overwrite). */
  protected async writeRecord(key: string, record: StoredRecord): Promise<void> {
    this.#records.set(key, record);
  }

  /** Removes one record; true if it existed. */
  protected async removeRecord(key: string): Promise<boolean> {
    return this.#records.delete(key);
  }

  /** All keys, any order. */
  protected async listKeys(): Promise<string[]> {
    return [...this.#records.keys()];
  }

  // -- locking internals ------------------------------------------------------------------------------

  #assertLocking(): void {
    if (!this.#lockingEnabled) {
      throw new ModelMeshError({ code: "MM_NOT_SUPPORTED", category: "invalid_request", message: `[modelmesh] [storage:${this.id}] locking is disabled for this store; enable locking to use acquire/release` });
    }
  }

  #liveLock(key: string, now: number): LockHandle | undefined {
    const lock = this.#locks.get(key);
    if (lock && lock.expiresAt <= now) {
      this.#locks.delete(key);
      return undefined;
    }
    return lock;
  }

  #waitForChange(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#waiters.get(key);
      if (!set) this.#waiters.set(key, (set = new Set()));
      const done = () => {
        cancel();
        set!.delete(done);
        resolve();
      };
      // Request-scoped: `acquire` awaits this wait, so it keeps the process alive (and is cancelled on wake).
      const cancel = this.clock.setTimer(done, Math.max(0, ms));
      set.add(done);
    });
  }

  #wake(key: string): void {
    const set = this.#waiters.get(key);
    if (!set) return;
    this.#waiters.delete(key);
    for (const waiter of [...set]) waiter();
  }
}

