/**
 * EncryptedFileSecretStore: secrets in one file sealed with a passphrase (format in encrypted-envelope.ts),
 * read and written through BaseSecretStore's cache and `failOnMissing`. The file is decrypted lazily and kept
 * in memory; each write re-reads it, applies the change, seals it under a new IV and replaces the file
 * atomically with mode 0600 (only ciphertext ever touches the disk). The derived key is kept for the file's
 * salt, so only the first read or write pays for scrypt. With `cacheTtlMs` given, the file is re-read
 * once the cached values expire; with `watch`, as soon as its mtime changes.
 */
import { readFile, stat } from "node:fs/promises";
import { ConfigError } from "@modelmesh/core";
import { BaseSecretStore, type SecretStoreOptions } from "@modelmesh/cdk";
import { SECRET_FILE_MODE, writeFileAtomic } from "./atomic-write.js";
import { DEFAULT_SCRYPT_PARAMS, deriveKey, newSalt, openSecrets, parseEnvelope, scryptParamsProblem, sealSecrets, type ScryptParams } from "./encrypted-envelope.js";
import { assertSecretName, assertSecretValue, checkedChanges, secretFileError } from "./errors.js";

/** Default file of the encrypted store. */
export const DEFAULT_ENCRYPTED_FILE = ".modelmesh/secrets.enc";

/** Options of {@link EncryptedFileSecretStore}. */
export interface EncryptedFileSecretStoreOptions extends Omit<SecretStoreOptions, "secrets"> {
  /** The passphrase (required, non-empty). The connector reads it from an environment variable. */
  passphrase: string;
  /** Path of the file. Default `.modelmesh/secrets.enc`. */
  filePath?: string;
  /** Reload when the file's mtime changes (checked on each lookup). Default false. */
  watch?: boolean;
  /** Missing file: treat as empty (false) or reject (true). Default false. */
  required?: boolean;
  /** scrypt parameters of a file this store creates (an existing file keeps its own). Default N=2^15, r=8, p=1. */
  kdf?: Partial<ScryptParams>;
}

interface Loaded {
  values: Record<string, string>;
  mtimeMs: number | undefined;
  /** Salt and parameters of the file (absent until the file exists). */
  kdf?: { params: ScryptParams; salt: Uint8Array<ArrayBuffer> };
}

/** A passphrase-encrypted secret file with get / has / list / set / delete / setMany. */
export class EncryptedFileSecretStore extends BaseSecretStore {
  /** Path of the file. */
  readonly filePath: string;
  readonly #passphrase: string;
  readonly #watch: boolean;
  readonly #required: boolean;
  readonly #newParams: ScryptParams;
  readonly #rereadMs: number | undefined;
  #readAt: number | undefined;
  #loaded: Loaded | undefined;
  #loading: Promise<Loaded> | undefined;
  /** Bumped whenever the in-memory copy is dropped or replaced, so a read started earlier cannot overwrite it. */
  #generation = 0;
  #key: { id: string; key: CryptoKey } | undefined;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(options: EncryptedFileSecretStoreOptions) {
    super({ id: "modelmesh.encrypted-file.v1", ...options });
    this.filePath = options.filePath ?? DEFAULT_ENCRYPTED_FILE;
    if (typeof options.passphrase !== "string" || options.passphrase === "") {
      throw new ConfigError({ file: this.filePath, issues: [{ path: "secrets", message: "the encrypted-file store needs a non-empty passphrase" }] });
    }
    this.#passphrase = options.passphrase;
    this.#watch = options.watch ?? false;
    this.#required = options.required ?? false;
    this.#rereadMs = options.cacheTtlMs;
    this.#newParams = { ...DEFAULT_SCRYPT_PARAMS, ...options.kdf };
    const problem = scryptParamsProblem(this.#newParams);
    if (problem) throw new ConfigError({ issues: [{ path: "secrets", message: problem }] });
  }

  /** Sets several secrets in one write (e.g. an import). */
  async setMany(values: Readonly<Record<string, string>>): Promise<void> {
    const changes = checkedChanges(values, this.filePath);
    if (changes.size > 0) await this.#edit(changes);
    this.clearCache();
  }

  /** Re-reads the file now and clears the cache. */
  async reload(): Promise<void> {
    this.#loaded = undefined;
    this.clearCache();
    await this.#ensureLoaded();
  }

  /** Forgets the decrypted values and the derived key (a later lookup reads and derives again). */
  override async close(): Promise<void> {
    await this.#writes;
    this.#drop();
    this.#key = undefined;
    this.#readAt = undefined;
  }

