import type { LockHandle, StorageConnectorV1 } from "../connectors/services.js";
import { ConfigError } from "../errors/errors.js";
import { ModelMeshError, formatMessage, isModelMeshError } from "../errors/model-mesh-error.js";
import type { Clock } from "../internal/clock.js";
import { systemClock } from "../internal/clock.js";
import { trackedStateOf } from "./memory-store.js";
import type { StateSnapshot, StateStore } from "./state-store.js";

/** When state is written to storage (config `storage.sync_policy`). */
export type SyncPolicy = "in-memory" | "sync-on-boundary" | "periodic" | "immediate";

/** Options of {@link StateSync}. */
export interface StateSyncOptions {
  /** The live state; must implement `export` and `import` unless the policy is `in-memory`. */
  store: StateStore;
  /** Where snapshots go (local file, S3, browser storage…). */
  storage: StorageConnectorV1;
  /** Default `sync-on-boundary`. */
  policy?: SyncPolicy;
  /** Save interval for `periodic`, in ms (config `sync_interval`). Default 300 000. */
  intervalMs?: number;
  /** Timer source. Default: the system clock (the periodic timer is a background one: it never keeps the process alive). */
  clock?: Clock;
  /** Storage key of the snapshot. Default `modelmesh/state`. */
  key?: string;
  /** Keys left out of snapshots, e.g. `(k) => ledger.isEphemeralKey(k)`. */
  exclude?: (key: string) => boolean;
  /** Receives errors of background saves (`immediate`, `periodic`). Default: ignored. */
  onError?: (error: unknown) => void;
  /** Called after each successful save (so a caller that saw {@link onError} knows the snapshot is current again). */
  onSaved?: () => void;
  /**
   * How long a save waits for the storage lock when the connector has `acquire` (ms). Default 10 000. When
   * the lock cannot be taken in time the save fails with `MM_STORE_UNAVAILABLE` and the changes stay pending.
   */
  lockWaitMs?: number;
  /** How long the storage lock is held at most, should this process die mid-save (ms). Default 30 000. */
  lockTtlMs?: number;
}

/** What {@link StateSync.status} reports. */
export interface SyncStatus {
  policy: SyncPolicy;
  /** Last successful load or save (epoch ms). */
  lastSyncAt?: number;
  /** Changes notified since the last save started. */
  pendingChanges: boolean;
}

/** One entry of the snapshot document. `updatedAt` and `counter` are written since merges (older readers ignore them). */
interface DocEntry {
  value: unknown;
  expireAt?: number;
  /** Epoch ms of the entry's last write, when known: the recency of a record. */
  updatedAt?: number;
  /** Set on counters (written through `increment`): merged by adding deltas. */
  counter?: true;
}

/** The JSON document stored under the snapshot key. */
interface SnapshotDocument {
  format: "modelmesh.state";
  version: 1;
  savedAt: number;
  entries: Record<string, DocEntry>;
}

/** A local entry as the merge sees it; `version` changes on every local write (a number, or a JSON string for stores without versions). */
interface LocalEntry {
  value: unknown;
  expireAt?: number;
  version: number | string;
  updatedAt?: number;
  counter: boolean;
}

/** What the last successful sync agreed on for one key: the value in storage, and the local version it corresponds to. */
interface BaseEntry {
  /** JSON of `[value, expireAt]` as written to (or read from) storage. */
  json: string;
  counter: boolean;
  /** Counters: the synced value (the local value minus this is what this process counted since). */
  value: unknown;
  /** Records: the local version holding the synced value; undefined when the local store did not take it yet. */
  localVersion: number | string | undefined;
}

/** How the merge talks to the local store: the memory store's versioned facade, or plain export/import for other stores. */
interface LocalView {
  entries(): Promise<Map<string, LocalEntry>>;
  /** Writes (or deletes, when undefined) if the key is still at `expected`; the new version, or false. */
  replace(key: string, expected: number | string, entry: DocEntry | undefined, now: number): Promise<number | string | false>;
  /** Adds to a counter. */
  add(key: string, by: number, expireAt: number | undefined): Promise<void>;
}

