/**
 * Advisory locks for the browser storages, with the contract of `StorageConnectorV1.acquire`: a lock is held
 * for `ttlMs` at most (then it lapses), `acquire` waits at most `waitMs` (then rejects with
 * `MM_TIMEOUT_RESPONSE`), `release` wakes the next waiter at once and returns false for a foreign or lapsed
 * handle. Core's `StateSync` takes this lock around each merge, so two tabs never merge one snapshot at once.
 *
 * Two backends:
 * - `web-locks` (the Web Locks API, `navigator.locks`): one lock per name across every page, worker and tab of
 *   the origin; the browser also frees it when the holding page closes or crashes. A held lock is a pending
 *   `navigator.locks.request` callback, resolved on `release` or when the ttl timer fires. Timers of hidden tabs
 *   may be throttled, so a lapse can come late there (never early).
 * - `in-page`: a table in this JavaScript realm with the same semantics, for runtimes without Web Locks
 *   (some workers and edge runtimes, insecure origins). It excludes only within the page.
 * `auto` (the default) picks `web-locks` when `navigator.locks` exists.
 */
import type { LockHandle, StorageConnectorV1 } from "@modelmesh/core/runtime";
import { lockTimeoutError, optionError, unavailableError } from "./errors.js";

/** Which lock backend a browser storage uses (see the module comment). */
export type BrowserLockMode = "auto" | "web-locks" | "in-page";

/** Lock options shared by the browser storages. */
export interface BrowserLockOptions {
  /** Lock backend. Default `auto`: Web Locks when `navigator.locks` exists, else in-page. */
  locks?: BrowserLockMode;
  /** How long a lock is held at most when `acquire` gives no `ttlMs`. Default 30 000 ms. */
  lockTtlMs?: number;
  /** How long `acquire` waits when it gives no `waitMs`. Default 10 000 ms. */
  lockWaitMs?: number;
}

/** What the browser storages return: a storage connector whose lock methods and `close` always exist. */
export interface BrowserStorageConnector extends StorageConnectorV1 {
  acquire(key: string, options?: { ttlMs?: number; waitMs?: number }): Promise<LockHandle>;
  release(lock: LockHandle): Promise<boolean>;
  isLocked(key: string): Promise<boolean>;
  /** Lets go of this connector's locks (and closes its connection, for IndexedDB). Idempotent. */
  close(): Promise<void>;
}

/** The subset of the Web Locks API used here (typed locally: not every DOM lib version has it). */
interface WebLockManager {
  request(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: unknown) => unknown): Promise<unknown>;
  query(): Promise<{ held?: Array<{ name?: string }> }>;
}

/** A lock this realm holds. `free` lets it go (idempotent). */
interface Held {
  readonly handle: LockHandle;
  readonly name: string;
  readonly owner: BrowserLocks;
  free(): void;
}

/** Every lock held in this realm, by lockId (both backends). */
const held = new Map<string, Held>();
/** In-page backend: the live lock per name, and who waits for it. */
const pageLocks = new Map<string, Held>();
const pageWaiters = new Map<string, Set<() => void>>();

const MODES: readonly BrowserLockMode[] = ["auto", "web-locks", "in-page"];

function webLockManager(): WebLockManager | undefined {
  const locks = (globalThis as { navigator?: { locks?: WebLockManager } }).navigator?.locks;
  return locks && typeof locks.request === "function" ? locks : undefined;
}

function checkDuration(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw optionError(path, `must be a finite number of ms ≥ 0, got ${String(value)}`);
  return value;
}

/** The locks of one storage connector instance: names are `modelmesh-lock:<namespace><key>`. */
export class BrowserLocks {
  /** The backend in use (never `auto`). */
  readonly mode: "web-locks" | "in-page";
  readonly #storageId: string;
  readonly #namespace: string;
  readonly #ttlMs: number;
  readonly #waitMs: number;
  readonly #web: WebLockManager | undefined;

  /** Validates the options; `web-locks` without `navigator.locks` is an error, not a silent downgrade. */
  constructor(storageId: string, namespace: string, options: BrowserLockOptions = {}) {
    const mode = options.locks ?? "auto";
    if (!MODES.includes(mode)) throw optionError("storage.locks", `must be one of ${MODES.map((m) => `"${m}"`).join(", ")}, got ${JSON.stringify(mode)}`);
    this.#web = mode === "in-page" ? undefined : webLockManager();
    if (mode === "web-locks" && !this.#web) {
      throw unavailableError(storageId, "the Web Locks API (navigator.locks) is not available here", 'Use locks: "in-page" (excludes only within this page) or "auto".');
    }
    this.mode = this.#web ? "web-locks" : "in-page";
    this.#storageId = storageId;
    this.#namespace = namespace;
    this.#ttlMs = checkDuration("storage.lockTtlMs", options.lockTtlMs, 30_000);
    this.#waitMs = checkDuration("storage.lockWaitMs", options.lockWaitMs, 10_000);
  }

