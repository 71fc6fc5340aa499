/**
 * Connections to Redis: one client per store for commands and one duplicate for the change feed's
 * subscription. Commands fail fast while the connection is down (no offline queue), every command is bounded
 * by the store's command timeout, and the client reconnects by itself with capped exponential backoff.
 */
import type { ErrorReply, RedisClientType } from "@redis/client";
import { redactSecret, redactUrl, StoreUnavailableError } from "./errors.js";
import type { LuaScript } from "./scripts.js";

/**
 * A node-redis (`@redis/client` 5) client, connected or not. The store only sends raw commands through
 * `sendCommand`, so any client of that major version works, whatever modules or scripts it was created with.
 */
// The client type is generic over modules, functions, scripts, RESP version and type mapping; the store
// uses none of them, so it accepts any.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RedisClient = RedisClientType<any, any, any, any, any>;

type RedisModule = typeof import("@redis/client");

let redisModule: Promise<RedisModule> | undefined;
let loaded: RedisModule | undefined;

/**
 * Loads `@redis/client` on first use, not at import: loading it opens a DNS resolver channel, and this
 * package does no work at import time (docs/ARCHITECTURE.md §1).
 */
export async function loadRedis(): Promise<RedisModule> {
  redisModule ??= import("@redis/client").then((module) => (loaded = module));
  return redisModule;
}

/** Default bound of one command, in ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
/** Default bound of the first connection, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Longest wait between two reconnection attempts, in ms. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

/** Where errors are reported and how long the first connection may take. */
export interface ConnectionContext {
  keyPrefix: string;
  /** The server URL as given (only ever shown through {@link redactUrl}). */
  url: string | undefined;
  connectTimeoutMs: number;
}

/**
 * Reconnection delay after `retries` failed attempts: 50 ms doubling up to {@link MAX_RECONNECT_DELAY_MS},
 * with up to 20% jitter so that many instances do not reconnect in lockstep.
 */
export function reconnectDelay(retries: number): number {
  const base = Math.min(50 * 2 ** Math.min(retries, 10), MAX_RECONNECT_DELAY_MS);
  return Math.round(base * (0.8 + Math.random() * 0.2));
}

/** A new, unconnected client for `url` with the store's connection settings. */
export async function newClient(url: string, connectTimeoutMs: number): Promise<RedisClient> {
  const { createClient } = await loadRedis();
  try {
    return createClient({
      url,
      disableOfflineQueue: true,
      // Bounds memory while Redis is hung: beyond this many commands in flight, new ones fail at once.
      commandsQueueMaxLength: 10_000,
      socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: reconnectDelay },
    }) as RedisClient;
  } catch {
    // The parser's error may carry the URL (and its password) as a property: replace it, without a cause.
    throw new TypeError(`[modelmesh] [storage-redis] invalid Redis URL ${redactUrl(url)}: expected redis://[user:password@]host[:port][/db] or rediss://…`);
  }
}

/**
 * Connects `client` (if it is not open yet) and waits until it is ready, at most `connectTimeoutMs`; on
 * failure the client is destroyed and a {@link StoreUnavailableError} names the server (password masked).
 */
export async function connect(client: RedisClient, operation: string, context: ConnectionContext): Promise<void> {
  if (client.isReady) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastError: unknown;
  const onError = (error: unknown) => {
    lastError = error;
  };
  client.on("error", onError);
  const ready = client.isOpen ? new Promise<void>((resolve) => client.once("ready", () => resolve())) : client.connect().then(() => {});
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), context.connectTimeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (error) {
    ready.catch(() => {});
    destroyQuietly(client);
    const why = lastError ?? error;
    throw unavailable(operation, context, `could not connect within ${context.connectTimeoutMs} ms (${describe(why, context.url)})`, why, true, "Check the URL, the credentials and that Redis is running and reachable.");
  } finally {
    clearTimeout(timer);
    client.off("error", onError);
  }
}

/** Closes a client gracefully (pending replies first), falling back to destroying it. Never throws. */
export async function closeQuietly(client: RedisClient, waitMs: number): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    destroyQuietly(client);
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.close(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
  } catch {
    // Already closing: nothing left to do.
  } finally {
    clearTimeout(timer);
    destroyQuietly(client);
  }
}

function destroyQuietly(client: RedisClient): void {
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // Already closed.
  }
}