  protected override async refresh(): Promise<void> {
    if (this.#rereadMs !== undefined) {
      const now = this.clock.now();
      if (this.#readAt === undefined || now - this.#readAt >= this.#rereadMs) {
        if (this.#readAt !== undefined) this.#drop();
        this.#readAt = now;
      }
    }
    if (this.#watch && this.#loaded && (await this.#mtime()) !== this.#loaded.mtimeMs) this.#drop();
  }

  /** Forgets the decrypted file and the cache; the next lookup reads the file again. */
  #drop(): void {
    this.#generation++;
    this.#loaded = undefined;
    this.#loading = undefined;
    this.clearCache();
  }

  protected override async resolve(name: string): Promise<string | undefined> {
    const { values } = await this.#ensureLoaded();
    return Object.hasOwn(values, name) ? values[name] : undefined;
  }

  protected override async names(): Promise<string[]> {
    return Object.keys((await this.#ensureLoaded()).values);
  }

  protected override async store(name: string, value: string): Promise<void> {
    assertSecretName(name, this.filePath);
    assertSecretValue(name, value, this.filePath);
    await this.#edit(new Map([[name, value]]));
  }

  protected override async remove(name: string): Promise<boolean> {
    return (await this.#edit(new Map([[name, undefined]]))).has(name);
  }

  protected override missingHint(name: string): string {
    return `Add it with \`modelmesh secrets set ${name} --path ${this.filePath}\`.`;
  }

  async #ensureLoaded(): Promise<Loaded> {
    if (this.#loaded) return this.#loaded;
    const generation = this.#generation;
    const loading = (this.#loading ??= this.#read().finally(() => {
      if (this.#loading === loading) this.#loading = undefined;
    }));
    const loaded = await loading;
    if (generation === this.#generation && !this.#loaded) this.#loaded = loaded;
    return this.#loaded ?? loaded;
  }

  async #mtime(): Promise<number | undefined> {
    try {
      return (await stat(this.filePath)).mtimeMs;
    } catch {
      return undefined;
    }
  }

  /** Reads and decrypts the file (a missing one is empty unless `required`; a write creates it). */
  async #read(forWrite = false): Promise<Loaded> {
    const mtimeMs = await this.#mtime();
    let text: string;
    try {
      text = await readFile(this.filePath, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && (forWrite || !this.#required)) return { values: {}, mtimeMs: undefined };
      throw secretFileError(this.filePath, code === "ENOENT" ? "the encrypted secrets file does not exist (required: true)" : `cannot read the encrypted secrets file (${code ?? "error"})`, error);
    }
    const parsed = parseEnvelope(text, this.filePath);
    const kdf = { params: parsed.params, salt: parsed.salt };
    const values = await openSecrets(parsed, await this.#keyFor(kdf), this.filePath);
    return { values, mtimeMs, kdf };
  }

  /** The key for a salt and parameters, derived once. */
  async #keyFor(kdf: { params: ScryptParams; salt: Uint8Array<ArrayBuffer> }): Promise<CryptoKey> {
    const id = `${kdf.params.N}:${kdf.params.r}:${kdf.params.p}:${Buffer.from(kdf.salt).toString("base64")}`;
    if (this.#key?.id !== id) this.#key = { id, key: await deriveKey(this.#passphrase, kdf.salt, kdf.params) };
    return this.#key.key;
  }

  /** One read-change-seal-write, after the previous write of this instance. */
  #edit(changes: ReadonlyMap<string, string | undefined>): Promise<Set<string>> {
    const run = this.#writes.then(async () => {
      const current = await this.#read(true); // the file as it is now, not as this instance last saw it
      const values = { ...current.values };
      const existed = new Set([...changes.keys()].filter((name) => Object.hasOwn(values, name)));
      for (const [name, value] of changes) {
        if (value === undefined) delete values[name];
        else values[name] = value;
      }
      const deletesOnly = [...changes.values()].every((value) => value === undefined);
      this.#generation++;
      if (deletesOnly && existed.size === 0) {
        this.#loaded = current;
        return existed;
      }
      const kdf = current.kdf ?? { params: this.#newParams, salt: newSalt() };
      await writeFileAtomic(this.filePath, await sealSecrets(values, await this.#keyFor(kdf), kdf), { mode: SECRET_FILE_MODE, forceMode: true });
      this.#loaded = { values, mtimeMs: await this.#mtime(), kdf };
      return existed;
    });
    this.#writes = run.catch(() => {});
    return run;
  }
}