  /** Acquires the lock on `key`, held for `ttlMs`, waiting at most `waitMs`; rejects with `MM_TIMEOUT_RESPONSE`. */
  async acquire(key: string, options: { ttlMs?: number; waitMs?: number } = {}): Promise<LockHandle> {
    const ttlMs = checkDuration("ttlMs", options.ttlMs, this.#ttlMs);
    const waitMs = checkDuration("waitMs", options.waitMs, this.#waitMs);
    const name = this.#name(key);
    const entry = this.#web ? await this.#acquireWeb(this.#web, name, key, ttlMs, waitMs) : await this.#acquirePage(name, key, ttlMs, waitMs);
    return { ...entry.handle };
  }

  /** Releases a lock; false when this handle does not hold it (foreign, released, lapsed, or another page's). */
  async release(lock: LockHandle): Promise<boolean> {
    const entry = held.get(lock.lockId);
    if (!entry || entry.handle.key !== lock.key || entry.name !== this.#name(lock.key)) return false;
    const live = entry.handle.expiresAt > Date.now();
    entry.free(); // a lapsed lock whose timer is late (throttled tab) goes now too
    return live;
  }

  /** True while a live lock exists on `key` (held anywhere in the origin, for Web Locks). */
  async isLocked(key: string): Promise<boolean> {
    const name = this.#name(key);
    const now = Date.now();
    for (const entry of [...held.values()]) if (entry.name === name && entry.handle.expiresAt <= now) entry.free();
    if (!this.#web) return pageLocks.has(name);
    const state = await this.#web.query();
    return (state.held ?? []).some((lock) => lock.name === name);
  }

  /** Lets go of every lock this instance holds (waiters are woken). */
  close(): void {
    for (const entry of [...held.values()]) if (entry.owner === this) entry.free();
  }

  #name(key: string): string {
    return `modelmesh-lock:${this.#namespace}${key}`;
  }

  /** Registers a granted lock; `letGo` ends it in the backend. The ttl timer lapses it. */
  #hold(name: string, key: string, ttlMs: number, letGo: () => void): Held {
    const now = Date.now();
    const handle: LockHandle = { key, lockId: globalThis.crypto.randomUUID(), acquiredAt: now, expiresAt: now + ttlMs };
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const entry: Held = {
      handle,
      name,
      owner: this,
      free: () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        held.delete(handle.lockId);
        letGo();
      },
    };
    held.set(handle.lockId, entry);
    timer = setTimeout(entry.free, ttlMs);
    return entry;
  }

  #acquireWeb(web: WebLockManager, name: string, key: string, ttlMs: number, waitMs: number): Promise<Held> {
    return new Promise<Held>((resolve, reject) => {
      const controller = new AbortController();
      const timer = waitMs > 0 ? setTimeout(() => controller.abort(), waitMs) : undefined;
      let granted = false;
      // waitMs 0: take it only if free now (`ifAvailable` hands the callback null otherwise).
      const options = waitMs > 0 ? { signal: controller.signal } : { ifAvailable: true };
      web
        .request(name, options, (lock) => {
          clearTimeout(timer);
          if (lock === null) {
            reject(lockTimeoutError(this.#storageId, key, waitMs, undefined));
            return undefined;
          }
          granted = true;
          // The Web Lock is held until this promise settles: on release, close or the ttl lapse.
          return new Promise<void>((letGo) => resolve(this.#hold(name, key, ttlMs, letGo)));
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          if (granted) return;
          if ((error as { name?: unknown })?.name === "AbortError") reject(lockTimeoutError(this.#storageId, key, waitMs, undefined));
          else reject(unavailableError(this.#storageId, `the Web Locks API refused the lock on '${key}'`, 'Use locks: "in-page" if this runtime restricts Web Locks.', error));
        });
    });
  }

  async #acquirePage(name: string, key: string, ttlMs: number, waitMs: number): Promise<Held> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const now = Date.now();
      const current = pageLocks.get(name);
      if (current && current.handle.expiresAt <= now) current.free();
      const holder = pageLocks.get(name);
      if (!holder) {
        const entry = this.#hold(name, key, ttlMs, () => {
          if (pageLocks.get(name) === entry) pageLocks.delete(name);
          wake(name);
        });
        pageLocks.set(name, entry);
        return entry;
      }
      if (now >= deadline) throw lockTimeoutError(this.#storageId, key, waitMs, holder.handle.expiresAt);
      await waitForChange(name, Math.min(holder.handle.expiresAt, deadline) - now);
    }
  }
}

/** Resolves on a release of `name` or after `ms`, whichever comes first. */
function waitForChange(name: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let set = pageWaiters.get(name);
    if (!set) pageWaiters.set(name, (set = new Set()));
    const waiters = set;
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    waiters.add(done);
  });
}

function wake(name: string): void {
  const set = pageWaiters.get(name);
  if (!set) return;
  pageWaiters.delete(name);
  for (const waiter of [...set]) waiter();
}

/**
 * What both browser storages share: the lock methods of `StorageConnectorV1`, answered by their
 * {@link BrowserLocks}. Subclasses add the entries, and call `super.close()` from their `close()`.
 */
export abstract class LockingStorage {
  readonly #locks: BrowserLocks;

  protected constructor(locks: BrowserLocks) {
    this.#locks = locks;
  }

  acquire(key: string, options?: { ttlMs?: number; waitMs?: number }): Promise<LockHandle> {
    return this.#locks.acquire(key, options);
  }

  release(lock: LockHandle): Promise<boolean> {
    return this.#locks.release(lock);
  }

  isLocked(key: string): Promise<boolean> {
    return this.#locks.isLocked(key);
  }

  /** Lets go of the locks this connector holds. */
  async close(): Promise<void> {
    this.#locks.close();
  }
}
