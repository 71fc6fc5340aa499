/**
 * `createBrowserSecretStore`: resolves `${secrets:name}` in a page. Memory only by default: nothing is written
 * anywhere unless `persist` asks for `sessionStorage` (this tab, until it closes) or `localStorage` (every tab,
 * until cleared). Persisted values are plain text under their own prefix (default `modelmesh-secret:`, outside
 * the storages' `modelmesh:` namespace): any script running on the origin can read them, so persist only keys
 * the user typed in for this page, and keep shared keys behind a proxy (docs/browser.md).
 *
 * Lookup order: the `secrets` given at creation and values `set()` since (memory), then persisted values. So
 * the page's code stays the source of truth for the names it supplies, and persisted values fill in the rest
 * (a key the user entered in a settings form, after a reload).
 */
import { ConfigError, ModelMeshError, formatMessage, type SecretStoreConnectorV1 } from "@modelmesh/core/runtime";
import { isQuotaExceeded, optionError, unavailableError } from "./errors.js";

/** Connector id. */
export const BROWSER_SECRET_STORE_ID = "modelmesh.browser-secrets.v1";

/** Options of {@link createBrowserSecretStore}. */
export interface BrowserSecretStoreOptions {
  /** Where `set()` also writes: `none` (default: memory only), `session` (`sessionStorage`) or `local` (`localStorage`). */
  persist?: "none" | "session" | "local";
  /** Secrets held in memory from the start (never written to storage). */
  secrets?: Record<string, string>;
  /** Prefix of persisted items. Default `modelmesh-secret:`. */
  prefix?: string;
}

/** What {@link createBrowserSecretStore} returns: a secret store whose management methods always exist. */
export interface BrowserSecretStore extends SecretStoreConnectorV1 {
  has(name: string): Promise<boolean>;
  /** Holds the value in memory and, when persisting, writes it to the storage area. */
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** Names (never values), sorted: memory and persisted. */
  list(): Promise<string[]>;
  /** Forgets the values held in memory (persisted ones stay). Idempotent. */
  close(): Promise<void>;
}

const PERSIST = ["none", "session", "local"] as const;

/** Missing secret: the same code and wording as cdk's secret stores (`MM_SECRET_MISSING`, a ConfigError). */
function secretMissing(name: string): ConfigError {
  return new ConfigError({
    code: "MM_SECRET_MISSING",
    issues: [{ path: "secrets", message: `secret '${name}' was not found in store ${BROWSER_SECRET_STORE_ID}. Pass it in secrets: { … } or set() it first.` }],
  });
}

/**
 * A secret store for pages: memory by default, never persisted unless `persist` asks (id
 * `modelmesh.browser-secrets.v1`). A missing name rejects with `MM_SECRET_MISSING`; no error carries a value.
 * @example
 * const secrets = createBrowserSecretStore({ persist: "session" });
 * await secrets.set("openai-key", keyTypedByTheUser);
 * const key = await secrets.get("openai-key");
 */
export function createBrowserSecretStore(options: BrowserSecretStoreOptions = {}): BrowserSecretStore {
  const persist = options.persist ?? "none";
  if (!PERSIST.includes(persist)) throw optionError("secrets.persist", `must be one of "none", "session", "local", got ${JSON.stringify(persist)}`);
  const prefix = options.prefix ?? "modelmesh-secret:";
  if (typeof prefix !== "string" || prefix === "") throw optionError("secrets.prefix", "must be a non-empty string (persisted secrets need their own namespace)");
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(options.secrets ?? {})) {
    // Name the secret, never show the value.
    if (typeof value !== "string") throw optionError(`secrets.${name}`, `must be a string, got ${value === null ? "null" : typeof value}`);
    values.set(name, value);
  }
  return new MemoryFirstSecretStore(values, persist === "none" ? undefined : storageArea(persist), prefix);
}

function storageArea(kind: "session" | "local"): Storage {
  const property = kind === "local" ? "localStorage" : "sessionStorage";
  let storage: Storage | undefined;
  try {
    storage = (globalThis as unknown as Record<string, Storage | undefined>)[property];
  } catch {
    storage = undefined; // SecurityError: site data blocked
  }
  if (!storage) {
    throw unavailableError(BROWSER_SECRET_STORE_ID, `persist: "${kind}" needs ${property}, which this page may not use`, 'Use persist: "none" (memory only) here; workers, edge runtimes and pages with blocked site data have no Web Storage.');
  }
  return storage;
}

class MemoryFirstSecretStore implements BrowserSecretStore {
  readonly specificationVersion = "v1" as const;
  readonly id = BROWSER_SECRET_STORE_ID;
  readonly #values: Map<string, string>;
  readonly #storage: Storage | undefined;
  readonly #prefix: string;

  constructor(values: Map<string, string>, storage: Storage | undefined, prefix: string) {
    this.#values = values;
    this.#storage = storage;
    this.#prefix = prefix;
  }

  async get(name: string): Promise<string> {
    const value = this.#lookup(name);
    if (value === undefined) throw secretMissing(name);
    return value;
  }

  async has(name: string): Promise<boolean> {
    return this.#lookup(name) !== undefined;
  }

  /** Holds the value in memory and, when persisting, writes it to the storage area. */
  async set(name: string, value: string): Promise<void> {
    if (typeof name !== "string" || name === "") throw optionError("secrets", "a secret name must be a non-empty string");
    if (typeof value !== "string") throw optionError(`secrets.${name}`, `must be a string, got ${value === null ? "null" : typeof value}`);
    if (this.#storage) {
      try {
        this.#storage.setItem(this.#prefix + name, value);
      } catch (cause) {
        const full = isQuotaExceeded(cause);
        // The cause is a DOMException from the browser: it never contains the value.
        throw new ModelMeshError({
          name: full ? "ModelMeshStorageQuotaError" : "ModelMeshError",
          code: full ? "MM_LOCAL_RESOURCE" : "MM_INTERNAL",
          category: "internal",
          message: formatMessage(`secrets:${this.id}`, `could not persist the secret '${name}' (${value.length} characters)${full ? ": the browser's storage quota is exceeded" : ""}`, "It is still held in memory for this page."),
          metadata: { name },
          cause,
        });
      } finally {
        this.#values.set(name, value);
      }
    } else {
      this.#values.set(name, value);
    }
  }

  async delete(name: string): Promise<boolean> {
    const inMemory = this.#values.delete(name);
    const stored = this.#storage?.getItem(this.#prefix + name) != null;
    if (stored) this.#storage!.removeItem(this.#prefix + name);
    return inMemory || stored;
  }

  /** Names (never values), sorted: memory and persisted. */
  async list(): Promise<string[]> {
    const names = new Set(this.#values.keys());
    if (this.#storage) {
      for (let i = 0; i < this.#storage.length; i++) {
        const item = this.#storage.key(i);
        if (item?.startsWith(this.#prefix)) names.add(item.slice(this.#prefix.length));
      }
    }
    return [...names].sort();
  }

  /** Forgets the values held in memory (persisted ones stay). Idempotent. */
  async close(): Promise<void> {
    this.#values.clear();
  }

  #lookup(name: string): string | undefined {
    const value = this.#values.get(name);
    if (value !== undefined) return value;
    return this.#storage?.getItem(this.#prefix + name) ?? undefined;
  }
}
