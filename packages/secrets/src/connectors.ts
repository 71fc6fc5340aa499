/**
 * The secret-store descriptors of this package: `env`, `memory-secrets`, `dotenv`, `json-secrets`,
 * `toml-secrets` and `encrypted-file`. The mesh hands each one the whole `secrets` section, so the keys core
 * owns there (`store`, `reload_on_rotation`) are accepted; every other key either changes what the store does
 * or is rejected with its name and the reason (e.g. `region` on these local stores, `passphrase` anywhere):
 * a key is honoured or rejected, never accepted and ignored (docs/ARCHITECTURE.md §2.2).
 */
import { ConfigError, tryParseDuration, type ConnectorContext, type ConnectorDescriptor } from "@modelmesh/core";
import { EnvSecretStore, MemorySecretStore } from "@modelmesh/cdk";
import { z } from "zod";
import { DEFAULT_ENCRYPTED_FILE, EncryptedFileSecretStore } from "./encrypted-file-secret-store.js";
import { WritableFileSecretStore } from "./writable-file-secret-store.js";

/** Environment variable holding the encrypted store's passphrase unless `passphrase_env` names another. */
export const DEFAULT_PASSPHRASE_ENV = "MODELMESH_SECRETS_PASSPHRASE";

/** A duration in YAML (`30s`, `5m`) or milliseconds; outputs milliseconds. */
const duration = z.union([z.number().min(0), z.string()]).transform((value, context) => {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    context.addIssue({ code: "custom", message: "expected a duration such as 500ms, 10s, 5m or a number of milliseconds" });
    return z.NEVER;
  }
  return ms;
});

/** Keys of the `secrets` section that core owns and passes along. */
const SECTION_KEYS = {
  /** The connector id itself. */
  store: z.string().optional(),
  /** Core rejects `true` (secrets are resolved once); `false` is the behaviour. */
  reload_on_rotation: z.literal(false, { error: "secrets are resolved once, when the mesh starts; restart to pick up a rotated key" }).optional(),
};

const REGION = "region applies to cloud secret managers; this store is local";

/**
 * A section schema: core's keys plus `shape`; any other key is an issue at that key, with the reason from
 * `rejected` or the list of accepted keys.
 */
function sectionSchema<S extends z.ZodRawShape>(id: string, shape: S, rejected: Record<string, string>) {
  const accepted = { ...SECTION_KEYS, ...shape };
  const known = Object.keys(accepted).sort();
  return z.looseObject(accepted).superRefine((value, context) => {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const reason = rejected[key] ?? `unknown key for ${id}; it accepts ${known.join(", ")}`;
      context.addIssue({ code: "custom", path: [key], message: reason });
    }
  });
}

/** Drops undefined values, so an absent key never overrides a class default. */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Config of `modelmesh.env.v1`. */
export const envSecretsConfigSchema = sectionSchema(
  "modelmesh.env.v1",
  { prefix: z.string().optional(), cache_ttl: duration.optional(), fail_on_missing: z.boolean().optional() },
  { path: "the env store reads environment variables, not a file; use store: dotenv, json-secrets, toml-secrets or encrypted-file", region: REGION },
);

/** `modelmesh.env.v1` (`env`): secrets from the environment the host passes in (`createMesh(…, { env })`). */
export const envSecretsConnector: ConnectorDescriptor<z.infer<typeof envSecretsConfigSchema>, EnvSecretStore> = {
  id: "modelmesh.env.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["env"],
  runtime: "universal",
  description: "Secrets from environment variables (name as given, then UPPER_SNAKE), with an optional prefix.",
  configSchema: envSecretsConfigSchema,
  create: (config, context) =>
    new EnvSecretStore({ id: "modelmesh.env.v1", env: context.env, clock: context.clock, ...defined({ prefix: config.prefix, cacheTtlMs: config.cache_ttl, failOnMissing: config.fail_on_missing }) }),
};

/** Config of `modelmesh.memory-secrets.v1`. */
export const memorySecretsConfigSchema = sectionSchema(
  "modelmesh.memory-secrets.v1",
  { secrets: z.record(z.string(), z.string()).optional(), fail_on_missing: z.boolean().optional() },
  {
    cache_ttl: "memory-secrets keeps no cache (its values are already in memory); remove cache_ttl",
    path: "memory-secrets reads no file; give the values under `secrets:` or use a file store",
    region: REGION,
  },
);

/** `modelmesh.memory-secrets.v1` (`memory-secrets`): secrets given in the config or set at run time (tests, demos). */
export const memorySecretsConnector: ConnectorDescriptor<z.infer<typeof memorySecretsConfigSchema>, MemorySecretStore> = {
  id: "modelmesh.memory-secrets.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["memory-secrets"],
  runtime: "universal",
  description: "In-memory secrets from the config block (`secrets:`) or set at run time.",
  configSchema: memorySecretsConfigSchema,
  create: (config, context) => new MemorySecretStore({ clock: context.clock, ...defined({ secrets: config.secrets, failOnMissing: config.fail_on_missing }) }),
};

/** Keys of the plain file stores. */
const fileKeys = {
  path: z.string().min(1).optional(),
  cache_ttl: duration.optional(),
  fail_on_missing: z.boolean().optional(),
  watch: z.boolean().optional(),
  required: z.boolean().optional(),
  env_fallback: z.boolean().optional(),
};

/** Config of `modelmesh.dotenv.v1`. */
export const dotenvSecretsConfigSchema = sectionSchema("modelmesh.dotenv.v1", fileKeys, {
  json_path: "json_path applies to json-secrets and toml-secrets; a .env file is flat",
  region: REGION,
});