/** A {@link StoreUnavailableError} for `operation`, with the server shown password-masked. */
export function unavailable(operation: string, context: Pick<ConnectionContext, "keyPrefix" | "url">, reason: string, cause?: unknown, retryable = true, hint?: string): StoreUnavailableError {
  return new StoreUnavailableError({
    operation,
    keyPrefix: context.keyPrefix,
    ...(context.url !== undefined ? { server: redactUrl(context.url) } : {}),
    ...(hint !== undefined ? { hint } : {}),
    reason,
    cause,
    retryable,
  });
}

/** A short, secret-free description of a client error. */
export function describe(error: unknown, url: string | undefined): string {
  const raw = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
  const text = raw === "" ? "unknown error" : raw;
  return url === undefined ? text : redactSecret(text, url);
}

/** True for a reply error from the server (a script error, `OOM`, `READONLY`…), as opposed to a lost connection. */
export function isReplyError(error: unknown): error is ErrorReply {
  // `loaded` is set: every store loads the module before it sends anything. A client passed in may come from
  // another copy of @redis/client, whose classes differ: recognise those by their class name.
  if (loaded !== undefined && error instanceof loaded.ErrorReply) return true;
  return error instanceof Error && REPLY_ERROR_CLASSES.has(error.constructor.name);
}

const REPLY_ERROR_CLASSES: ReadonlySet<string> = new Set(["ErrorReply", "SimpleError", "BlobError"]);

/** Reply mapping that returns bulk strings as Buffers (blobs). */
export function bufferReplies(): object {
  return { typeMapping: { [loaded!.RESP_TYPES.BLOB_STRING]: Buffer } };
}

/** The store-internal marker of a command that outlived the command timeout. */
class CommandTimeout extends Error {}

/** Reply type mapping of the store's commands: Redis strings as JS strings, whatever the client's defaults. */
const STRINGS = { typeMapping: {} };

/** A command in flight: its deadline (`performance.now()` ms) and how to fail it when that passes. */
interface Pending {
  readonly deadline: number;
  settled: boolean;
  expire: (() => void) | undefined;
}

/** Entries settled at the head of the in-flight queue beyond which it is compacted. */
const COMPACT_AT = 1_024;

/**
 * Sends the commands of a store or a storage connector: each bounded by `commandTimeoutMs`, scripts by SHA1
 * (loaded on NOSCRIPT: first use, or a restarted server), and every failure turned into a
 * {@link StoreUnavailableError} naming the operation (or whatever `mapReplyError` makes of a script's error).
 *
 * Every command is one round trip and costs no more than it must on the client: all commands share one
 * bound, so their deadlines come in the order they were sent, and one timer (armed for the oldest command
 * still in flight, at most once per bound while commands keep coming) replaces a timer and a `Promise.race`
 * per command. Commands sent in the same tick go out in one write (node-redis pipelines them).
 */
