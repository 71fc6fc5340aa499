/**
 * BaseSecretStore: async `get` with a TTL cache, `failOnMissing`, de-duplicated concurrent lookups and one
 * `resolve(name)` hook to override (lookups are async, and nothing bypasses the cache).
 * Management methods (`set`, `delete`, `list`, `has`) default to an in-memory map. Values never appear in
 * errors: messages name the secret and the store, nothing else.
 */
import { ConfigError, systemClock, type Clock, type SecretStoreConnectorV1 } from "@modelmesh/core";

/** Options of {@link BaseSecretStore}. */
export interface SecretStoreOptions {
  /** Connector / instance id used in messages. Default `modelmesh.memory-secrets.v1`. */
  id?: string;
  /** Pre-loaded values for the default in-memory backing. */
  secrets?: Record<string, string>;
  /** Cache resolved values. Default true. */
  cacheEnabled?: boolean;
  /** Cache lifetime in ms. Default 300 000. */
  cacheTtlMs?: number;
  /** Reject with `MM_SECRET_MISSING` for unknown names (true) or resolve to `""` (false). Default true. */
  failOnMissing?: boolean;
  /** Time source for the cache. Default: the system clock. */
  clock?: Clock;
}

/** Error for a secret that cannot be found. Never includes a value. */
export function secretMissingError(storeId: string, name: string, hint?: string): ConfigError {
  return new ConfigError({
    code: "MM_SECRET_MISSING",
    issues: [{ path: "secrets", message: `secret '${name}' was not found in store ${storeId}. ${hint ?? "Add it to the store or set fail_on_missing: false."}` }],
  });
}

/** A secret store with caching and a single resolution hook. */
export class BaseSecretStore implements SecretStoreConnectorV1 {
  /** Contract version. */
  readonly specificationVersion = "v1" as const;
  /** Store id. */
  readonly id: string;
  /** Time source. */
  protected readonly clock: Clock;
  /** Whether unknown names reject. */
  protected readonly failOnMissing: boolean;
  readonly #values: Map<string, string>;
  readonly #cache = new Map<string, { value: string; expiresAt: number }>();
  readonly #inflight = new Map<string, Promise<string | undefined>>();
  readonly #cacheEnabled: boolean;
  readonly #cacheTtlMs: number;

  constructor(options: SecretStoreOptions = {}) {
    this.id = options.id ?? "modelmesh.memory-secrets.v1";
    this.clock = options.clock ?? systemClock;
    this.failOnMissing = options.failOnMissing ?? true;
    this.#values = new Map(Object.entries(options.secrets ?? {}));
    this.#cacheEnabled = options.cacheEnabled ?? true;
    this.#cacheTtlMs = options.cacheTtlMs ?? 300_000;
  }

  /** The secret's value; rejects with `MM_SECRET_MISSING` when absent and `failOnMissing`. */
  async get(name: string): Promise<string> {
    await this.refresh();
    const cached = this.#cacheEnabled ? this.#cache.get(name) : undefined;
    if (cached) {
      if (this.clock.now() < cached.expiresAt) return cached.value;
      this.#cache.delete(name);
    }
    const value = await this.#lookup(name);
    if (value === undefined) {
      if (this.failOnMissing) throw secretMissingError(this.id, name, this.missingHint(name));
      return "";
    }
    if (this.#cacheEnabled) this.#cache.set(name, { value, expiresAt: this.clock.now() + this.#cacheTtlMs });
    return value;
  }

  /** Whether the secret exists (does not populate the cache). */
  async has(name: string): Promise<boolean> {
    await this.refresh();
    return (await this.#lookup(name)) !== undefined;
  }

  /** Stores a secret and drops its cached value. */
  async set(name: string, value: string): Promise<void> {
    await this.store(name, value);
    this.#cache.delete(name);
  }

  /** Deletes a secret; true if it existed. */
  async delete(name: string): Promise<boolean> {
    this.#cache.delete(name);
    return this.remove(name);
  }

  /** Secret names (never values), sorted. */
  async list(): Promise<string[]> {
    await this.refresh();
    return [...(await this.names())].sort();
  }

  /** Drops every cached value (e.g. after a rotation). */
  clearCache(): void {
    this.#cache.clear();
  }

  /** Clears the cache. */
  async close(): Promise<void> {
    this.clearCache();
  }

  /** Resolves one name from the backing source; `undefined`/`null` = missing. Override for env, files, vaults. */
  protected resolve(name: string): string | undefined | null | Promise<string | undefined | null> {
    return this.#values.get(name);
  }

  /** Writes one value to the backing source (default: the in-memory map). */
  protected store(name: string, value: string): void | Promise<void> {
    this.#values.set(name, value);
  }

  /** Removes one value from the backing source; true if it existed. */
  protected remove(name: string): boolean | Promise<boolean> {
    return this.#values.delete(name);
  }

  /** Names available in the backing source. */
  protected names(): Iterable<string> | Promise<Iterable<string>> {
    return this.#values.keys();
  }

  /** Runs before every `get`, ahead of the cache (hook): e.g. detect a changed source and `clearCache()`. */
  protected refresh(): void | Promise<void> {}

  /** Extra advice appended to the missing-secret message (hook; never include values). */
  protected missingHint(_name: string): string | undefined {
    return undefined;
  }

  #lookup(name: string): Promise<string | undefined> {
    let pending = this.#inflight.get(name);
    if (!pending) {
      pending = Promise.resolve()
        .then(() => this.resolve(name))
        .then((value) => (value === null || value === undefined ? undefined : value))
        .finally(() => this.#inflight.delete(name));
      this.#inflight.set(name, pending);
    }
    return pending;
  }
}

/** In-memory secret store (universal): values given at construction or via `set`. Caching is off (nothing to save). */
export class MemorySecretStore extends BaseSecretStore {
  constructor(options: SecretStoreOptions = {}) {
    super({ id: "modelmesh.memory-secrets.v1", cacheEnabled: false, ...options });
  }
}