const entryJson = (value: unknown, expireAt: number | undefined): string => JSON.stringify([value, expireAt ?? null]);
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/**
 * Persists a {@link StateStore} through a storage connector according to a sync policy (`storage.sync_policy`, docs/ARCHITECTURE.md §2.9):
 * - `in-memory`: nothing is loaded or saved;
 * - `sync-on-boundary`: load in `start()`, save in `stop()`;
 * - `periodic`: as above, plus a save every `intervalMs`;
 * - `immediate`: as above, plus a save after each `notifyChange()`.
 * Saves are serialised and coalesced: at most one runs at a time and at most one more is queued, and a
 * queued save captures every change notified before it starts. Entries keep absolute expiry instants, so
 * cooldowns and quota windows mean the same thing after a restart.
 *
 * Several processes may share one snapshot (e.g. one directory of the local-file connector), so a save is a
 * MERGE, not an overwrite (docs/state-stores.md). Under the connector's lock when it has `acquire` (waiting at
 * most `lockWaitMs`), a save reads the stored snapshot, merges it with the local store, writes the result, then
 * applies what the others wrote to the local store; `start()` merges the same way without writing. The merge is
 * three-way: StateSync remembers, per key, what the last successful sync agreed on (the "base"), so it knows
 * which side changed a key since then.
 * - Counters (keys last written by `increment`/`incrementMany`, flagged `counter` in the snapshot) add up:
 *   stored + (local − base). Each process's increments since its last sync are added exactly once, so two
 *   processes counting 5 each end with 10. A counter missing on one side counts as unchanged there.
 * - Records (every other key): the side that changed since the base wins; when both changed, the newer write
 *   (`updatedAt`, the write time the memory store keeps per entry) wins, ties and unknown times keep the stored
 *   one. A key removed on one side and unchanged on the other is removed; a key present on only one side and
 *   unknown to the base (new) is kept.
 * - Expired entries are dropped; excluded keys are neither written nor applied.
 * Applying to the local store never loses a write made while the save awaited I/O: counters are applied as
 * increments, records only if the local entry is still the one that was merged (else the local write is newer
 * and goes out with the next save).
 *
 * @example
 * const sync = new StateSync({ store, storage, policy: "immediate", exclude: (k) => ledger.isEphemeralKey(k) });
 * await sync.start(); // wire `onChange: () => sync.notifyChange()` into the StateLedger
 */
