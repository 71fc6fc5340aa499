/**
 * EnvSecretStore: resolves secrets from an environment record. The record is injected (default
 * `globalThis.process?.env`, read at call time), so the class is platform-neutral and testable.
 */
import { toEnvName } from "@modelmesh/core";
import { BaseSecretStore, type SecretStoreOptions } from "./base-secret-store.js";

/** Options of {@link EnvSecretStore}. */
export interface EnvSecretStoreOptions extends Omit<SecretStoreOptions, "secrets"> {
  /** The environment. Default `globalThis.process?.env` (empty outside Node). */
  env?: Record<string, string | undefined>;
  /** Prefix added to every variable name (`MM_` → `openai-key` reads `MM_OPENAI_KEY`). */
  prefix?: string;
  /**
   * Maps a secret name to a variable name. Default: the name as given, then its UPPER_SNAKE form
   * (`openai-key` → `OPENAI_KEY`), both with `prefix`.
   */
  transform?: (name: string) => string | readonly string[];
}

/** Converts `openai-key` / `openai.key` / `openaiKey` to `OPENAI_KEY` (core's rule, shared with its env fallback). */
export { toEnvName };

/** Secrets from environment variables. Writes (`set`/`delete`) change the injected record only. */
export class EnvSecretStore extends BaseSecretStore {
  readonly #env: Record<string, string | undefined> | undefined;
  readonly #prefix: string;
  readonly #transform: ((name: string) => string | readonly string[]) | undefined;

  constructor(options: EnvSecretStoreOptions = {}) {
    // Env values change rarely and are cheap to read; a short cache keeps `watch`-less stores honest.
    super({ id: "modelmesh.env-secrets.v1", cacheTtlMs: 60_000, ...options });
    this.#env = options.env;
    this.#prefix = options.prefix ?? "";
    this.#transform = options.transform;
  }

  /** The environment record in use. */
  protected get env(): Record<string, string | undefined> {
    return this.#env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  }

  /** Candidate variable names for a secret, in lookup order. */
  protected variableNames(name: string): string[] {
    const raw = this.#transform ? this.#transform(name) : [name, toEnvName(name)];
    return [...new Set(typeof raw === "string" ? [raw] : raw)].map((n) => this.#prefix + n);
  }

  protected override resolve(name: string): string | undefined {
    const env = this.env;
    for (const variable of this.variableNames(name)) {
      const value = env[variable];
      if (value !== undefined && value !== "") return value;
    }
    return undefined;
  }

  protected override store(name: string, value: string): void {
    this.env[this.variableNames(name)[0]!] = value;
  }

  protected override remove(name: string): boolean {
    const env = this.env;
    let existed = false;
    for (const variable of this.variableNames(name)) {
      if (env[variable] !== undefined) existed = true;
      delete env[variable];
    }
    return existed;
  }

  /** Variable names carrying the prefix (all names when there is none), with the prefix removed. */
  protected override names(): string[] {
    return Object.keys(this.env)
      .filter((key) => key.startsWith(this.#prefix) && this.env[key] !== undefined)
      .map((key) => key.slice(this.#prefix.length));
  }

  protected override missingHint(name: string): string {
    return `Set the environment variable ${this.variableNames(name).join(" or ")}.`;
  }
}
