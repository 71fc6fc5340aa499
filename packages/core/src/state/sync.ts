import type { StorageConnectorV1 } from "../connectors/services.js";
import { ConfigError } from "../errors/errors.js";
import { ModelMeshError, formatMessage } from "../errors/model-mesh-error.js";
import type { Clock } from "../internal/clock.js";
import { systemClock } from "../internal/clock.js";
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
}

/** What {@link StateSync.status} reports. */
export interface SyncStatus {
  policy: SyncPolicy;
  /** Last successful load or save (epoch ms). */
  lastSyncAt?: number;
  /** Changes notified since the last save started. */
  pendingChanges: boolean;
}

/** The JSON document stored under the snapshot key. */
interface SnapshotDocument {
  format: "modelmesh.state";
  version: 1;
  savedAt: number;
  entries: StateSnapshot;
}

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
 * @example
 * const sync = new StateSync({ store, storage, policy: "immediate", exclude: (k) => ledger.isEphemeralKey(k) });
 * await sync.start(); // wire `onChange: () => sync.notifyChange()` into the StateLedger
 */
export class StateSync {
  readonly #store: StateStore;
  readonly #storage: StorageConnectorV1;
  readonly #policy: SyncPolicy;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #key: string;
  readonly #exclude: ((key: string) => boolean) | undefined;
  readonly #onError: (error: unknown) => void;
  #started = false;
  #dirty = false;
  #lastSyncAt: number | undefined;
  #cancelTimer: (() => void) | undefined;
  /** A save that has not started yet; later requests join it. */
  #queued: Promise<void> | undefined;
  /** End of the save chain (never rejects). */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: StateSyncOptions) {
    this.#store = options.store;
    this.#storage = options.storage;
    this.#policy = options.policy ?? "sync-on-boundary";
    this.#intervalMs = options.intervalMs ?? 300_000;
    this.#clock = options.clock ?? systemClock;
    this.#key = options.key ?? "modelmesh/state";
    this.#exclude = options.exclude;
    this.#onError = options.onError ?? (() => {});
    if (this.#policy !== "in-memory" && (!options.store.export || !options.store.import)) {
      throw new ConfigError({ issues: [{ path: "storage.sync_policy", message: `"${this.#policy}" needs a state store with export() and import(). Use the memory store or sync_policy "in-memory".` }] });
    }
    if (this.#policy === "periodic" && !(this.#intervalMs > 0)) {
      throw new ConfigError({ issues: [{ path: "storage.sync_interval", message: `must be a positive duration, got ${this.#intervalMs} ms` }] });
    }
  }

  /** Loads the last snapshot (all policies but `in-memory`) and arms the `periodic` timer. */
  async start(): Promise<void> {
    if (this.#started) return;
    if (this.#policy !== "in-memory") await this.#load();
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

  /** Saves now (after any save in progress). Rejects if the save fails. No-op for `in-memory`. */
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
      const entries = await this.#store.export!();
      if (this.#exclude) for (const key of Object.keys(entries)) if (this.#exclude(key)) delete entries[key];
      const savedAt = this.#clock.now();
      const doc: SnapshotDocument = { format: "modelmesh.state", version: 1, savedAt, entries };
      const data = new TextEncoder().encode(JSON.stringify(doc));
      await this.#storage.save(this.#key, { key: this.#key, data, metadata: { contentType: "application/json", savedAt } });
      this.#lastSyncAt = savedAt;
    } catch (error) {
      this.#dirty = true;
      throw error;
    }
  }

  async #load(): Promise<void> {
    const entry = await this.#storage.load(this.#key);
    if (entry) {
      let doc: Partial<SnapshotDocument> | undefined;
      try {
        doc = JSON.parse(new TextDecoder().decode(entry.data)) as Partial<SnapshotDocument>;
      } catch (cause) {
        throw this.#corrupt("is not valid JSON", cause);
      }
      if (doc?.format !== "modelmesh.state" || doc.version !== 1 || typeof doc.entries !== "object" || doc.entries === null) {
        throw this.#corrupt("is not a version-1 ModelMesh state snapshot");
      }
      await this.#store.import!(doc.entries);
    }
    this.#lastSyncAt = this.#clock.now();
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
