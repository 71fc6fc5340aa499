/**
 * KeyValueStorage (Node only: `@modelmesh/cdk/node`): BaseStorage with a memory or file backend. The file
 * backend keeps ONE file per key, named by a reversible key encoding, and writes atomically (temp file in
 * the same directory, fsync, rename), so a crash never leaves a half-written entry and `a/b` never collides
 * with `a__b` (names are encoded, not flattened). Write errors surface as `MM_INTERNAL` errors; they are never swallowed.
 *
 * The file backend's locks are lock FILES (`<encoded key>.lock` next to the entries), so they hold across every
 * process (and every storage instance) sharing the directory, not only within one object: `acquire` creates the
 * file with its content in one step (a hard link of a complete temp file, which fails if the lock exists), a
 * lock past its `expiresAt` is taken over (a holder that died cannot wedge it), and waiting polls the file
 * every {@link LOCK_POLL_MS} ms until `waitMs` runs out. Clocks of the processes are assumed to agree.
 */
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelMeshError, type LockHandle } from "@modelmesh/core";
import { BaseStorage, type StorageOptions, type StoredRecord } from "./base-storage.js";

/** Options of {@link KeyValueStorage}. */
export interface KeyValueStorageOptions extends StorageOptions {
  /** `memory` (default) or `file`. */
  backend?: "memory" | "file";
  /** Directory of the file backend. Default `.modelmesh/storage`. */
  directory?: string;
}

const SUFFIX = ".entry.json";
const LOCK_SUFFIX = ".lock";
/** How often a file-lock waiter looks again (ms). */
export const LOCK_POLL_MS = 10;
const SAFE = /^[a-z0-9\-_.]$/;
const encoder = /* @__PURE__ */ new TextEncoder();

/**
 * Encodes a key as a file-name stem: `[a-z0-9-_.]` stay, everything else (upper case included, for
 * case-insensitive file systems) becomes `%XX` UTF-8 escapes. Reversible with {@link decodeStorageKey}.
 * `a/b` → `a%2Fb`, `a__b` → `a__b`, `Key` → `%4Bey`, `` (empty) → `%`.
 */
