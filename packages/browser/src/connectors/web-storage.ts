/**
 * `createWebStorage`: a `StorageConnectorV1` over the Web Storage API (`localStorage`, `sessionStorage`, or any
 * object with the `Storage` interface). Where the state ledger's snapshots go in a page when IndexedDB is not
 * wanted: `localStorage` survives reloads and is shared by the origin's tabs; `sessionStorage` survives reloads
 * of one tab only.
 *
 * Each entry is one item, `<prefix><key>` → a JSON envelope `{"modelmesh":1,"data":<base64>,"metadata":…,
 * "lastModified":<epoch ms>}`. Items without that envelope (another library's, under the same prefix) are not
 * listed, and loading one is an `MM_INTERNAL` error rather than garbage. Metadata is stored as JSON.
 *
 * Locks are named after the storage area and prefix. With Web Locks they span the origin, so on
 * `sessionStorage` (one per tab) they also make other tabs wait during a merge: more exclusion than needed,
 * never less (same-origin frames of one tab share its `sessionStorage` but not its JavaScript realm).
 */
import type { EntryMetadata, StorageEntry } from "@modelmesh/core/runtime";
import { base64ToBytes, bytesToBase64 } from "./bytes.js";
import { corruptError, isQuotaExceeded, operationError, optionError, quotaError, unavailableError } from "./errors.js";
import { BrowserLocks, LockingStorage, type BrowserLockOptions, type BrowserStorageConnector } from "./locks.js";

/** Connector id on `localStorage`. */
export const LOCAL_STORAGE_ID = "modelmesh.local-storage.v1";
/** Connector id on `sessionStorage`. */
export const SESSION_STORAGE_ID = "modelmesh.session-storage.v1";
/** Connector id on any other `Storage` object (a polyfill, a test double). */
export const WEB_STORAGE_ID = "modelmesh.web-storage.v1";

/** Options of {@link createWebStorage}. */
export interface WebStorageOptions extends BrowserLockOptions {
  /** Namespace of the items: every key is stored as `<prefix><key>` and `list` sees only this namespace. Default `modelmesh:`. */
  prefix?: string;
}

/** The start of every envelope this connector writes (how `list` tells its items from others'). */
const MARK = '{"modelmesh":1,';

interface Envelope {
  modelmesh: 1;
  data: string;
  metadata?: Record<string, unknown>;
  lastModified: number;
}

/** Which storage the `"local"` / `"session"` shorthands name, and their ids. */
const AREAS = { local: ["localStorage", LOCAL_STORAGE_ID], session: ["sessionStorage", SESSION_STORAGE_ID] } as const;

/** `globalThis.localStorage` / `sessionStorage`; throws a typed error when the page may not use it. */
function area(kind: "local" | "session"): Storage {
  const [property, id] = AREAS[kind];
  let storage: Storage | undefined;
  try {
    storage = (globalThis as unknown as Record<string, Storage | undefined>)[property];
  } catch (cause) {
    // Chromium throws SecurityError when site data is blocked; opaque origins (file:, sandboxed frames) too.
    throw unavailableError(id, `${property} may not be used here (${(cause as { name?: string })?.name ?? "error"})`, "The browser blocks site data for this page (settings, a sandboxed frame or an opaque origin); use the memory state (no storage) instead.", cause);
  }
  if (!storage) throw unavailableError(id, `${property} does not exist in this runtime`, "Web Storage exists only in windows (not in workers or edge runtimes); use createIndexedDbStorage() there.");
  return storage;
}

/** The id that fits `storage`: local, session, or generic. */
function idOf(storage: Storage): string {
  for (const kind of ["local", "session"] as const) {
    try {
      if ((globalThis as unknown as Record<string, unknown>)[AREAS[kind][0]] === storage) return AREAS[kind][1];
    } catch {
      // not accessible here: cannot be that one
    }
  }
  return WEB_STORAGE_ID;
}

/**
 * A storage connector on `localStorage` or `sessionStorage` (pass the object, or `"local"` / `"session"` to
 * have it looked up with a typed error when unavailable). Id `modelmesh.local-storage.v1`,
 * `modelmesh.session-storage.v1`, or `modelmesh.web-storage.v1` for another `Storage` object. Locks use the Web
 * Locks API when present (see `BrowserLockMode`); a full storage rejects with `MM_LOCAL_RESOURCE`.
 * @example
 * const storage = createWebStorage(localStorage, { prefix: "my-app:" });
 * await storage.save("modelmesh/state", { key: "modelmesh/state", data: new TextEncoder().encode("{}") });
 */