export class StateSync {
  readonly #storage: StorageConnectorV1;
  readonly #policy: SyncPolicy;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #key: string;
  readonly #exclude: ((key: string) => boolean) | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #onSaved: (() => void) | undefined;
  readonly #lockWaitMs: number;
  readonly #lockTtlMs: number;
  readonly #local: LocalView;
  /** Per key, what the last successful load or save agreed on (see the class comment). */
  #base = new Map<string, BaseEntry>();
  #started = false;
  #dirty = false;
  #lastSyncAt: number | undefined;
  #cancelTimer: (() => void) | undefined;
  /** A save that has not started yet; later requests join it. */
  #queued: Promise<void> | undefined;
  /** End of the save chain (never rejects). */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: StateSyncOptions) {
    this.#storage = options.storage;
    this.#policy = options.policy ?? "sync-on-boundary";
    this.#intervalMs = options.intervalMs ?? 300_000;
    this.#clock = options.clock ?? systemClock;
    this.#key = options.key ?? "modelmesh/state";
    this.#exclude = options.exclude;
    this.#onError = options.onError ?? (() => {});
    this.#onSaved = options.onSaved;
    this.#lockWaitMs = options.lockWaitMs ?? 10_000;
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
    if (this.#policy !== "in-memory" && (!options.store.export || !options.store.import)) {
      throw new ConfigError({ issues: [{ path: "storage.sync_policy", message: `"${this.#policy}" needs a state store with export() and import(). Use the memory store or sync_policy "in-memory".` }] });
    }
    if (this.#policy === "periodic" && !(this.#intervalMs > 0)) {
      throw new ConfigError({ issues: [{ path: "storage.sync_interval", message: `must be a positive duration, got ${this.#intervalMs} ms` }] });
    }
    for (const [name, value] of [["lockWaitMs", this.#lockWaitMs], ["lockTtlMs", this.#lockTtlMs]] as const) {
      if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`[modelmesh] StateSync: ${name} must be a finite number ≥ 0, got ${value}`);
    }
    this.#local = localView(options.store);
  }

  /** Loads the last snapshot, merged into the store (all policies but `in-memory`), and arms the `periodic` timer. */
  async start(): Promise<void> {
    if (this.#started) return;
    if (this.#policy !== "in-memory") await this.#sync(false);
    this.#started = true;
    if (this.#policy === "periodic") this.#arm();
  }

  /** Stops the timer and writes a final snapshot (all policies but `in-memory`). */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (this.#policy !== "in-memory") await this.#schedule();
  }

  /**
   * Merges and saves now (after any save in progress), which also brings in what other processes saved.
   * Rejects if the save fails (the changes then stay pending). No-op for `in-memory`.
   */
  flush(): Promise<void> {
    return this.#policy === "in-memory" ? Promise.resolve() : this.#schedule();
  }

  /** Tells the sync that state changed; under `immediate` this queues a (coalesced) save. */
  notifyChange(): void {
    this.#dirty = true;
    if (this.#policy === "immediate" && this.#started) this.#schedule().catch(this.#onError);
  }

  /** Last sync and pending changes. */
  get status(): SyncStatus {
    return { policy: this.#policy, lastSyncAt: this.#lastSyncAt, pendingChanges: this.#dirty };
  }

  #arm(): void {
    this.#cancelTimer = this.#clock.setTimer(() => {
      if (!this.#started) return;
      this.#arm();
      this.#schedule().catch(this.#onError);
    }, this.#intervalMs, { background: true });
  }

  #schedule(): Promise<void> {
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#save();
    });
    this.#queued = run;
    this.#tail = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  async #save(): Promise<void> {
    this.#dirty = false;
    try {
      await this.#sync(true);
    } catch (error) {
      this.#dirty = true;
      throw error;
    }
    this.#onSaved?.();
  }

  /** One merge round (see the class comment): under the lock when the connector has one; writes when `write`. */
  async #sync(write: boolean): Promise<void> {
    const storage = this.#storage;
    const lock = write && storage.acquire && storage.release ? await this.#acquire() : undefined;
    try {
      const remote = await this.#read();
      const local = await this.#local.entries();
      const now = this.#clock.now();
      const { merged, base, apply } = this.#merge(local, remote, now, write);
      if (write) {
        const doc: SnapshotDocument = { format: "modelmesh.state", version: 1, savedAt: now, entries: merged };
        const data = new TextEncoder().encode(JSON.stringify(doc));
        await storage.save(this.#key, { key: this.#key, data, metadata: { contentType: "application/json", savedAt: now } });
      }
      // Only once the merged snapshot is stored: applying first and then failing to write would count the
      // others' increments twice on the next try.
      for (const step of apply) await step(base);
      this.#base = base;
      this.#lastSyncAt = now;
    } finally {
      if (lock) await storage.release!(lock).catch(() => false);
    }
  }

  /** The storage lock, or undefined when the connector has locking turned off (`MM_NOT_SUPPORTED`). */
  async #acquire(): Promise<LockHandle | undefined> {
    try {
      return await this.#storage.acquire!(this.#key, { waitMs: this.#lockWaitMs, ttlMs: this.#lockTtlMs });
    } catch (cause) {
      if (isModelMeshError(cause) && cause.code === "MM_NOT_SUPPORTED") return undefined;
      throw new ModelMeshError({
        name: "ModelMeshStateLockError",
        code: "MM_STORE_UNAVAILABLE",
        category: "internal",
        retryable: true,
        message: formatMessage(
          `storage ${this.#storage.id}`,
          `could not take the lock on the state snapshot "${this.#key}" within ${this.#lockWaitMs} ms, so the state was not saved`,
          "The changes stay pending and go out with the next save; another process may be holding the lock.",
        ),
        metadata: { key: this.#key, lockWaitMs: this.#lockWaitMs },
        cause,
      });
    }
  }

  /** The stored snapshot's entries (empty when there is none). */
  async #read(): Promise<Record<string, DocEntry>> {
    const entry = await this.#storage.load(this.#key);
    if (!entry) return {};
    let doc: Partial<SnapshotDocument> | undefined;
    try {
      doc = JSON.parse(new TextDecoder().decode(entry.data)) as Partial<SnapshotDocument>;
    } catch (cause) {
      throw this.#corrupt("is not valid JSON", cause);
    }
    if (doc?.format !== "modelmesh.state" || doc.version !== 1 || typeof doc.entries !== "object" || doc.entries === null) {
      throw this.#corrupt("is not a version-1 ModelMesh state snapshot");
    }
    return doc.entries;
  }

  /**
   * The three-way merge of the class comment. Returns the merged snapshot, the base to keep once it is
   * stored, and the steps that apply it to the local store (each records the local version in the base).
   * Without `write` (the load in `start()`) nothing is stored, so the base is what storage holds.
   */
  #merge(local: Map<string, LocalEntry>, remote: Record<string, DocEntry>, now: number, write: boolean) {
    const merged: Record<string, DocEntry> = Object.create(null) as Record<string, DocEntry>; // keys come from a file: no prototype to hit
    const base = new Map<string, BaseEntry>();
    const apply: Array<(base: Map<string, BaseEntry>) => Promise<void>> = [];
    const keys = new Set<string>([...this.#base.keys(), ...local.keys(), ...Object.keys(remote)]);
    const live = (e: { expireAt?: number } | undefined) => (e !== undefined && (e.expireAt === undefined || e.expireAt > now) ? e : undefined);
    for (const key of keys) {
      if (this.#exclude?.(key)) continue;
      const was = this.#base.get(key);
      const mine = live(local.get(key)) as LocalEntry | undefined;
      const raw = Object.hasOwn(remote, key) ? remote[key] : undefined;
      const theirs = raw !== null && typeof raw === "object" ? (live(raw) as DocEntry | undefined) : undefined;
      const mineCounts = mine === undefined || (mine.counter && isNumber(mine.value));
      const theirsCount = theirs === undefined || (theirs.counter === true && isNumber(theirs.value));
      if ((mine !== undefined || theirs !== undefined) && mineCounts && theirsCount) {
        // Counter: stored + what this process counted since the base.
        const synced = was?.counter && isNumber(was.value) ? was.value : 0;
        const mineNow = mine === undefined ? synced : (mine.value as number);
        const theirsNow = theirs === undefined ? synced : (theirs.value as number);
        const value = theirsNow + (mineNow - synced);
        const expireAt = mine?.expireAt ?? theirs?.expireAt;
        const entry: DocEntry = { value, counter: true, updatedAt: Math.max(mine?.updatedAt ?? 0, theirs?.updatedAt ?? 0) || now };
        if (expireAt !== undefined) entry.expireAt = expireAt;
        merged[key] = entry;
        if (write) base.set(key, { json: entryJson(value, expireAt), counter: true, value, localVersion: undefined });
        else if (theirs !== undefined) base.set(key, { json: entryJson(theirs.value, theirs.expireAt), counter: true, value: theirs.value, localVersion: undefined });
        const gap = value - (mine === undefined ? 0 : (mine.value as number));
        if (gap !== 0) apply.push(() => this.#local.add(key, gap, expireAt));
        continue;
      }
      // Record: the side that changed since the base wins; both changed → newer write, ties keep the stored one.
      const mineChanged = mine === undefined ? was !== undefined : was === undefined || was.localVersion !== mine.version;
      const theirsChanged = theirs === undefined ? was !== undefined : was === undefined || was.json !== entryJson(theirs.value, theirs.expireAt);
      let takeMine: boolean;
      if (mineChanged && theirsChanged && mine !== undefined && theirs !== undefined) {
        takeMine = mine.updatedAt !== undefined && theirs.updatedAt !== undefined && mine.updatedAt > theirs.updatedAt;
      } else if (mineChanged && theirsChanged) {
        takeMine = theirs === undefined; // removed on one side, changed on the other: keep the change
      } else {
        takeMine = mineChanged;
      }
      if (takeMine) {
        if (mine === undefined) continue; // removed here, unchanged there: removed
        const entry: DocEntry = { value: mine.value };
        if (mine.expireAt !== undefined) entry.expireAt = mine.expireAt;
        if (mine.updatedAt !== undefined) entry.updatedAt = mine.updatedAt;
        merged[key] = entry;
        const json = entryJson(mine.value, mine.expireAt);
        if (write) base.set(key, { json, counter: false, value: undefined, localVersion: mine.version });
        else if (theirs !== undefined) {
          const stored = entryJson(theirs.value, theirs.expireAt);
          base.set(key, { json: stored, counter: false, value: undefined, localVersion: stored === json ? mine.version : undefined });
        }
        continue;
      }
      if (theirs !== undefined) {
        const entry: DocEntry = { value: theirs.value };
        if (theirs.expireAt !== undefined) entry.expireAt = theirs.expireAt;
        if (theirs.updatedAt !== undefined) entry.updatedAt = theirs.updatedAt;
        if (theirs.counter === true) entry.counter = true;
        merged[key] = entry;
        const json = entryJson(theirs.value, theirs.expireAt);
        const same = mine !== undefined && entryJson(mine.value, mine.expireAt) === json;
        base.set(key, { json, counter: false, value: undefined, localVersion: same ? mine.version : undefined });
        if (!same) apply.push((b) => this.#replace(b, key, mine?.version ?? 0, entry, now));
      } else if (mine !== undefined) {
        apply.push((b) => this.#replace(b, key, mine.version, undefined, now)); // removed there, unchanged here
      }
    }
    return { merged, base, apply };
  }

  /** Applies a stored record (or removal) locally unless the local entry changed meanwhile (then it is newer). */
  async #replace(base: Map<string, BaseEntry>, key: string, expected: number | string, entry: DocEntry | undefined, now: number): Promise<void> {
    const version = await this.#local.replace(key, expected, entry, now);
    const known = base.get(key);
    if (known !== undefined) known.localVersion = version === false ? expected : version;
    else if (version === false) {
      // Removed in storage but rewritten here since: the base says "was there", so the local write counts as a change.
      base.set(key, { json: "", counter: false, value: undefined, localVersion: expected });
    }
  }

  #corrupt(what: string, cause?: unknown): ModelMeshError {
    return new ModelMeshError({
      code: "MM_INTERNAL",
      category: "internal",
      message: formatMessage(`storage ${this.#storage.id}`, `the state snapshot at "${this.#key}" ${what}`, "Delete it to start from empty state."),
      cause,
    });
  }
}

/** The merge's view of `store`: versioned and exact on the memory store; export/import (no write times, no counters) otherwise. */
function localView(store: StateStore): LocalView {
  const tracked = trackedStateOf(store);
  if (tracked) {
    return {
      entries: async () => tracked.entries(),
      replace: async (key, expected, entry, now) =>
        tracked.replace(key, expected as number, entry && { value: entry.value, expireAt: entry.expireAt, updatedAt: entry.updatedAt ?? now, counter: entry.counter === true }),
      add: async (key, by, expireAt) => {
        tracked.add(key, by, expireAt);
      },
    };
  }
  const versionOf = (value: unknown, expireAt: number | undefined) => entryJson(value, expireAt);
  return {
    entries: async () => {
      const snapshot = await store.export!();
      const out = new Map<string, LocalEntry>();
      for (const [key, e] of Object.entries(snapshot)) out.set(key, { value: e.value, expireAt: e.expireAt, version: versionOf(e.value, e.expireAt), counter: false });
      return out;
    },
    replace: async (key, _expected, entry) => {
      if (entry === undefined) {
        await store.delete(key);
        return 0;
      }
      const item: StateSnapshot[string] = { value: entry.value };
      if (entry.expireAt !== undefined) item.expireAt = entry.expireAt;
      await store.import!({ [key]: item });
      return versionOf(entry.value, entry.expireAt);
    },
    add: async (key, by, expireAt) => {
      await store.increment(key, by, expireAt === undefined ? undefined : { expireAt });
    },
  };
}