export function encodeStorageKey(key: string): string {
  if (key === "") return "%";
  let out = "";
  for (const char of key) {
    // A leading dot is escaped so no stem is `.`/`..` or a hidden file.
    if (SAFE.test(char) && !(out === "" && char === ".")) out += char;
    else for (const byte of encoder.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Inverse of {@link encodeStorageKey}. */
export function decodeStorageKey(stem: string): string {
  return stem === "%" ? "" : decodeURIComponent(stem);
}

interface Envelope {
  key: string;
  /** Base64 of the bytes. */
  data: string;
  metadata?: Record<string, unknown>;
  lastModified: number;
}

function writeError(id: string, key: string, action: string, cause: unknown): ModelMeshError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? "error";
  return new ModelMeshError({ code: "MM_INTERNAL", category: "internal", retryable: false, cause, message: `[modelmesh] [storage:${id}] could not ${action} '${key}' (${code})` });
}

/** Key-value storage on memory or per-key files. */
export class KeyValueStorage extends BaseStorage {
  /** Backend in use. */
  readonly backend: "memory" | "file";
  /** Directory of the file backend. */
  readonly directory: string;
  #dirReady: Promise<unknown> | undefined;
  readonly #fileLocks: boolean;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;

  constructor(options: KeyValueStorageOptions = {}) {
    super({ id: "modelmesh.key-value-storage.v1", ...options });
    this.backend = options.backend ?? "memory";
    this.directory = options.directory ?? ".modelmesh/storage";
    this.#fileLocks = this.backend === "file" && (options.lockingEnabled ?? true);
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
    this.#lockWaitMs = options.lockWaitMs ?? 10_000;
  }

  /** Path of the lock file of `key` (file backend). */
  lockPathFor(key: string): string {
    return join(this.directory, encodeStorageKey(key) + LOCK_SUFFIX);
  }

  /**
   * Acquires the lock on `key`, held for `ttlMs` and waiting at most `waitMs` (see {@link BaseStorage.acquire}).
   * File backend: a lock file shared by every process using the directory (see the module comment).
   */
  override async acquire(key: string, options: { ttlMs?: number; waitMs?: number } = {}): Promise<LockHandle> {
    if (!this.#fileLocks) return super.acquire(key, options);
    const ttlMs = options.ttlMs ?? this.#lockTtlMs;
    const waitMs = options.waitMs ?? this.#lockWaitMs;
    const path = this.lockPathFor(key);
    const deadline = this.clock.now() + waitMs;
    try {
      await this.#ensureDir();
    } catch (error) {
      throw writeError(this.id, key, "lock", error);
    }
    for (;;) {
      const now = this.clock.now();
      const handle: LockHandle = { key, lockId: globalThis.crypto.randomUUID(), acquiredAt: now, expiresAt: now + ttlMs };
      if (await this.#createLock(key, path, handle)) return { ...handle };
      const held = await this.#readLock(path, ttlMs);
      if (held === undefined) continue; // released meanwhile: try again at once
      if (held.expiresAt <= now) {
        await this.#takeOver(path, held.lockId);
        continue;
      }
      if (now >= deadline) {
        throw this.lockTimeout(key, waitMs, held.expiresAt);
      }
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, Math.max(1, Math.min(LOCK_POLL_MS, deadline - now, held.expiresAt - now))));
    }
  }

  /** Releases a lock; false if this handle no longer holds it (expired, or taken over). */
  override async release(lock: LockHandle): Promise<boolean> {
    if (!this.#fileLocks) return super.release(lock);
    const path = this.lockPathFor(lock.key);
    const held = await this.#readLock(path, 0);
    if (held === undefined || held.lockId !== lock.lockId || held.expiresAt <= this.clock.now()) return false;
    return this.#takeOver(path, lock.lockId);
  }

  /** True while a live (unexpired) lock exists on `key`. */
  override async isLocked(key: string): Promise<boolean> {
    if (!this.#fileLocks) return super.isLocked(key);
    const held = await this.#readLock(this.lockPathFor(key), this.#lockTtlMs);
    return held !== undefined && held.expiresAt > this.clock.now();
  }

  /** Creates the lock file holding `handle` in one step; false when a lock file exists. */
  async #createLock(key: string, path: string, handle: LockHandle): Promise<boolean> {
    const temp = `${path}.${handle.lockId}.tmp`;
    try {
      await writeFile(temp, JSON.stringify({ lockId: handle.lockId, acquiredAt: handle.acquiredAt, expiresAt: handle.expiresAt, pid: process.pid }), { flag: "wx" });
      await link(temp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw writeError(this.id, key, "lock", error);
    } finally {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }

  /** The lock in the file, or undefined when there is none. An unreadable file counts as taken at its mtime for `ttlMs`. */
  async #readLock(path: string, ttlMs: number): Promise<{ lockId: string; expiresAt: number } | undefined> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw writeError(this.id, path, "read the lock", error);
    }
    try {
      const parsed = JSON.parse(text) as { lockId?: unknown; expiresAt?: unknown };
      if (typeof parsed.lockId === "string" && typeof parsed.expiresAt === "number") return { lockId: parsed.lockId, expiresAt: parsed.expiresAt };
    } catch {
      // not ours or damaged: fall through
    }
    const info = await stat(path).catch(() => undefined);
    return info ? { lockId: "", expiresAt: info.mtimeMs + ttlMs } : undefined;
  }

  /**
   * Removes the lock file if it still holds `lockId`: moves it aside (atomic, only one mover wins), checks what
   * was moved, and puts it back if it was someone else's (a lock taken between our read and our move).
   */
  async #takeOver(path: string, lockId: string): Promise<boolean> {
    const aside = `${path}.${globalThis.crypto.randomUUID()}.old`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw writeError(this.id, path, "unlock", error);
    }
    try {
      const moved = await readFile(aside, "utf8").catch(() => "");
      let movedId = "";
      try {
        movedId = String((JSON.parse(moved) as { lockId?: unknown }).lockId ?? "");
      } catch {
        // an unreadable lock is the one `#readLock` reported with lockId ""
      }
      if (movedId === lockId) return true;
      await link(aside, path).catch(() => undefined); // someone else's: put it back unless a newer lock took its place
      return false;
    } finally {
      await rm(aside, { force: true }).catch(() => undefined);
    }
  }

  /** Path of the file holding `key`. */
  pathFor(key: string): string {
    return join(this.directory, encodeStorageKey(key) + SUFFIX);
  }

  protected override async readRecord(key: string): Promise<StoredRecord | null> {
    if (this.backend === "memory") return super.readRecord(key);
    let text: string;
    try {
      text = await readFile(this.pathFor(key), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw writeError(this.id, key, "read", error);
    }
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      throw new ModelMeshError({ code: "MM_INTERNAL", category: "internal", message: `[modelmesh] [storage:${this.id}] the file of '${key}' is corrupt` });
    }
    const entry = { key, data: new Uint8Array(Buffer.from(envelope.data, "base64")), ...(envelope.metadata ? { metadata: envelope.metadata } : {}) };
    return { entry, lastModified: envelope.lastModified };
  }

  protected override async writeRecord(key: string, record: StoredRecord): Promise<void> {
    if (this.backend === "memory") return super.writeRecord(key, record);
    const envelope: Envelope = { key, data: Buffer.from(record.entry.data).toString("base64"), lastModified: record.lastModified };
    if (record.entry.metadata !== undefined) envelope.metadata = record.entry.metadata;
    const target = this.pathFor(key);
    const temp = join(this.directory, `.${encodeStorageKey(key)}.${globalThis.crypto.randomUUID()}.tmp`);
    try {
      await this.#ensureDir();
      const handle = await open(temp, "wx");
      try {
        await handle.writeFile(JSON.stringify(envelope), "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw writeError(this.id, key, "write", error);
    }
  }

  protected override async removeRecord(key: string): Promise<boolean> {
    if (this.backend === "memory") return super.removeRecord(key);
    try {
      await rm(this.pathFor(key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw writeError(this.id, key, "delete", error);
    }
  }

  protected override async listKeys(): Promise<string[]> {
    if (this.backend === "memory") return super.listKeys();
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw writeError(this.id, this.directory, "list", error);
    }
    const keys: string[] = [];
    for (const name of names) {
      if (!name.endsWith(SUFFIX)) continue;
      try {
        keys.push(decodeStorageKey(name.slice(0, -SUFFIX.length)));
      } catch {
        // Not one of ours (undecodable name): skip it rather than fail the listing.
      }
    }
    return keys;
  }

  #ensureDir(): Promise<unknown> {
    this.#dirReady ??= mkdir(this.directory, { recursive: true }).catch((error: unknown) => {
      this.#dirReady = undefined;
      throw error;
    });
    return this.#dirReady;
  }
}
