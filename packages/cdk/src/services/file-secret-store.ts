/**
 * FileSecretStore (Node only: imported from `@modelmesh/cdk/node`): secrets from a `.env`, JSON or TOML
 * file through BaseSecretStore's cache and `failOnMissing` (a file store must not bypass either). The file is read
 * lazily on first use; with `watch` its mtime is checked on each lookup and a change reloads it and clears
 * the cache. The environment is consulted only when `envFallback` is configured.
 */
import { stat, readFile } from "node:fs/promises";
import { extname } from "node:path";
import { ConfigError } from "@modelmesh/core";
import { BaseSecretStore, type SecretStoreOptions } from "./base-secret-store.js";
import { flattenToDotted, parseDotenv, parseTomlSubset, selectPath } from "./secret-file-parsers.js";

/** File formats understood by {@link FileSecretStore}. */
export type SecretFileFormat = "dotenv" | "json" | "toml";

/** Options of {@link FileSecretStore}. */
export interface FileSecretStoreOptions extends Omit<SecretStoreOptions, "secrets"> {
  /** Path of the file. Default `.env`. */
  filePath?: string;
  /** Format. Default: from the extension (`.json`, `.toml`), else dotenv. */
  format?: SecretFileFormat;
  /** For JSON and TOML: dotted path of the subtree holding the secrets (`secrets.prod`). */
  jsonPath?: string;
  /** Reload when the file's mtime changes (checked on each lookup). Default false. */
  watch?: boolean;
  /** Missing file: treat as empty (false) or reject (true). Default false. */
  required?: boolean;
  /** Environment consulted for names absent from the file. Default: none (no implicit fallback). */
  envFallback?: Record<string, string | undefined>;
}

/** Infers the format from a file name. */
export function secretFileFormat(filePath: string): SecretFileFormat {
  const ext = extname(filePath).toLowerCase();
  return ext === ".json" ? "json" : ext === ".toml" ? "toml" : "dotenv";
}

/** Secrets read from one file. */
export class FileSecretStore extends BaseSecretStore {
  /** Path of the file. */
  readonly filePath: string;
  /** Format of the file. */
  readonly format: SecretFileFormat;
  readonly #options: FileSecretStoreOptions;
  #values: Record<string, string> | undefined;
  #mtimeMs: number | undefined;
  #loading: Promise<void> | undefined;

  constructor(options: FileSecretStoreOptions = {}) {
    super({ id: "modelmesh.file-secrets.v1", ...options });
    this.filePath = options.filePath ?? ".env";
    this.format = options.format ?? secretFileFormat(this.filePath);
    this.#options = options;
  }

  /** Re-reads the file now and clears the cache. */
  async reload(): Promise<void> {
    this.#values = undefined;
    this.clearCache();
    await this.#ensureLoaded();
  }

  /** With `watch`, a changed mtime drops the parsed file and the cache before the lookup. */
  protected override async refresh(): Promise<void> {
    if (!this.#options.watch || !this.#values) return;
    if ((await this.#mtime()) !== this.#mtimeMs) {
      this.#values = undefined;
      this.clearCache();
    }
  }

  protected override async resolve(name: string): Promise<string | undefined> {
    await this.#ensureLoaded();
    return this.#values![name] ?? this.#fallback(name);
  }

  protected override async names(): Promise<string[]> {
    await this.#ensureLoaded();
    return Object.keys(this.#values!);
  }

  protected override async store(): Promise<void> {
    throw new ConfigError({ code: "MM_CONFIG_INVALID", file: this.filePath, issues: [{ path: "secrets", message: "FileSecretStore is read-only; edit the file instead" }] });
  }

  protected override async remove(): Promise<boolean> {
    return this.store().then(() => false);
  }

  protected override missingHint(): string {
    return `Add it to ${this.filePath}${this.#options.envFallback ? " or the environment" : ""}.`;
  }

  #fallback(name: string): string | undefined {
    const value = this.#options.envFallback?.[name];
    return value === "" ? undefined : value;
  }

  async #ensureLoaded(): Promise<void> {
    if (this.#values) return;
    this.#loading ??= this.#load().finally(() => (this.#loading = undefined));
    await this.#loading;
  }

  async #mtime(): Promise<number | undefined> {
    try {
      return (await stat(this.filePath)).mtimeMs;
    } catch {
      return undefined;
    }
  }

  async #load(): Promise<void> {
    const mtime = await this.#mtime();
    let text: string;
    try {
      text = await readFile(this.filePath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || this.#options.required) {
        throw new ConfigError({ file: this.filePath, issues: [{ path: "secrets", message: `cannot read the secret file (${(error as NodeJS.ErrnoException).code ?? "error"})` }], cause: error });
      }
      text = "";
    }
    this.#values = this.#parse(text);
    this.#mtimeMs = mtime;
  }

  #parse(text: string): Record<string, string> {
    if (this.format === "dotenv") return parseDotenv(text);
    let tree: unknown;
    if (this.format === "toml") tree = parseTomlSubset(text, this.filePath);
    else {
      try {
        tree = text.trim() === "" ? {} : JSON.parse(text);
      } catch (error) {
        // JSON.parse messages quote the input, which holds secrets: keep only the position, and no cause.
        const position = /position (\d+)/.exec((error as Error).message);
        const line = position ? text.slice(0, Number(position[1])).split("\n").length : undefined;
        throw new ConfigError({ file: this.filePath, issues: [{ path: "secrets", message: "the file is not valid JSON", ...(line ? { line } : {}) }] });
      }
    }
    const scoped = selectPath(tree, this.#options.jsonPath);
    if (this.#options.jsonPath && (typeof scoped !== "object" || scoped === null)) {
      throw new ConfigError({ file: this.filePath, issues: [{ path: this.#options.jsonPath, message: "no table or object at this path" }] });
    }
    return flattenToDotted(scoped);
  }
}
