import type { IncrementOp, StateSnapshot, StateStore, StateWriteOptions, VersionedValue } from "@modelmesh/core";
import {
  closeQuietly,
  CommandRunner,
  connect,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  escapeGlob,
  loadRedis,
  newClient,
  reconnectDelay,
  unavailable,
  type RedisClient,
} from "./connection.js";
import { StoreValueError } from "./errors.js";
import {
  COMPARE_AND_SET,
  DELETE,
  DELETE_MANY,
  EXPORT,
  GET_MANY,
  IMPORT,
  INCREMENT,
  INCREMENT_MANY,
  NOT_A_NUMBER,
  SET,
  SET_IF_ABSENT,
  type LuaScript,
} from "./scripts.js";

/** Options of {@link createRedisStateStore}. */
export interface RedisStateStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). Required unless `client` is given. */
  url?: string;
  /** Prefix of every Redis key and of the change channel. Default `modelmesh:`. */
  keyPrefix?: string;
  /** Bound of one command (one round trip), in ms. Default 1000. */
  commandTimeoutMs?: number;
  /** Bound of the first connection, in ms (also the socket's connect timeout). Default 5000. */
  connectTimeoutMs?: number;
  /**
   * An existing `@redis/client` 5 client (connected or not) instead of `url`. The store duplicates it for its
   * change feed; `close()` then closes only that duplicate, the client stays the caller's.
   */
  client?: RedisClient;
}

/** The scripts of the state operations, loaded on every (re)connection. */
const STATE_SCRIPTS: readonly LuaScript[] = [SET, COMPARE_AND_SET, SET_IF_ABSENT, INCREMENT, INCREMENT_MANY, DELETE, DELETE_MANY, GET_MANY, EXPORT, IMPORT];

/** Keys scanned per SCAN call and entries per export/import/delete batch. */
const BATCH = 500;
const ABSENT: Readonly<VersionedValue<never>> = Object.freeze({ version: 0 });
/** A script's "not a number" error, with the 1-based index of the offending key. */
const NOT_A_NUMBER_REPLY = new RegExp(`${NOT_A_NUMBER} (\\d+)`);

type Listener = (key: string, value: unknown) => void;

interface Watcher {
  prefix: string;
  listener: Listener;
  /** Keys last reported with a value, so a resync after a lost subscription can report removals. */
  live: Set<string>;
}

/**
 * A {@link StateStore} on Redis, shared by any number of processes: the state ledger's cooldowns, circuits,
 * quota counters and leases hold across every proxy instance pointed at the same server
 * (docs/ARCHITECTURE.md §2.9).
 *
 * Layout under the key prefix `p` (default `modelmesh:`): each state key `k` is a hash `p + "s:" + k` holding
 * `d` (the JSON value) and `v` (its version); `p + "__version"` is the store-wide version counter (INCR, so a
 * key deleted and re-created never repeats a version: no ABA); `p + "__changes"` is the change channel.
 * Expiry is Redis's own (PEXPIREAT at the absolute `expireAt`, read back with PEXPIRETIME), so it follows the
 * Redis server's clock: keep hosts NTP-synchronised.
 *
 * Every operation is one atomic server-side step (a Lua script, or one read command) and one round trip,
 * except `keys`, `export` and `import`, which walk the keyspace with SCAN in batches. The scripts are loaded
 * on every (re)connection, so operations issued in the same tick go out in one write and run in the order
 * they were made (a caller may read what it just wrote in the same round trip). There is no `update`:
 * a JS function cannot run on the server, so `updateState` uses `getVersioned` + `compareAndSet`.
 *
 * Failures: every command is bounded by `commandTimeoutMs`; while the connection is down commands fail at
 * once (no offline queue) and the client reconnects with capped exponential backoff. Both reject with
 * {@link StoreUnavailableError}. A counter that holds a non-number rejects with {@link StoreValueError}.
 *
 * Change feed ({@link watch}): every write and removal publishes the key and its new JSON value (or a removal)
 * on the change channel from inside its script, and a dedicated subscriber connection delivers them to the
 * listeners of every instance, this one included. Expiry is NOT published: an entry that expires is
 * reported lazily, i.e. not at all until someone writes or removes it again; readers treat an expired entry
 * as absent. After the subscription was lost and restored, each listener is sent the current value of every
 * key under its prefix, and a removal for keys it saw that are gone, so nothing written meanwhile is missed.
 *
 * @example
 * const store = await createRedisStateStore({ url: process.env.REDIS_URL, keyPrefix: "mesh-a:" });
 * await store.set("greeting", { text: "hi" }, { expireAt: Date.now() + 60_000 });
 * const hits = await store.increment("hits", 1);
 * await store.close();
 */
