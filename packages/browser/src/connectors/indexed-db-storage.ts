/**
 * `createIndexedDbStorage`: a `StorageConnectorV1` on IndexedDB, the browser's large, asynchronous store (also
 * in workers). Each entry is one structured-clone record `{ data: Uint8Array, metadata?, lastModified }` under
 * its key (out-of-line keys) in one object store; each operation is one transaction, and a write resolves when
 * its transaction completes. `list(prefix)` reads the keys of one key range, not the whole store.
 *
 * The connection opens lazily and is shared by the connector's operations. When another tab upgrades the
 * database, this connection closes itself (so that tab is not blocked) and the next operation reopens it.
 * A missing object store is created by reopening the database one version up.
 */
import type { EntryMetadata, StorageEntry } from "@modelmesh/core/runtime";
import { corruptError, isQuotaExceeded, operationError, optionError, quotaError, unavailableError } from "./errors.js";
import { BrowserLocks, LockingStorage, type BrowserLockOptions, type BrowserStorageConnector } from "./locks.js";

/** Connector id. */
export const INDEXED_DB_STORAGE_ID = "modelmesh.indexeddb.v1";

/** Options of {@link createIndexedDbStorage}. */
export interface IndexedDbStorageOptions extends BrowserLockOptions {
  /** Database name. Default `modelmesh`. */
  database?: string;
  /** Object store name in that database. Default `state`. */
  store?: string;
  /** The IndexedDB factory. Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
}

/** A stored record (the key is out of line). */
interface StoredRecord {
  data: Uint8Array;
  metadata?: Record<string, unknown>;
  lastModified: number;
}

/** What to tell the user when IndexedDB cannot be opened at all. */
const UNAVAILABLE_FIX = 'Private browsing modes, blocked site data and sandboxed frames disable it; use createWebStorage("session") or keep the state in memory (no storage).';

/**
 * A storage connector on IndexedDB (id `modelmesh.indexeddb.v1`): database `modelmesh`, object store `state` by
 * default. A full quota rejects with `MM_LOCAL_RESOURCE`; no IndexedDB, a blocked upgrade or a browser that
 * refuses the database reject with `MM_STORE_UNAVAILABLE`. Locks use the Web Locks API when present.
 * @example
 * const storage = createIndexedDbStorage({ database: "my-app" });
 * const entry = await storage.load("modelmesh/state");
 * await storage.close();
 */
export function createIndexedDbStorage(options: IndexedDbStorageOptions = {}): BrowserStorageConnector {
  const database = options.database ?? "modelmesh";
  const store = options.store ?? "state";
  for (const [path, value] of [["storage.database", database], ["storage.store", store]] as const) {
    if (typeof value !== "string" || value === "") throw optionError(path, `must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return new IndexedDbConnector(database, store, options);
}

class IndexedDbConnector extends LockingStorage implements BrowserStorageConnector {
  readonly specificationVersion = "v1" as const;
  readonly id = INDEXED_DB_STORAGE_ID;
  readonly #database: string;
  readonly #store: string;
  readonly #factory: IDBFactory | undefined;
  #connection: Promise<IDBDatabase> | undefined;

  constructor(database: string, store: string, options: IndexedDbStorageOptions) {
    // JSON keeps ("a/b", "c") and ("a", "b/c") apart.
    super(new BrowserLocks(INDEXED_DB_STORAGE_ID, `indexeddb:${JSON.stringify([database, store])}:`, options));
    this.#database = database;
    this.#store = store;
    this.#factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  }

  async load(key: string): Promise<StorageEntry | null> {
    const record = await this.#run("readonly", "read", key, (store) => {
      const request = store.get(key);
      return () => request.result as unknown;
    });
    if (record === undefined) return null;
    const checked = this.#check(key, record);
    const entry: StorageEntry = { key, data: checked.data };
    if (checked.metadata !== undefined) entry.metadata = checked.metadata;
    return entry;
  }

  async save(key: string, entry: StorageEntry): Promise<void> {
    if (!(entry?.data instanceof Uint8Array)) throw optionError("entry.data", `save('${key}') needs a Uint8Array, got ${typeof entry?.data}`);
    // slice(): a view would clone its whole underlying buffer; this stores exactly the entry's bytes.
    const record: StoredRecord = { data: entry.data.slice(), lastModified: Date.now() };
    if (entry.metadata !== undefined) record.metadata = entry.metadata;
    await this.#run("readwrite", "write", key, (store) => {
      store.put(record, key);
      return () => undefined;
    }, record.data.byteLength);
  }

  async list(prefix = ""): Promise<string[]> {
    const keys = await this.#run("readonly", "list", prefix, (store) => {
      const request = prefix === "" ? store.getAllKeys() : store.getAllKeys(prefixRange(prefix));
      return () => request.result;
    });
    return keys.filter((key): key is string => typeof key === "string" && key.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<boolean> {
    return this.#run("readwrite", "delete", key, (store) => {
      const count = store.count(key);
      store.delete(key);
      return () => count.result > 0;
    });
  }

  async stat(key: string): Promise<EntryMetadata | null> {
    const record = await this.#run("readonly", "read", key, (store) => {
      const request = store.get(key);
      return () => request.result as unknown;
    });
    if (record === undefined) return null;
    const { data, metadata, lastModified } = this.#check(key, record);
    const contentType = typeof metadata?.contentType === "string" ? metadata.contentType : "application/octet-stream";
    return { key, size: data.byteLength, lastModified, contentType };
  }

  async exists(key: string): Promise<boolean> {
    return this.#run("readonly", "read", key, (store) => {
      const count = store.count(key);
      return () => count.result > 0;
    });
  }

  /** Closes the connection (the next operation reopens it) and lets go of this connector's locks. Idempotent. */
  override async close(): Promise<void> {
    await super.close();
    const connection = this.#connection;
    this.#connection = undefined;
    const db = await connection?.catch(() => undefined);
    db?.close();
  }

  #check(key: string, record: unknown): StoredRecord {
    const candidate = record as Partial<StoredRecord> | null;
    if (typeof candidate !== "object" || candidate === null || !(candidate.data instanceof Uint8Array) || typeof candidate.lastModified !== "number") {
      throw corruptError(this.id, key, `in IndexedDB '${this.#database}'/'${this.#store}' is not a ModelMesh storage record`);
    }
    return candidate as StoredRecord;
  }

  /**
   * One transaction: `body` issues the requests and returns how to read the result once the transaction
   * completes. A connection that closed meanwhile (another tab's upgrade) is reopened once.
   */
  async #run<T>(mode: IDBTransactionMode, action: string, key: string, body: (store: IDBObjectStore) => () => T, bytes = 0): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const db = await this.#open();
      let transaction: IDBTransaction;
      try {
        transaction = db.transaction(this.#store, mode);
      } catch (cause) {
        this.#connection = undefined;
        if ((cause as { name?: unknown })?.name === "InvalidStateError" && attempt === 0) continue; // closing: reopen
        throw operationError(this.id, action, key, cause);
      }
      return new Promise<T>((resolve, reject) => {
        let result: () => T;
        try {
          result = body(transaction.objectStore(this.#store));
        } catch (cause) {
          transaction.abort();
          if ((cause as { name?: unknown })?.name === "DataCloneError") reject(optionError("entry.metadata", `the metadata of '${key}' cannot be stored in IndexedDB (${(cause as Error).message})`));
          else reject(operationError(this.id, action, key, cause));
          return;
        }
        transaction.oncomplete = () => resolve(result());
        transaction.onabort = () => reject(this.#failure(action, key, transaction.error, bytes));
      });
    }
  }

  #failure(action: string, key: string, cause: unknown, bytes: number) {
    if (isQuotaExceeded(cause)) {
      return quotaError(this.id, key, bytes, `in IndexedDB '${this.#database}'/'${this.#store}'`, "Delete data this origin no longer needs, or keep less state; the browser sets the quota from the free disk space.", cause);
    }
    return operationError(this.id, action, key, cause);
  }

  #open(): Promise<IDBDatabase> {
    this.#connection ??= this.#connect().catch((error: unknown) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #connect(): Promise<IDBDatabase> {
    const factory = this.#factory;
    if (!factory || typeof factory.open !== "function") throw unavailableError(this.id, "IndexedDB does not exist in this runtime", UNAVAILABLE_FIX);
    let db = await this.#request(factory, undefined);
    for (let attempt = 0; !db.objectStoreNames.contains(this.#store); attempt++) {
      // A database made by something else (or an older layout): add the store in a version upgrade.
      const version = db.version + 1;
      db.close();
      try {
        db = await this.#request(factory, version);
      } catch (error) {
        // Another tab upgraded first (VersionError): look again at the version it left.
        if ((error as { name?: unknown })?.name !== "VersionError") throw error;
        if (attempt >= 2) throw unavailableError(this.id, `the IndexedDB database '${this.#database}' keeps changing version while the object store '${this.#store}' is added`, "Another tab upgrades it in a loop; close it and try again.", error, true);
        db = await this.#request(factory, undefined);
      }
    }
    db.onversionchange = () => {
      // Another tab upgrades the database: step aside; the next operation reopens.
      db.close();
      this.#connection = undefined;
    };
    return db;
  }

  /** One `open` request, with its upgrade, blocked and error paths as typed errors. */
  #request(factory: IDBFactory, version: number | undefined): Promise<IDBDatabase> {
    return new Promise<IDBDatabase>((resolve, reject) => {
      let request: IDBOpenDBRequest;
      try {
        request = version === undefined ? factory.open(this.#database) : factory.open(this.#database, version);
      } catch (cause) {
        reject(unavailableError(this.id, `IndexedDB cannot be opened here (${(cause as { name?: string })?.name ?? "error"})`, UNAVAILABLE_FIX, cause));
        return;
      }
      let blocked = false;
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(this.#store)) db.createObjectStore(this.#store);
      };
      request.onblocked = () => {
        blocked = true;
        reject(
          unavailableError(
            this.id,
            `the IndexedDB database '${this.#database}' needs an upgrade (to add the object store '${this.#store}') but another connection to it stays open`,
            "Close the other tabs of this site (or the code holding the database open) and try again.",
            undefined,
            true,
          ),
        );
      };
      request.onsuccess = () => {
        // Opened after we gave up on a blocked upgrade: nobody uses this connection.
        if (blocked) request.result.close();
        else resolve(request.result);
      };
      request.onerror = () => {
        const cause = request.error;
        if (version !== undefined && cause?.name === "VersionError") reject(cause); // retried by #connect
        else if (isQuotaExceeded(cause)) reject(quotaError(this.id, this.#database, 0, "while creating the database", "Free space for this origin (delete data it no longer needs).", cause));
        else reject(unavailableError(this.id, `IndexedDB refused to open the database '${this.#database}' (${cause?.name ?? "error"})`, UNAVAILABLE_FIX, cause));
      };
    });
  }
}

/** Keys starting with `prefix`, by UTF-16 code units (IndexedDB's string order): `[prefix, successor)`. */
function prefixRange(prefix: string): IDBKeyRange {
  let end = prefix;
  while (end.length > 0 && end.charCodeAt(end.length - 1) === 0xffff) end = end.slice(0, -1);
  if (end === "") return IDBKeyRange.lowerBound(prefix);
  const successor = end.slice(0, -1) + String.fromCharCode(end.charCodeAt(end.length - 1) + 1);
  return IDBKeyRange.bound(prefix, successor, false, true);
}
