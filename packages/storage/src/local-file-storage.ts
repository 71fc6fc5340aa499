/**
 * LocalFileStorage: the file backend of the `local-file` connector. One file per key under a directory, named
 * by the CDK's reversible key encoding (`encodeStorageKey`), written atomically (temp file, fsync, rename) and
 * locked with the CDK's cross-process lock files (it extends `KeyValueStorage` for those). On top of that:
 *
 * - `format`: how each entry FILE is encoded. `json` (the default, the very files the CDK's `KeyValueStorage`
 *   writes: `<key>.entry.json`, data in base64), `yaml` (`<key>.entry.yaml`, data in base64) or `msgpack`
 *   (`<key>.entry.msgpack`, data as raw MessagePack binary). The stored bytes round-trip exactly in every format.
 * - `encryption`: every file is AES-256-GCM encrypted with a fresh 12-byte IV (`<key>.entry.<format>.enc`:
 *   the magic `MMAESGCM1\n`, the IV, then the ciphertext with its 16-byte tag). The entry's key is the
 *   additional authenticated data, so a file copied under another key's name does not decrypt either.
 * - `backupKeep`: on overwrite the previous N versions of a key are kept as `<file>.1` (newest) … `<file>.N`.
 *
 * A file written with another format or encryption setting is never silently ignored: reading that key fails
 * with an error that names both settings.
 */
import { link, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ModelMeshError } from "@modelmesh/core";
import { deserialize, loadMsgpack, serialize, type SerializationFormat, type StoredRecord } from "@modelmesh/cdk";
import { encodeStorageKey, decodeStorageKey, KeyValueStorage, type KeyValueStorageOptions } from "@modelmesh/cdk/node";

/** Formats of the entry files. */
/** MessagePack comes from this package's own msgpackr dependency, loaded the first time a msgpack file is touched. */
async function formatReady(format: SerializationFormat): Promise<void> {
  if (format === "msgpack") await loadMsgpack(await import("msgpackr"));
}

export const FILE_FORMATS = ["json", "yaml", "msgpack"] as const satisfies readonly SerializationFormat[];
/** One of {@link FILE_FORMATS}. */
export type FileFormat = (typeof FILE_FORMATS)[number];

/** Options of {@link LocalFileStorage}. */
export interface LocalFileStorageOptions extends Omit<KeyValueStorageOptions, "backend" | "format"> {
  /** Directory of the entry files. Default `.modelmesh/state`. */
  directory?: string;
  /** Encoding of the entry files (and of `saveValue`/`loadValue`). Default `json`. */
  format?: FileFormat;
  /** AES-256-GCM key (32 bytes): files are encrypted when given. */
  encryptionKey?: Uint8Array;
  /** Where the key came from, for messages (e.g. `env MM_STATE_KEY`); never the key itself. */
  encryptionKeySource?: string;
  /** Previous versions kept per key on overwrite (`<file>.1..N`). Default 0. */
  backupKeep?: number;
}

const MAGIC = new TextEncoder().encode("MMAESGCM1\n");
const IV_BYTES = 12;
const encoder = /* @__PURE__ */ new TextEncoder();

interface Envelope {
  key: string;
  data: string | Uint8Array;
  metadata?: Record<string, unknown>;
  lastModified: number;
}

const errno = (error: unknown) => (error as NodeJS.ErrnoException)?.code;

/**
 * Parses a 32-byte AES-256 key written as 64 hex digits or as base64 (standard or URL-safe). Throws a
 * TypeError naming `source` (never the value) when it is anything else.
 */
export function parseEncryptionKey(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return new Uint8Array(Buffer.from(trimmed, "hex"));
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = new Uint8Array(Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
    if (bytes.byteLength === 32) return bytes;
    throw new TypeError(`${source} holds ${bytes.byteLength} bytes of base64; AES-256-GCM needs exactly 32 (e.g. \`openssl rand -base64 32\`)`);
  }
  throw new TypeError(`${source} is neither 64 hex digits nor base64 of 32 bytes (e.g. \`openssl rand -base64 32\`)`);
}

/**
 * Per-key files with a choice of encoding, optional encryption and kept previous versions.
 *
 * @example
 * const storage = new LocalFileStorage({ directory: "./state", format: "msgpack", encryptionKey: parseEncryptionKey(key, "MODELMESH_STATE_KEY"), backupKeep: 2 });
 * await storage.saveValue("notes", { a: 1 }); // ./state/notes.entry.msgpack.enc
 */
export class LocalFileStorage extends KeyValueStorage {
  /** Encoding of the entry files. */
  readonly fileFormat: FileFormat;
  /** Previous versions kept per key. */
  readonly backupKeep: number;
  /** True when files are encrypted. */
  readonly encrypted: boolean;
  readonly #suffix: string;
  readonly #rawKey: Uint8Array | undefined;
  readonly #keySource: string;
  #cryptoKey: Promise<CryptoKey> | undefined;
  #dirReady: Promise<unknown> | undefined;

