import type { Clock, ConnectorDescriptor, EntryMetadata, LockHandle, StateStore, StorageConnectorV1, StorageEntry } from "@modelmesh/core";
import { ModelMeshError, systemClock } from "@modelmesh/core";
import { z } from "zod";
import {
  closeQuietly,
  CommandRunner,
  connect,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  bufferReplies,
  escapeGlob,
  loadRedis,
  newClient,
  type RedisClient,
} from "./connection.js";
import { RedisStateStore } from "./redis-state-store.js";
import { RELEASE_LOCK, SAVE_BLOB } from "./scripts.js";

/** Id of the Redis storage connector (alias `redis`). */
export const REDIS_STORAGE_ID = "modelmesh.redis.v1";

/** A duration in ms: a number, or a string such as `"250ms"`, `"2s"`, `"1m"`. */
const durationMs = z.union([
  z.number().positive(),
  z.string().regex(/^\d+(\.\d+)?(ms|s|m)$/, 'expected a duration such as "500ms", "2s" or "1m"').transform((text) => {
    const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text)!;
    return Number(amount) * (unit === "ms" ? 1 : unit === "s" ? 1_000 : 60_000);
  }),
]);

/**
 * The connector's own block, `storage.config` (snake_case, unknown keys rejected):
 * `url` (required; usually `${env:REDIS_URL}`), `key_prefix` (default `modelmesh:`), `command_timeout`
 * (default 1s), `connect_timeout` (default 5s), `lock_ttl` (default 30s) and `lock_wait` (default 10s).
 */