export class RedisStateStore implements StateStore {
  readonly #client: RedisClient;
  readonly #runner: CommandRunner;
  readonly #ownsClient: boolean;
  readonly #keyPrefix: string;
  readonly #url: string | undefined;
  readonly #commandTimeoutMs: number;
  readonly #statePrefix: string;
  readonly #counterKey: string;
  readonly #channel: string;
  #watchers: Watcher[] = [];
  #subscriber: RedisClient | undefined;
  #subscribed: Promise<void> | undefined;
  #subscriberReadyOnce = false;
  #resyncGeneration = 0;
  #closed = false;
  /** Loads the scripts whenever the command connection becomes ready (first connection and every reconnection). */
  readonly #loadScripts = () => {
    for (const lua of STATE_SCRIPTS) this.#runner.send("loadScripts", ["SCRIPT", "LOAD", lua.source]).catch(() => {});
  };

  /**
   * Wraps a client; {@link createRedisStateStore} is the way to get a connected store.
   * @internal
   */
  constructor(options: { client: RedisClient; ownsClient: boolean; keyPrefix: string; url: string | undefined; commandTimeoutMs: number }) {
    this.#client = options.client;
    this.#ownsClient = options.ownsClient;
    this.#keyPrefix = options.keyPrefix;
    this.#url = options.url;
    this.#commandTimeoutMs = options.commandTimeoutMs;
    this.#statePrefix = `${options.keyPrefix}s:`;
    this.#counterKey = `${options.keyPrefix}__version`;
    this.#channel = `${options.keyPrefix}__changes`;
    this.#runner = new CommandRunner(options.client, { keyPrefix: options.keyPrefix, url: options.url }, options.commandTimeoutMs);
    // Scripts loaded up front, ahead of any operation on the same connection: the first use of each costs no
    // NOSCRIPT round trip, and operations issued in one tick stay in the order they were made (a NOSCRIPT
    // fallback would send its EVAL after them). A server that lost them (SCRIPT FLUSH) still gets EVAL.
    options.client.on("ready", this.#loadScripts);
    if (options.client.isReady) this.#loadScripts();
  }

  /** The prefix of every Redis key of this store. */
  get keyPrefix(): string {
    return this.#keyPrefix;
  }

  /** The Redis channel the change feed is published on (`<keyPrefix>__changes`). */
  get channel(): string {
    return this.#channel;
  }

  /** True while the command connection is up (for readiness probes). */
  get isReady(): boolean {
    return !this.#closed && this.#client.isReady;
  }

  /** Reads a value; undefined when absent or expired. */
  /**
   * Commands go over one connection and Redis runs them in arrival order, so operations issued without awaiting
   * apply in the order issued ({@link StateStore.ordered}): the ledger sends dependent ones together.
   */
  get ordered(): boolean {
    return true;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const json = (await this.#send("get", ["HGET", this.#stateKey(key), "d"])) as string | null;
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  /** Batch read in one round trip and one server instant. */
  async getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    if (keys.length === 0) return [];
    const replies = (await this.#eval("getMany", GET_MANY, keys.map((k) => this.#stateKey(k)), [])) as Array<string | null>;
    return replies.map((json) => (json === null ? undefined : (JSON.parse(json) as T)));
  }

  /** Writes a value unconditionally, replacing any expiry with `options.expireAt`. */
  async set<T>(key: string, value: T, options?: StateWriteOptions): Promise<void> {
    await this.#eval("set", SET, [this.#stateKey(key), this.#counterKey], [toJson(value, key), expiry(options?.expireAt), header(key), this.#channel]);
  }

  /** Reads a value and its version (0 when absent). */
  async getVersioned<T>(key: string): Promise<VersionedValue<T>> {
    const [json, version] = (await this.#send("getVersioned", ["HMGET", this.#stateKey(key), "d", "v"])) as [string | null, string | null];
    if (json === null || version === null) return ABSENT;
    return { value: JSON.parse(json) as T, version: Number(version) };
  }

  /** Writes only if the key's version is still `expectedVersion` (0: only if absent); atomic on the server. */
  async compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: StateWriteOptions): Promise<boolean> {
    const written = await this.#eval("compareAndSet", COMPARE_AND_SET, [this.#stateKey(key), this.#counterKey], [
      String(expectedVersion),
      toJson(value, key),
      expiry(options?.expireAt),
      header(key),
      this.#channel,
    ]);
    return written === 1;
  }

  /** Adds `by` to a numeric counter (absent = 0), keeping its expiry unless `options.expireAt` is given. */
  async increment(key: string, by: number, options?: StateWriteOptions): Promise<number> {
    const reply = await this.#eval("increment", INCREMENT, [this.#stateKey(key), this.#counterKey], [amount(by, key), expiry(options?.expireAt, "keep"), header(key), this.#channel], [key]);
    return Number(reply);
  }

  /**
   * Several increments in one script and one round trip. Every key is checked first: when one holds a
   * non-number nothing is written (stricter than the contract, which only makes each op atomic).
   */
  async incrementMany(ops: readonly IncrementOp[]): Promise<number[]> {
    if (ops.length === 0) return [];
    const keys = ops.map((op) => this.#stateKey(op.key));
    const args = [this.#channel];
    for (const op of ops) args.push(amount(op.by, op.key), expiry(op.expireAt, "keep"), header(op.key));
    const replies = (await this.#eval("incrementMany", INCREMENT_MANY, [...keys, this.#counterKey], args, ops.map((op) => op.key))) as string[];
    return replies.map(Number);
  }

  /** Writes only if the key is absent or expired (a lease); true when this call wrote. */
  async setIfAbsent<T>(key: string, value: T, options: { expireAt: number }): Promise<boolean> {
    const written = await this.#eval("setIfAbsent", SET_IF_ABSENT, [this.#stateKey(key), this.#counterKey], [toJson(value, key), expiry(options.expireAt), header(key), this.#channel]);
    return written === 1;
  }

  /** Removes a key; true if a live entry existed. */
  async delete(key: string): Promise<boolean> {
    return (await this.#eval("delete", DELETE, [this.#stateKey(key)], [header(key), this.#channel])) === 1;
  }

  /** Live keys starting with `prefix` (SCAN, never KEYS), in no particular order. */
  async keys(prefix: string): Promise<string[]> {
    const found = await this.#scan("keys", this.#statePrefix + prefix);
    return found.map((k) => k.slice(this.#statePrefix.length));
  }

  /** Every live entry with its absolute expiry. Read in batches: consistent per batch, not as a whole. */
  async export(): Promise<StateSnapshot> {
    const keys = await this.keys("");
    const out: StateSnapshot = {};
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      const replies = (await this.#eval("export", EXPORT, batch.map((k) => this.#stateKey(k)), [])) as Array<[string | null, number]>;
      replies.forEach(([json, expireAt], j) => {
        if (json === null) return; // removed between SCAN and read
        const key = batch[j]!;
        out[key] = expireAt >= 0 ? { value: JSON.parse(json), expireAt: Number(expireAt) } : { value: JSON.parse(json) };
      });
    }
    return out;
  }

  /**
   * Loads a snapshot; entries already expired (by the server's clock) are skipped, each loaded key gets a
   * fresh version and is published on the change feed. `replace` first removes every key not in the snapshot.
   */
  async import(snapshot: StateSnapshot, options: { replace?: boolean } = {}): Promise<void> {
    const keys = Object.keys(snapshot);
    if (options.replace) {
      const incoming = new Set(keys);
      const stale = (await this.keys("")).filter((k) => !incoming.has(k));
      for (let i = 0; i < stale.length; i += BATCH) {
        const batch = stale.slice(i, i + BATCH);
        await this.#eval("import", DELETE_MANY, batch.map((k) => this.#stateKey(k)), [this.#channel, ...batch.map(header)]);
      }
    }
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      const args = [this.#channel];
      for (const key of batch) {
        const entry = snapshot[key]!;
        args.push(toJson(entry.value, key), expiry(entry.expireAt), header(key));
      }
      await this.#eval("import", IMPORT, [...batch.map((k) => this.#stateKey(k)), this.#counterKey], args);
    }
  }

  /**
   * Calls `listener` after every write or removal of a key starting with `prefix`, made by any client of the
   * store (this instance included), usually within a few milliseconds. Expiries are not reported (see the
   * class). The first call opens the subscriber connection; {@link subscribed} resolves once it listens.
   * Returns a function that stops this listener.
   */
  watch(prefix: string, listener: (key: string, value: unknown) => void): () => void {
    if (this.#closed) throw unavailable("watch", this.#context(), "the store is closed", undefined, false);
    const watcher: Watcher = { prefix, listener, live: new Set() };
    this.#watchers = [...this.#watchers, watcher];
    this.#subscribe();
    return () => {
      this.#watchers = this.#watchers.filter((w) => w !== watcher);
    };
  }

  /**
   * Resolves once the change feed's subscription is active (immediately if nobody watches). While Redis is
   * unreachable it waits (the subscriber keeps reconnecting); it rejects with {@link StoreUnavailableError}
   * only if the store is closed first.
   */
  subscribed(): Promise<void> {
    return this.#subscribed ?? Promise.resolve();
  }

  /** Closes the subscriber connection and (unless the client was passed in) the command connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.off("ready", this.#loadScripts);
    this.#runner.close();
    this.#watchers = [];
    this.#resyncGeneration++;
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    await Promise.all([
      subscriber ? closeQuietly(subscriber, this.#commandTimeoutMs) : undefined,
      this.#ownsClient ? closeQuietly(this.#client, this.#commandTimeoutMs) : undefined,
    ]);
  }

  // -- internals ----------------------------------------------------------------------------------------

  #stateKey(key: string): string {
    return this.#statePrefix + key;
  }

  #context() {
    return { keyPrefix: this.#keyPrefix, url: this.#url };
  }

  #send(operation: string, args: string[]): Promise<unknown> {
    return this.#runner.send(operation, args);
  }

  #eval(operation: string, lua: LuaScript, keys: string[], args: string[], userKeys?: readonly string[]): Promise<unknown> {
    return this.#runner.eval(operation, lua, keys, args, (error) => {
      const match = NOT_A_NUMBER_REPLY.exec(error.message);
      return match ? new StoreValueError(userKeys?.[Number(match[1]) - 1] ?? "?", this.#keyPrefix) : undefined;
    });
  }

  async #scan(operation: string, prefix: string): Promise<string[]> {
    const pattern = `${escapeGlob(prefix)}*`;
    const found = new Set<string>();
    let cursor = "0";
    do {
      const [next, keys] = (await this.#send(operation, ["SCAN", cursor, "MATCH", pattern, "COUNT", String(BATCH)])) as [string, string[]];
      for (const key of keys) found.add(key);
      cursor = next;
    } while (cursor !== "0");
    return [...found];
  }

  /**
   * Opens the subscriber connection once. node-redis reconnects it and renews the subscription by itself; a
   * `ready` after the first one means messages may have been lost meanwhile, so the watchers are resynced.
   */
  #subscribe(): void {
    if (this.#subscribed) return;
    const subscriber = this.#client.duplicate() as RedisClient;
    this.#subscriber = subscriber;
    this.#runner.watch(subscriber);
    subscriber.on("ready", () => {
      if (this.#subscriberReadyOnce) this.#resync();
      this.#subscriberReadyOnce = true;
    });
    this.#subscribed = this.#listen(subscriber);
    // Failures surface through subscribed(); an unobserved one must not crash the process.
    this.#subscribed.catch(() => {});
  }

  /** Connects the subscriber and subscribes, retrying with capped backoff until it works or the store closes. */
  async #listen(subscriber: RedisClient): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        // connect() itself retries (reconnectStrategy) until the server answers.
        if (!subscriber.isOpen) await subscriber.connect();
        await subscriber.subscribe(this.#channel, (message: string) => this.#deliver(message));
        return;
      } catch (error) {
        if (this.#closed) throw unavailable("watch", this.#context(), "the store was closed before the change feed was subscribed", error, false);
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)).unref?.());
      }
    }
  }

  #deliver(message: string): void {
    const split = message.indexOf("\n");
    let key: string;
    try {
      key = JSON.parse(split < 0 ? message : message.slice(0, split)) as string;
    } catch {
      return; // not one of ours
    }
    if (typeof key !== "string") return;
    // Every write is published, watched or not (quota counters usually are not): the value is parsed only
    // when a listener wants it.
    const watchers = this.#watchers;
    let value: unknown;
    let parsed = false;
    for (let i = 0; i < watchers.length; i++) {
      const watcher = watchers[i]!;
      if (!key.startsWith(watcher.prefix)) continue;
      if (!parsed) {
        try {
          value = split < 0 ? undefined : JSON.parse(message.slice(split + 1));
        } catch {
          return; // not one of ours
        }
        parsed = true;
      }
      if (value === undefined) watcher.live.delete(key);
      else watcher.live.add(key);
      notify(watcher, key, value);
    }
  }

  /** After a lost subscription: every watcher gets the current value of its keys, and removals of keys it saw. */
  #resync(): void {
    const generation = ++this.#resyncGeneration;
    const attempt = async (tries: number): Promise<void> => {
      if (this.#closed || generation !== this.#resyncGeneration) return;
      try {
        for (const watcher of this.#watchers) {
          const keys = await this.keys(watcher.prefix);
          const values = await this.getMany(keys);
          if (generation !== this.#resyncGeneration || !this.#watchers.includes(watcher)) continue;
          const now = new Set<string>();
          keys.forEach((key, i) => {
            if (values[i] === undefined) return;
            now.add(key);
            watcher.live.add(key);
            notify(watcher, key, values[i]);
          });
          for (const key of [...watcher.live]) {
            if (now.has(key)) continue;
            watcher.live.delete(key);
            notify(watcher, key, undefined);
          }
        }
      } catch {
        // The command connection is not back yet: try again with a growing, capped delay.
        const timer = setTimeout(() => void attempt(tries + 1), Math.min(100 * 2 ** tries, 2_000));
        timer.unref?.();
      }
    };
    void attempt(0);
  }
}

/**
 * Connects to Redis and returns a {@link RedisStateStore}. Rejects with {@link StoreUnavailableError} when the
 * server cannot be reached within `connectTimeoutMs` (the message shows the URL with its password masked).
 *
 * @example
 * import { createRedisStateStore } from "@modelmesh/storage-redis";
 * import { createMesh } from "@modelmesh/core";
 *
 * const store = await createRedisStateStore({ url: "redis://localhost:6379", keyPrefix: "prod:" });
 * const mesh = await createMesh(config, { store });
 */
export async function createRedisStateStore(options: RedisStateStoreOptions): Promise<RedisStateStore> {
  const keyPrefix = options.keyPrefix ?? "modelmesh:";
  const commandTimeoutMs = positive(options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS, "commandTimeoutMs");
  const connectTimeoutMs = positive(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, "connectTimeoutMs");
  const url = options.url ?? undefined;
  if (options.client === undefined && (url === undefined || url === "")) {
    throw new TypeError("[modelmesh] [storage-redis] createRedisStateStore needs `url` or `client`.");
  }
  await loadRedis();
  const client = options.client ?? (await newClient(url!, connectTimeoutMs));
  await connect(client, "connect", { keyPrefix, url, connectTimeoutMs });
  return new RedisStateStore({ client, ownsClient: options.client === undefined, keyPrefix, url, commandTimeoutMs });
}

/**
 * Calls one listener. A listener that throws must not stop the feed for the others (it runs inside the
 * subscriber's message handler, far from the write): its error becomes a process warning.
 */
function notify(watcher: Watcher, key: string, value: unknown): void {
  try {
    watcher.listener(key, value);
  } catch (error) {
    process.emitWarning(error instanceof Error ? error : String(error), { code: "MM_STORE_WATCH_LISTENER", detail: `a watch listener of "${watcher.prefix}" threw on "${key}"` });
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`[modelmesh] [storage-redis] ${name} must be a positive number of ms, got ${value}`);
  return value;
}

/** The change-feed header of a key: its JSON encoding (newline-free). */
function header(key: string): string {
  return JSON.stringify(key);
}

function toJson(value: unknown, key: string): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`[modelmesh] [storage-redis] the value of "${key}" is not JSON-serialisable (got ${typeof value}).`);
  return json;
}

function amount(by: number, key: string): string {
  if (!Number.isFinite(by)) throw new TypeError(`[modelmesh] [storage-redis] cannot increment "${key}" by ${by}: not a finite number.`);
  return String(by);
}

/** The script's expiry argument: "" = none (or `none` when undefined), else the absolute ms instant. */
function expiry(expireAt: number | undefined, none: "" | "keep" = ""): string {
  if (expireAt === undefined) return none;
  if (!Number.isFinite(expireAt)) throw new TypeError(`[modelmesh] [storage-redis] expireAt must be a finite epoch-ms instant, got ${expireAt}.`);
  return String(Math.ceil(expireAt));
}