  constructor(options: LocalFileStorageOptions = {}) {
    const format = options.format ?? "json";
    super({ id: "modelmesh.local-file.v1", directory: ".modelmesh/state", ...options, format, backend: "file" });
    if (!(FILE_FORMATS as readonly string[]).includes(format)) throw new TypeError(`[modelmesh] [storage:${this.id}] unknown format '${String(format)}'; use one of ${FILE_FORMATS.join(", ")}`);
    const keep = options.backupKeep ?? 0;
    if (!Number.isInteger(keep) || keep < 0) throw new TypeError(`[modelmesh] [storage:${this.id}] backupKeep must be a whole number ≥ 0, got ${keep}`);
    if (options.encryptionKey !== undefined && options.encryptionKey.byteLength !== 32) {
      throw new TypeError(`[modelmesh] [storage:${this.id}] the encryption key must be 32 bytes (AES-256), got ${options.encryptionKey.byteLength}`);
    }
    this.fileFormat = format;
    this.backupKeep = keep;
    this.encrypted = options.encryptionKey !== undefined;
    this.#rawKey = options.encryptionKey ? new Uint8Array(options.encryptionKey) : undefined;
    this.#keySource = options.encryptionKeySource ?? "the encryption key";
    this.#suffix = suffixOf(format, this.encrypted);
  }

  /** Path of the file holding `key`. */
  override pathFor(key: string): string {
    return join(this.directory, encodeStorageKey(key) + this.#suffix);
  }

  /** Paths of the kept previous versions of `key`, newest first (those that exist or may be written). */
  backupPathsFor(key: string): string[] {
    const path = this.pathFor(key);
    return Array.from({ length: this.backupKeep }, (_, index) => `${path}.${index + 1}`);
  }

  protected override async readRecord(key: string): Promise<StoredRecord | null> {
    const path = this.pathFor(key);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      if (errno(error) === "ENOENT") {
        await this.#rejectOtherLayout(key);
        return null;
      }
      throw this.#ioError(key, "read", error);
    }
    const plain = this.encrypted ? await this.#decrypt(key, bytes) : this.#assertPlain(key, bytes);
    await formatReady(this.fileFormat);
    let envelope: Partial<Envelope>;
    try {
      envelope = deserialize<Partial<Envelope>>(plain, this.fileFormat);
    } catch (cause) {
      throw this.#corrupt(key, `is not valid ${this.fileFormat}`, cause);
    }
    if (typeof envelope !== "object" || envelope === null || typeof envelope.lastModified !== "number" || (typeof envelope.data !== "string" && !(envelope.data instanceof Uint8Array))) {
      throw this.#corrupt(key, "is not a ModelMesh storage entry");
    }
    const data = typeof envelope.data === "string" ? new Uint8Array(Buffer.from(envelope.data, "base64")) : new Uint8Array(envelope.data);
    return { entry: { key, data, ...(envelope.metadata ? { metadata: envelope.metadata } : {}) }, lastModified: envelope.lastModified };
  }

  protected override async writeRecord(key: string, record: StoredRecord): Promise<void> {
    const envelope: Envelope = {
      key,
      // MessagePack stores bytes as binary; the text formats as base64.
      data: this.fileFormat === "msgpack" ? record.entry.data : Buffer.from(record.entry.data).toString("base64"),
      lastModified: record.lastModified,
    };
    if (record.entry.metadata !== undefined) envelope.metadata = record.entry.metadata;
    await formatReady(this.fileFormat);
    const plain = serialize(envelope, this.fileFormat);
    const bytes = this.encrypted ? await this.#encrypt(key, plain) : plain;
    const target = this.pathFor(key);
    const temp = join(this.directory, `.${encodeStorageKey(key)}.${globalThis.crypto.randomUUID()}.tmp`);
    try {
      await this.#ensureDir();
      const handle = await open(temp, "wx");
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (this.backupKeep > 0) await this.#rotate(target);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.#ioError(key, "write", error);
    }
  }

  /** Removes the entry and its kept versions; true if the entry existed. */
  protected override async removeRecord(key: string): Promise<boolean> {
    try {
      for (const backup of this.backupPathsFor(key)) await rm(backup, { force: true });
      await rm(this.pathFor(key));
      return true;
    } catch (error) {
      if (errno(error) === "ENOENT") return false;
      throw this.#ioError(key, "delete", error);
    }
  }

