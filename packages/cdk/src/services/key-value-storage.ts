/**
 * KeyValueStorage (Node only: `@modelmesh/cdk/node`): BaseStorage with a memory or file backend. The file
 * backend keeps ONE file per key, named by a reversible key encoding, and writes atomically (temp file in
 * the same directory, fsync, rename), so a crash never leaves a half-written entry and `a/b` never collides
 * with `a__b` (names are encoded, not flattened). Write errors surface as `MM_INTERNAL` errors; they are never swallowed.
 */
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ModelMeshError } from "@modelmesh/core";
import { BaseStorage, type StorageOptions, type StoredRecord } from "./base-storage.js";

/** Options of {@link KeyValueStorage}. */
export interface KeyValueStorageOptions extends StorageOptions {
  /** `memory` (default) or `file`. */
  backend?: "memory" | "file";
  /** Directory of the file backend. Default `.modelmesh/storage`. */
  directory?: string;
}

const SUFFIX = ".entry.json";
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

  constructor(options: KeyValueStorageOptions = {}) {
    super({ id: "modelmesh.key-value-storage.v1", ...options });
    this.backend = options.backend ?? "memory";
    this.directory = options.directory ?? ".modelmesh/storage";
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
