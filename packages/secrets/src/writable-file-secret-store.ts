/**
 * WritableFileSecretStore: the CDK's FileSecretStore (`.env`, JSON, TOML; cache, `failOnMissing`, `watch`,
 * `envFallback`) whose `set`, `delete` and `setMany` persist to the file. Each write reads the current file,
 * applies the change (dotenv: line by line, other lines and comments kept; JSON: other keys kept; TOML: the
 * tree rewritten as plain `key = value` lines under `[table]` headers, comments not kept), replaces the file
 * atomically and reloads it. Writes of one instance are serialised; separate writers are last-writer-wins.
 * With `cacheTtlMs` given, the file is also re-read once the cached values expire (the CDK class reads it
 * once, or on change with `watch`), so `cache_ttl` bounds how long an edited file goes unnoticed.
 */
import { readFile } from "node:fs/promises";
import { FileSecretStore, type FileSecretStoreOptions } from "@modelmesh/cdk/node";
import { parseTomlSubset } from "@modelmesh/cdk";
import { writeFileAtomic } from "./atomic-write.js";
import { assertSecretName, assertSecretValue, checkedChanges, secretFileError } from "./errors.js";
import { editDotenv, editTree, stringifyTomlSubset, type SecretChanges } from "./secret-file-edits.js";

/** Options of {@link WritableFileSecretStore}. */
export interface WritableFileSecretStoreOptions extends FileSecretStoreOptions {
  /** Mode of a file the store creates (an existing file keeps its mode). Default `0o600`. */
  fileMode?: number;
}

/** A `.env`, JSON or TOML secret file that `set` / `delete` / `setMany` write back. */
export class WritableFileSecretStore extends FileSecretStore {
  readonly #scope: string | undefined;
  readonly #fileMode: number | undefined;
  readonly #rereadMs: number | undefined;
  #readAt: number | undefined;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(options: WritableFileSecretStoreOptions = {}) {
    super(options);
    this.#scope = options.jsonPath;
    this.#fileMode = options.fileMode;
    this.#rereadMs = options.cacheTtlMs;
  }

  /** Sets several secrets in one write (e.g. an import). */
  async setMany(values: Readonly<Record<string, string>>): Promise<void> {
    const changes = checkedChanges(values, this.filePath);
    if (changes.size > 0) await this.#edit(changes);
  }

  /** Stores one secret in the file. */
  override async set(name: string, value: string): Promise<void> {
    assertSecretName(name, this.filePath);
    assertSecretValue(name, value, this.filePath);
    await this.#edit(new Map([[name, value]]));
  }

  /** Removes one secret from the file; true if it was there. */
  override async delete(name: string): Promise<boolean> {
    return (await this.#edit(new Map([[name, undefined]]))).has(name);
  }

  // FileSecretStore's store()/remove() (read-only) are bypassed: they take no arguments, so they cannot be
  // overridden with the (name, value) signature; set() and delete() above replace them and reload() clears the cache.

  /** `watch` (the CDK's mtime check), then a re-read when `cacheTtlMs` has passed since the last one. */
  protected override async refresh(): Promise<void> {
    await super.refresh();
    if (this.#rereadMs === undefined) return;
    const now = this.clock.now();
    if (this.#readAt !== undefined && now - this.#readAt < this.#rereadMs) return;
    const first = this.#readAt === undefined;
    this.#readAt = now;
    if (!first) await this.reload();
  }

  /** Runs one read-change-write after the previous one of this instance. */
  #edit(changes: SecretChanges): Promise<Set<string>> {
    const run = this.#writes.then(() => this.#apply(changes));
    this.#writes = run.catch(() => {});
    return run;
  }

  async #apply(changes: SecretChanges): Promise<Set<string>> {
    const text = await this.#read();
    let next: string;
    let existed: Set<string>;
    if (this.format === "dotenv") ({ text: next, existed } = editDotenv(text, changes));
    else {
      const tree = this.format === "toml" ? parseTomlSubset(text, this.filePath) : this.#parseJson(text);
      existed = editTree(tree, this.#scope, changes, this.filePath);
      next = this.format === "toml" ? stringifyTomlSubset(tree, this.filePath) : `${JSON.stringify(tree, null, 2)}\n`;
    }
    const deletesOnly = [...changes.values()].every((value) => value === undefined);
    if (!(deletesOnly && existed.size === 0)) await writeFileAtomic(this.filePath, next, this.#fileMode === undefined ? {} : { mode: this.#fileMode });
    await this.reload();
    return existed;
  }

  async #read(): Promise<string> {
    try {
      return await readFile(this.filePath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw secretFileError(this.filePath, `cannot read the secret file (${(error as NodeJS.ErrnoException).code ?? "error"})`, error);
    }
  }

  #parseJson(text: string): Record<string, unknown> {
    let tree: unknown;
    try {
      tree = text.trim() === "" ? {} : JSON.parse(text);
    } catch {
      // JSON.parse messages quote the input, which holds secrets.
      throw secretFileError(this.filePath, "the file is not valid JSON; fix it before writing to it");
    }
    if (typeof tree !== "object" || tree === null || Array.isArray(tree)) throw secretFileError(this.filePath, "the file must hold a JSON object to write secrets into");
    return tree as Record<string, unknown>;
  }
}