/** Config of `modelmesh.json-secrets.v1` and `modelmesh.toml-secrets.v1`. */
export const treeSecretsConfigSchema = (id: string) => sectionSchema(id, { ...fileKeys, json_path: z.string().min(1).optional() }, { region: REGION });

type FileSecretsConfig = z.infer<typeof dotenvSecretsConfigSchema> & { json_path?: string };

function fileSecretStore(id: string, format: "dotenv" | "json" | "toml", defaultPath: string) {
  return (config: FileSecretsConfig, context: ConnectorContext) =>
    new WritableFileSecretStore({
      id,
      format,
      filePath: config.path ?? defaultPath,
      clock: context.clock,
      ...(config.env_fallback ? { envFallback: context.env } : {}),
      ...defined({ cacheTtlMs: config.cache_ttl, failOnMissing: config.fail_on_missing, watch: config.watch, required: config.required, jsonPath: config.json_path }),
    });
}

/** `modelmesh.dotenv.v1` (`dotenv`): secrets in a `.env` file (default `./.env`), writable. */
export const dotenvSecretsConnector: ConnectorDescriptor<FileSecretsConfig, WritableFileSecretStore> = {
  id: "modelmesh.dotenv.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["dotenv"],
  runtime: "node",
  description: "Secrets in a .env file (read lazily; `watch` reloads on change; set/delete write it back).",
  configSchema: dotenvSecretsConfigSchema,
  create: fileSecretStore("modelmesh.dotenv.v1", "dotenv", ".env"),
};

/** `modelmesh.json-secrets.v1` (`json-secrets`): secrets in a JSON file (default `./secrets.json`), optionally a subtree. */
export const jsonSecretsConnector: ConnectorDescriptor<FileSecretsConfig, WritableFileSecretStore> = {
  id: "modelmesh.json-secrets.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["json-secrets"],
  runtime: "node",
  description: "Secrets in a JSON file; nested keys are addressed with dots; set/delete write it back.",
  configSchema: treeSecretsConfigSchema("modelmesh.json-secrets.v1"),
  create: fileSecretStore("modelmesh.json-secrets.v1", "json", "secrets.json"),
};

/** `modelmesh.toml-secrets.v1` (`toml-secrets`): secrets in a TOML file (default `./secrets.toml`), optionally a table. */
export const tomlSecretsConnector: ConnectorDescriptor<FileSecretsConfig, WritableFileSecretStore> = {
  id: "modelmesh.toml-secrets.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["toml-secrets"],
  runtime: "node",
  description: "Secrets in a TOML file (strings, numbers, booleans, tables); set/delete rewrite it as plain key = value lines.",
  configSchema: treeSecretsConfigSchema("modelmesh.toml-secrets.v1"),
  create: fileSecretStore("modelmesh.toml-secrets.v1", "toml", "secrets.toml"),
};

/** Config of `modelmesh.encrypted-file.v1`. */
export const encryptedFileConfigSchema = sectionSchema(
  "modelmesh.encrypted-file.v1",
  {
    path: z.string().min(1).optional(),
    passphrase_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name").optional(),
    cache_ttl: duration.optional(),
    fail_on_missing: z.boolean().optional(),
    watch: z.boolean().optional(),
    required: z.boolean().optional(),
  },
  {
    passphrase: `the passphrase is never read from the config; put it in the environment variable named by passphrase_env (default ${DEFAULT_PASSPHRASE_ENV})`,
    region: REGION,
  },
);

/** The passphrase from the environment variable `name`, or a ConfigError naming the variable (never a value). */
export function passphraseFrom(env: Record<string, string | undefined>, name: string, filePath: string): string {
  const value = env[name];
  if (value !== undefined && value !== "") return value;
  throw new ConfigError({
    issues: [{ path: "secrets.passphrase_env", message: `environment variable ${name} is not set: the encrypted-file store needs the passphrase of ${filePath}` }],
  });
}

/** `modelmesh.encrypted-file.v1` (`encrypted-file`): a passphrase-encrypted file (default `./.modelmesh/secrets.enc`). */
export const encryptedFileSecretsConnector: ConnectorDescriptor<z.infer<typeof encryptedFileConfigSchema>, EncryptedFileSecretStore> = {
  id: "modelmesh.encrypted-file.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["encrypted-file"],
  runtime: "node",
  description: "Secrets in one AES-256-GCM file, key from a passphrase (scrypt) in an environment variable; writable.",
  configSchema: encryptedFileConfigSchema,
  create: (config, context) => {
    const filePath = config.path ?? DEFAULT_ENCRYPTED_FILE;
    return new EncryptedFileSecretStore({
      filePath,
      passphrase: passphraseFrom(context.env, config.passphrase_env ?? DEFAULT_PASSPHRASE_ENV, filePath),
      clock: context.clock,
      ...defined({ cacheTtlMs: config.cache_ttl, failOnMissing: config.fail_on_missing, watch: config.watch, required: config.required }),
    });
  },
};

/**
 * Every secret-store connector of this package.
 * @example
 * const registry = new ConnectorRegistry({ connectors: [...SECRETS_CONNECTORS] });
 */
export const SECRETS_CONNECTORS: readonly ConnectorDescriptor[] = Object.freeze([
  envSecretsConnector,
  memorySecretsConnector,
  dotenvSecretsConnector,
  jsonSecretsConnector,
  tomlSecretsConnector,
  encryptedFileSecretsConnector,
]);