export class CommandRunner {
  readonly client: RedisClient;
  readonly context: Pick<ConnectionContext, "keyPrefix" | "url">;
  readonly timeoutMs: number;
  #closed = false;
  #lastError: string | undefined;
  readonly #watched: Array<{ client: RedisClient; listener: (error: unknown) => void }> = [];
  /** Commands in flight, oldest first (settled ones are dropped from the head lazily). */
  #pending: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(client: RedisClient, context: Pick<ConnectionContext, "keyPrefix" | "url">, timeoutMs: number) {
    this.client = client;
    this.context = context;
    this.timeoutMs = timeoutMs;
    this.watch(client);
  }

  /** Records the connection errors of `client` (the last one is quoted in messages). */
  watch(client: RedisClient): void {
    const listener = (error: unknown) => {
      this.#lastError = describe(error, this.context.url);
    };
    client.on("error", listener);
    this.#watched.push({ client, listener });
  }

  /**
   * From now on every call rejects with a non-retryable {@link StoreUnavailableError}. Stops recording errors
   * (a client passed in by the caller outlives the store: its listeners are the caller's again).
   */
  close(): void {
    this.#closed = true;
    // Closing a connection may still emit errors: keep a no-op listener on clients this runner leaves behind.
    for (const { client, listener } of this.#watched.splice(0)) {
      client.off("error", listener);
      if (client.listenerCount("error") === 0) client.on("error", () => {});
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one command. `options` may override the reply type mapping (e.g. Buffers for blobs). */
  send(operation: string, args: ReadonlyArray<string | Buffer>, options: object = STRINGS): Promise<unknown> {
    return this.run(operation, () => this.client.sendCommand([...args], options));
  }

  /** Runs a script: EVALSHA, then EVAL on NOSCRIPT (one round trip once the server has the script). */
  eval(operation: string, lua: LuaScript, keys: readonly string[], args: ReadonlyArray<string | Buffer>, mapReplyError?: (error: ErrorReply) => Error | undefined): Promise<unknown> {
    return this.run(
      operation,
      () => {
        const command: Array<string | Buffer> = ["EVALSHA", lua.sha1, String(keys.length), ...keys, ...args];
        return this.client.sendCommand(command, STRINGS).catch((error: unknown) => {
          if (!(isReplyError(error) && error.message.startsWith("NOSCRIPT"))) throw error;
          command[0] = "EVAL";
          command[1] = lua.source;
          return this.client.sendCommand(command, STRINGS);
        });
      },
      mapReplyError,
    );
  }

  /** Runs `work` bounded by the command timeout, mapping failures. */
  run<R>(operation: string, work: () => Promise<R>, mapReplyError?: (error: ErrorReply) => Error | undefined): Promise<R> {
    if (this.#closed) return Promise.reject(unavailable(operation, this.context, "the store is closed", undefined, false));
    let sent: Promise<R>;
    try {
      sent = work();
    } catch (error) {
      return Promise.reject(this.#toError(operation, error, mapReplyError));
    }
    return new Promise<R>((resolve, reject) => {
      const entry: Pending = {
        deadline: performance.now() + this.timeoutMs,
        settled: false,
        expire: () => reject(this.#toError(operation, new CommandTimeout(), mapReplyError)),
      };
      this.#track(entry);
      sent.then(
        (value) => {
          if (entry.settled) return;
          entry.settled = true;
          entry.expire = undefined;
          resolve(value);
        },
        (error: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          entry.expire = undefined;
          reject(this.#toError(operation, error, mapReplyError));
        },
      );
    });
  }

  /** Queues a command's deadline, arming the shared timer when none is armed. */
  #track(entry: Pending): void {
    const pending = this.#pending;
    while (this.#head < pending.length && pending[this.#head]!.settled) this.#head++;
    if (this.#head === pending.length) {
      pending.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT) {
      pending.splice(0, this.#head);
      this.#head = 0;
    }
    pending.push(entry);
    if (this.#timer === undefined) this.#arm(this.timeoutMs);
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(delayMs)));
    // Pending commands keep their socket, hence the process, alive; the timer alone must not.
    this.#timer.unref?.();
  }

  /** The shared timer fired: fails every command past its deadline, then re-arms for the oldest left. */
  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const pending = this.#pending;
    while (this.#head < pending.length) {
      const entry = pending[this.#head]!;
      if (!entry.settled) {
        if (entry.deadline > now) break;
        entry.settled = true;
        const expire = entry.expire;
        entry.expire = undefined;
        expire?.();
      }
      this.#head++;
    }
    if (this.#head === pending.length) {
      pending.length = 0;
      this.#head = 0;
      return;
    }
    this.#arm(pending[this.#head]!.deadline - now);
  }

  #toError(operation: string, error: unknown, mapReplyError?: (error: ErrorReply) => Error | undefined): Error {
    if (isReplyError(error)) {
      const mapped = mapReplyError?.(error);
      if (mapped) return mapped;
      return unavailable(operation, this.context, `Redis answered an error: ${describe(error, this.context.url)}`, error);
    }
    if (StoreUnavailableError.is(error) || error instanceof TypeError || error instanceof RangeError) return error as Error;
    const last = this.#lastError ? ` (last connection error: ${this.#lastError})` : "";
    if (error instanceof CommandTimeout) return unavailable(operation, this.context, `no answer within ${this.timeoutMs} ms${last}`, error);
    if (!this.client.isReady) return unavailable(operation, this.context, `the connection is down${last || ` (${describe(error, this.context.url)})`}`, error);
    return unavailable(operation, this.context, describe(error, this.context.url), error);
  }
}

/** Escapes SCAN MATCH glob characters so that a prefix matches literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