export const redisConnectionConfigSchema = z.strictObject({
  url: z.string().regex(/^rediss?:\/\//, "expected a redis:// or rediss:// URL"),
  key_prefix: z.string().min(1).optional(),
  command_timeout: durationMs.optional(),
  connect_timeout: durationMs.optional(),
  lock_ttl: durationMs.optional(),
  lock_wait: durationMs.optional(),
});

/**
 * The whole `storage` section as core hands it to the connector: the keys core owns (`connector`,
 * `sync_policy`, `sync_interval`, already validated by core) and the connector's block under `config`.
 * Any other key is rejected, naming it.
 */
export const redisStorageConfigSchema = z.strictObject({
  connector: z.string().optional(),
  sync_policy: z.string().optional(),
  sync_interval: z.unknown().optional(),
  on_store_failure: z.string().optional(),
  config: redisConnectionConfigSchema,
});

/** The validated `storage` section. */
export type RedisStorageConfig = z.infer<typeof redisStorageConfigSchema>;

/** Options of {@link createRedisStorage}. */
export interface RedisStorageOptions {
  /** `redis://[user:password@]host:port[/db]`; required unless `client` is given. */
  url?: string;
  /** Prefix of every Redis key (blobs under `<prefix>b:`, locks under `<prefix>l:`). Default `modelmesh:`. */
  keyPrefix?: string;
  /** Bound of one command, in ms. Default 1000. */
  commandTimeoutMs?: number;
  /** Bound of the first connection, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Default hold time of a lock, in ms. Default 30 000. */
  lockTtlMs?: number;
  /** Default wait of `acquire` for a held lock, in ms. Default 10 000. */
  lockWaitMs?: number;
  /** Time source of modification times and lock handles. Default: the system clock. */
  clock?: Clock;
  /** An existing `@redis/client` 5 client instead of `url` (then left open by `close()`). */
  client?: RedisClient;
  /** Connector id reported by `id`. Default `modelmesh.redis.v1`. */
  id?: string;
}

/** Longest pause between two looks at a held lock while waiting for it. */
const LOCK_POLL_MAX_MS = 25;

/**
 * A {@link StorageConnectorV1} on Redis: blobs under `<keyPrefix>b:<key>` (a hash of `data`, `mtime` and
 * the JSON `meta`), advisory locks under `<keyPrefix>l:<key>` taken with `SET NX PX` and released by a
 * token-checked script, and, through {@link openStateStore}, the live {@link RedisStateStore} on the same
 * connection, so that every instance of the mesh shares one state instead of syncing snapshots.
 *
 * @example
 * const storage = await createRedisStorage({ url: "redis://localhost:6379" });
 * await storage.save("config/last", { key: "config/last", data: new TextEncoder().encode("{}") });
 * const store = await storage.openStateStore(); // the live state, shared by every instance
 * await storage.close();
 */
export class RedisStorage implements StorageConnectorV1 {
  readonly specificationVersion = "v1" as const;
  readonly id: string;
  readonly #runner: CommandRunner;
  readonly #client: RedisClient;
  readonly #ownsClient: boolean;
  readonly #keyPrefix: string;
  readonly #url: string | undefined;
  readonly #clock: Clock;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;
  #store: RedisStateStore | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Wraps a connected client; {@link createRedisStorage} is the way to get one.
   * @internal
   */
  constructor(options: { client: RedisClient; ownsClient: boolean; keyPrefix: string; url: string | undefined; commandTimeoutMs: number; lockTtlMs: number; lockWaitMs: number; clock: Clock; id: string }) {
    this.id = options.id;
    this.#client = options.client;
    this.#ownsClient = options.ownsClient;
    this.#keyPrefix = options.keyPrefix;
    this.#url = options.url;
    this.#clock = options.clock;
    this.#lockTtlMs = options.lockTtlMs;
    this.#lockWaitMs = options.lockWaitMs;
    this.#runner = new CommandRunner(options.client, { keyPrefix: options.keyPrefix, url: options.url }, options.commandTimeoutMs);
  }

  /** The blob stored under `key`, or null. */
  async load(key: string): Promise<StorageEntry | null> {
    const [data, meta] = (await this.#runner.send("storage.load", ["HMGET", this.#blobKey(key), "data", "meta"], bufferReplies())) as [Buffer | null, Buffer | null];
    if (data === null) return null;
    const entry: StorageEntry = { key, data: new Uint8Array(data) };
    if (meta !== null) entry.metadata = JSON.parse(meta.toString("utf8")) as Record<string, unknown>;
    return entry;
  }

  /** Stores (overwrites) a blob and its metadata in one step. */
  async save(key: string, entry: StorageEntry): Promise<void> {
    const data = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const meta = entry.metadata === undefined ? "" : JSON.stringify(entry.metadata);
    await this.#runner.eval("storage.save", SAVE_BLOB, [this.#blobKey(key)], [data, String(this.#clock.now()), meta]);
  }

  /** Keys of the stored blobs starting with `prefix` (SCAN). */
  async list(prefix = ""): Promise<string[]> {
    const base = this.#blobKey("");
    const pattern = `${escapeGlob(base + prefix)}*`;
    const found = new Set<string>();
    let cursor = "0";
    do {
      const [next, keys] = (await this.#runner.send("storage.list", ["SCAN", cursor, "MATCH", pattern, "COUNT", "500"])) as [string, string[]];
      for (const key of keys) found.add(key.slice(base.length));
      cursor = next;
    } while (cursor !== "0");
    return [...found];
  }

  /** Removes a blob; true if it existed. */
  async delete(key: string): Promise<boolean> {
    return (await this.#runner.send("storage.delete", ["DEL", this.#blobKey(key)])) === 1;
  }

  /** Size, modification time and content type (`metadata.contentType`) of a blob, or null. */
  async stat(key: string): Promise<EntryMetadata | null> {
    const blobKey = this.#blobKey(key);
    const [size, fields] = (await Promise.all([
      this.#runner.send("storage.stat", ["HSTRLEN", blobKey, "data"]),
      this.#runner.send("storage.stat", ["HMGET", blobKey, "mtime", "meta"]),
    ])) as [number, [string | null, string | null]];
    const [mtime, meta] = fields;
    if (mtime === null) return null;
    const out: EntryMetadata = { key, size, lastModified: Number(mtime) };
    const contentType = meta === null ? undefined : (JSON.parse(meta) as Record<string, unknown>).contentType;
    if (typeof contentType === "string") out.contentType = contentType;
    return out;
  }

  /** True if a blob is stored under `key`. */
  async exists(key: string): Promise<boolean> {
    return (await this.#runner.send("storage.exists", ["EXISTS", this.#blobKey(key)])) === 1;
  }

  /**
   * Takes the lock on `key` for `ttlMs` (default 30 s; it lapses by itself after that), waiting at most
   * `waitMs` (default 10 s) for a holder to release it or lapse. Rejects with `MM_TIMEOUT_RESPONSE` (category
   * timeout) when the wait runs out, as the CDK's storages do.
   */
  async acquire(key: string, options: { ttlMs?: number; waitMs?: number } = {}): Promise<LockHandle> {
    const ttlMs = Math.max(1, Math.ceil(options.ttlMs ?? this.#lockTtlMs));
    const waitMs = options.waitMs ?? this.#lockWaitMs;
    const deadline = Date.now() + waitMs;
    const lockKey = this.#lockKey(key);
    for (let attempt = 0; ; attempt++) {
      const lockId = globalThis.crypto.randomUUID();
      const acquiredAt = this.#clock.now();
      const reply = await this.#runner.send("storage.acquire", ["SET", lockKey, lockId, "NX", "PX", String(ttlMs)]);
      if (reply === "OK") return { key, lockId, acquiredAt, expiresAt: acquiredAt + ttlMs };
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ModelMeshError({
          name: "ModelMeshLockTimeoutError",
          code: "MM_TIMEOUT_RESPONSE",
          category: "timeout",
          retryable: true,
          message: `[modelmesh] [storage:${this.id}] could not acquire the lock on '${key}' within ${waitMs} ms (key prefix "${this.#keyPrefix}")`,
        });
      }
      // Polling, with a short growing pause: Redis has no waiter queue for a plain key.
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, 2 + attempt * 2, LOCK_POLL_MAX_MS)));
    }
  }

  /** Releases a lock; false if this handle no longer holds it (lapsed, or taken over). */
  async release(lock: LockHandle): Promise<boolean> {
    return (await this.#runner.eval("storage.release", RELEASE_LOCK, [this.#lockKey(lock.key)], [lock.lockId])) === 1;
  }

  /** True while someone holds the lock on `key`. */
  async isLocked(key: string): Promise<boolean> {
    return (await this.#runner.send("storage.isLocked", ["EXISTS", this.#lockKey(key)])) === 1;
  }

  /**
   * The live state store on this connection (same server, same key prefix), opened once. Core uses it as the
   * mesh's state store instead of snapshotting a memory store into this storage (see the README).
   */
  async openStateStore(): Promise<StateStore> {
    if (this.#runner.closed) throw new TypeError("[modelmesh] [storage-redis] openStateStore() after close()");
    this.#store ??= new RedisStateStore({
      client: this.#client,
      ownsClient: false,
      keyPrefix: this.#keyPrefix,
      url: this.#url,
      commandTimeoutMs: this.#runner.timeoutMs,
    });
    return this.#store;
  }

  /** Closes the state store (if opened) and the connection (unless the client was passed in). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#runner.close();
      await this.#store?.close();
      if (this.#ownsClient) await closeQuietly(this.#client, this.#runner.timeoutMs);
    })();
    return this.#closing;
  }

  #blobKey(key: string): string {
    return `${this.#keyPrefix}b:${key}`;
  }

  #lockKey(key: string): string {
    return `${this.#keyPrefix}l:${key}`;
  }
}

/**
 * Connects to Redis and returns a {@link RedisStorage}. Rejects with `StoreUnavailableError` when the server
 * cannot be reached within `connectTimeoutMs`.
 *
 * @example
 * const storage = await createRedisStorage({ url: process.env.REDIS_URL, keyPrefix: "prod:" });
 * const store = await storage.openStateStore();
 */
export async function createRedisStorage(options: RedisStorageOptions): Promise<RedisStorage> {
  const keyPrefix = options.keyPrefix ?? "modelmesh:";
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (options.client === undefined && !options.url) throw new TypeError("[modelmesh] [storage-redis] createRedisStorage needs `url` or `client`.");
  await loadRedis();
  const client = options.client ?? (await newClient(options.url!, connectTimeoutMs));
  await connect(client, "storage.connect", { keyPrefix, url: options.url, connectTimeoutMs });
  return new RedisStorage({
    client,
    ownsClient: options.client === undefined,
    keyPrefix,
    url: options.url,
    commandTimeoutMs,
    lockTtlMs: options.lockTtlMs ?? 30_000,
    lockWaitMs: options.lockWaitMs ?? 10_000,
    clock: options.clock ?? systemClock,
    id: options.id ?? REDIS_STORAGE_ID,
  });
}

/**
 * `modelmesh.redis.v1` (alias `redis`): the storage connector descriptor, for a `ConnectorRegistry`. Config:
 *
 * ```yaml
 * storage:
 *   connector: redis
 *   config: { url: "${env:REDIS_URL}", key_prefix: "prod:" }
 * ```
 *
 * The instance is a {@link RedisStorage}: the storage contract plus `openStateStore()`.
 *
 * @example
 * import { ConnectorRegistry } from "@modelmesh/core";
 * import { redisStorageConnector } from "@modelmesh/storage-redis";
 * const registry = new ConnectorRegistry({ connectors: [redisStorageConnector] });
 */
export const redisStorageConnector: ConnectorDescriptor<RedisStorageConfig, RedisStorage> = {
  id: REDIS_STORAGE_ID,
  type: "storage",
  specificationVersion: "v1",
  aliases: ["redis"],
  runtime: "node",
  description: "Shared state and blobs on Redis: atomic Lua operations, a change feed across instances, locks.",
  configSchema: redisStorageConfigSchema,
  create: (config, context) =>
    createRedisStorage({
      url: config.config.url,
      clock: context.clock,
      ...defined({
        keyPrefix: config.config.key_prefix,
        commandTimeoutMs: config.config.command_timeout,
        connectTimeoutMs: config.config.connect_timeout,
        lockTtlMs: config.config.lock_ttl,
        lockWaitMs: config.config.lock_wait,
      }),
    }),
};

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