  protected override async listKeys(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (errno(error) === "ENOENT") return [];
      throw this.#ioError(this.directory, "list", error);
    }
    const keys: string[] = [];
    for (const name of names) {
      if (!name.endsWith(this.#suffix) || name.startsWith(".")) continue;
      try {
        keys.push(decodeStorageKey(name.slice(0, -this.#suffix.length)));
      } catch {
        // Not one of ours (undecodable name): skip it rather than fail the listing.
      }
    }
    return keys;
  }

  /** Shifts `<file>.1..N-1` up by one and hard-links the current file as `<file>.1` (it stays in place). */
  async #rotate(target: string): Promise<void> {
    for (let index = this.backupKeep - 1; index >= 1; index--) {
      await rename(`${target}.${index}`, `${target}.${index + 1}`).catch((error: unknown) => {
        if (errno(error) !== "ENOENT") throw error;
      });
    }
    await rm(`${target}.1`, { force: true });
    await link(target, `${target}.1`).catch((error: unknown) => {
      if (errno(error) !== "ENOENT") throw error; // no current version yet: nothing to keep
    });
  }

  /** A key missing in this layout but present in another (format or encryption changed): fail, naming both. */
  async #rejectOtherLayout(key: string): Promise<void> {
    const stem = join(this.directory, encodeStorageKey(key));
    for (const format of FILE_FORMATS) {
      for (const encrypted of [false, true]) {
        const suffix = suffixOf(format, encrypted);
        if (suffix === this.#suffix) continue;
        const found = await stat(stem + suffix).then(
          () => true,
          () => false,
        );
        if (found) {
          throw new ModelMeshError({
            name: "ModelMeshStorageLayoutError",
            code: "MM_CONFIG_INVALID",
            category: "config",
            retryable: false,
            message: `[modelmesh] [storage:${this.id}] '${key}' is stored as ${describe(format, encrypted)} (${stem + suffix}) but this storage reads ${describe(this.fileFormat, this.encrypted)}; set storage.format / storage.encryption back, or move the file away`,
          });
        }
      }
    }
  }

  #assertPlain(key: string, bytes: Uint8Array): Uint8Array {
    if (startsWith(bytes, MAGIC)) {
      throw new ModelMeshError({
        name: "ModelMeshStorageDecryptError",
        code: "MM_CONFIG_INVALID",
        category: "config",
        retryable: false,
        message: `[modelmesh] [storage:${this.id}] the file of '${key}' is encrypted; configure storage.encryption.key_env with its key`,
      });
    }
    return bytes;
  }

  #key(): Promise<CryptoKey> {
    this.#cryptoKey ??= globalThis.crypto.subtle.importKey("raw", this.#rawKey! as Uint8Array<ArrayBuffer>, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    return this.#cryptoKey;
  }

  async #encrypt(key: string, plain: Uint8Array): Promise<Uint8Array> {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(key) }, await this.#key(), plain as Uint8Array<ArrayBuffer>));
    const out = new Uint8Array(MAGIC.byteLength + IV_BYTES + sealed.byteLength);
    out.set(MAGIC, 0);
    out.set(iv, MAGIC.byteLength);
    out.set(sealed, MAGIC.byteLength + IV_BYTES);
    return out;
  }

  async #decrypt(key: string, bytes: Uint8Array): Promise<Uint8Array> {
    if (!startsWith(bytes, MAGIC) || bytes.byteLength < MAGIC.byteLength + IV_BYTES + 16) throw this.#corrupt(key, "is not an encrypted ModelMesh entry");
    const iv = bytes.slice(MAGIC.byteLength, MAGIC.byteLength + IV_BYTES);
    try {
      return new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(key) }, await this.#key(), bytes.slice(MAGIC.byteLength + IV_BYTES)));
    } catch (cause) {
      throw new ModelMeshError({
        name: "ModelMeshStorageDecryptError",
        code: "MM_CONFIG_INVALID",
        category: "config",
        retryable: false,
        cause,
        message: `[modelmesh] [storage:${this.id}] cannot decrypt the file of '${key}': ${this.#keySource} is not the key it was written with, or the file was altered`,
      });
    }
  }

  #corrupt(key: string, what: string, cause?: unknown): ModelMeshError {
    return new ModelMeshError({ code: "MM_INTERNAL", category: "internal", retryable: false, cause, message: `[modelmesh] [storage:${this.id}] the file of '${key}' ${what}` });
  }

  #ioError(key: string, action: string, cause: unknown): ModelMeshError {
    if (cause instanceof ModelMeshError) return cause;
    return new ModelMeshError({ code: "MM_INTERNAL", category: "internal", retryable: false, cause, message: `[modelmesh] [storage:${this.id}] could not ${action} '${key}' (${errno(cause) ?? "error"})` });
  }

  #ensureDir(): Promise<unknown> {
    this.#dirReady ??= mkdir(this.directory, { recursive: true }).catch((error: unknown) => {
      this.#dirReady = undefined;
      throw error;
    });
    return this.#dirReady;
  }
}

function suffixOf(format: FileFormat, encrypted: boolean): string {
  return `.entry.${format}${encrypted ? ".enc" : ""}`;
}

function describe(format: FileFormat, encrypted: boolean): string {
  return `${encrypted ? "encrypted " : ""}${format}`;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.byteLength < prefix.byteLength) return false;
  for (let index = 0; index < prefix.byteLength; index++) if (bytes[index] !== prefix[index]) return false;
  return true;
}