export function createWebStorage(storage: Storage | "local" | "session", options: WebStorageOptions = {}): BrowserStorageConnector {
  const target = storage === "local" || storage === "session" ? area(storage) : storage;
  if (typeof target !== "object" || target === null || typeof target.getItem !== "function" || typeof target.setItem !== "function") {
    throw optionError("storage", `createWebStorage needs a Storage object (localStorage, sessionStorage) or "local" / "session", got ${typeof storage === "string" ? JSON.stringify(storage) : typeof storage}`);
  }
  const prefix = options.prefix ?? "modelmesh:";
  if (typeof prefix !== "string") throw optionError("storage.prefix", `must be a string, got ${typeof prefix}`);
  return new WebStorageConnector(target, idOf(target), prefix, options);
}

class WebStorageConnector extends LockingStorage implements BrowserStorageConnector {
  readonly specificationVersion = "v1" as const;
  readonly id: string;
  readonly #storage: Storage;
  readonly #prefix: string;

  constructor(storage: Storage, id: string, prefix: string, options: BrowserLockOptions) {
    // Connectors on the same storage area and prefix share locks (in every tab, with Web Locks).
    super(new BrowserLocks(id, `${id === WEB_STORAGE_ID ? "web-storage" : id}:${prefix}`, options));
    this.#storage = storage;
    this.id = id;
    this.#prefix = prefix;
  }

  async load(key: string): Promise<StorageEntry | null> {
    const envelope = this.#read(key);
    if (!envelope) return null;
    let data: Uint8Array;
    try {
      data = base64ToBytes(envelope.data);
    } catch {
      throw corruptError(this.id, key, "holds data that is not base64");
    }
    const entry: StorageEntry = { key, data };
    if (envelope.metadata !== undefined) entry.metadata = envelope.metadata;
    return entry;
  }

  async save(key: string, entry: StorageEntry): Promise<void> {
    if (!(entry?.data instanceof Uint8Array)) throw optionError("entry.data", `save('${key}') needs a Uint8Array, got ${typeof entry?.data}`);
    const envelope: Envelope = { modelmesh: 1, data: bytesToBase64(entry.data), lastModified: Date.now() };
    if (entry.metadata !== undefined) envelope.metadata = entry.metadata;
    let text: string;
    try {
      text = JSON.stringify(envelope);
    } catch (cause) {
      throw optionError("entry.metadata", `the metadata of '${key}' is not JSON-serialisable (${(cause as Error).message})`);
    }
    try {
      this.#storage.setItem(this.#prefix + key, text);
    } catch (cause) {
      if (isQuotaExceeded(cause)) {
        throw quotaError(this.id, key, entry.data.byteLength, `${text.length} characters as stored`, "Delete entries this origin no longer needs, keep less state, or use createIndexedDbStorage() (a much larger quota).", cause);
      }
      throw operationError(this.id, "write", key, cause);
    }
  }

  async list(prefix = ""): Promise<string[]> {
    const full = this.#prefix + prefix;
    const keys: string[] = [];
    // Collect first: reading while others write must not skip items (indexes shift on removal).
    const names: string[] = [];
    for (let i = 0; i < this.#storage.length; i++) {
      const name = this.#storage.key(i);
      if (name !== null && name.startsWith(full)) names.push(name);
    }
    for (const name of names) {
      if (this.#storage.getItem(name)?.startsWith(MARK)) keys.push(name.slice(this.#prefix.length));
    }
    return keys.sort();
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.#storage.getItem(this.#prefix + key) !== null;
    if (existed) this.#storage.removeItem(this.#prefix + key);
    return existed;
  }

  async stat(key: string): Promise<EntryMetadata | null> {
    const envelope = this.#read(key);
    if (!envelope) return null;
    const contentType = typeof envelope.metadata?.contentType === "string" ? envelope.metadata.contentType : "application/octet-stream";
    return { key, size: base64Size(envelope.data), lastModified: envelope.lastModified, contentType };
  }

  async exists(key: string): Promise<boolean> {
    return this.#storage.getItem(this.#prefix + key)?.startsWith(MARK) === true;
  }

  /** Lets go of the locks this connector holds; the items stay. */
  override async close(): Promise<void> {
    await super.close();
  }

  #read(key: string): Envelope | null {
    const text = this.#storage.getItem(this.#prefix + key);
    if (text === null) return null;
    let envelope: Partial<Envelope> | undefined;
    try {
      envelope = text.startsWith(MARK) ? (JSON.parse(text) as Partial<Envelope>) : undefined;
    } catch {
      envelope = undefined;
    }
    if (!envelope || typeof envelope.data !== "string" || typeof envelope.lastModified !== "number") {
      throw corruptError(this.id, key, `is not a ModelMesh storage entry (another script wrote '${this.#prefix}${key}')`);
    }
    return envelope as Envelope;
  }
}

/** Decoded length of a padded base64 string, without decoding it. */
function base64Size(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}
