/**
 * The storage descriptors: `modelmesh.memory.v1` and `modelmesh.local-file.v1` (same ids and aliases as the
 * CDK's, so existing YAML keeps working). The mesh hands a connector the whole `storage` section, so each schema
 * accepts the keys core owns (`connector`, `sync_policy`, `sync_interval`, `on_store_failure`; validated by core)
 * next to the connector's own, and rejects any other key, naming it. Every accepted key has an effect.
 */
import { BaseStorage } from "@modelmesh/cdk";
import { ConfigError, tryParseDuration, type ConnectorContext, type ConnectorDescriptor } from "@modelmesh/core";
import { z } from "zod";
import { FILE_FORMATS, LocalFileStorage, parseEncryptionKey } from "./local-file-storage.js";

/** A duration (`30s`, `5m`) or milliseconds; outputs milliseconds. */
const durationMs = z.union([z.number().nonnegative(), z.string()]).transform((value, context) => {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    context.addIssue({ code: "custom", message: "expected a duration such as 500ms, 10s, 5m or a number of milliseconds" });
    return z.NEVER;
  }
  return ms;
});

/** A key that is present is an error with `message` (absent keys pass). */
const rejected = (message: string) =>
  z
    .unknown()
    .refine(() => false, { message })
    .optional();

/** The keys of the `storage` section core owns (already validated by core): accepted, not used here. */
const sectionKeys = {
  connector: z.string().optional(),
  sync_policy: z.string().optional(),
  sync_interval: z.unknown().optional(),
  on_store_failure: z.unknown().optional(),
};

/** `locking`: the advisory locks the mesh takes around each snapshot save. */
const lockingSchema = z.strictObject({
  /** `false` turns locking off (`acquire` fails with `MM_NOT_SUPPORTED`; the mesh then saves without a lock). */
  enabled: z.boolean().optional(),
  /** How long a lock is held before it lapses. Default 30s. */
  ttl: durationMs.optional(),
  /** How long `acquire` waits for a held lock. Default 10s. */
  timeout: durationMs.optional(),
});

function lockingOptions(locking: z.infer<typeof lockingSchema> | undefined) {
  return {
    ...(locking?.enabled !== undefined ? { lockingEnabled: locking.enabled } : {}),
    ...(locking?.ttl !== undefined ? { lockTtlMs: locking.ttl } : {}),
    ...(locking?.timeout !== undefined ? { lockWaitMs: locking.timeout } : {}),
  };
}

const NOTHING_WRITTEN = "the memory connector writes nothing to disk, so there is nothing to";

/** Config of `modelmesh.memory.v1`: `locking` only; file keys are rejected. */
export const memoryStorageConfigSchema = z.strictObject({
  ...sectionKeys,
  locking: lockingSchema.optional(),
  format: rejected(`${NOTHING_WRITTEN} format; use connector: local-file to choose a file format`),
  encryption: rejected(`${NOTHING_WRITTEN} encrypt; use connector: local-file with encryption.key_env`),
  backup: rejected(`${NOTHING_WRITTEN} back up; use connector: local-file with backup.keep`),
  path: rejected("the memory connector keeps state in the process only; use connector: local-file to store it under a path"),
});

/** `modelmesh.memory.v1` (`memory`): in-process storage with locks (state is lost on exit). */
export const memoryStorageConnector: ConnectorDescriptor<z.infer<typeof memoryStorageConfigSchema>, BaseStorage> = {
  id: "modelmesh.memory.v1",
  type: "storage",
  specificationVersion: "v1",
  aliases: ["memory"],
  runtime: "universal",
  description: "In-memory storage with advisory locks.",
  configSchema: memoryStorageConfigSchema,
  create: (config, context) => new BaseStorage({ id: "modelmesh.memory.v1", clock: context.clock, ...lockingOptions(config.locking) }),
};

/** Config of `modelmesh.local-file.v1`. */
export const localFileStorageConfigSchema = z.strictObject({
  ...sectionKeys,
  /** Directory of the entry files. Default `.modelmesh/state`. */
  path: z.string().min(1).optional(),
  /** Encoding of the entry files. Default `json`. */
  format: z.enum(FILE_FORMATS).optional(),
  locking: lockingSchema.optional(),
  /** AES-256-GCM encryption of every file with the 32-byte key (hex or base64) in the named environment variable. */
  encryption: z
    .strictObject({
      key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the name of an environment variable holding the key"),
    })
    .optional(),
  /** Previous versions kept per key on overwrite (`<file>.1..keep`). */
  backup: z
    .strictObject({ keep: z.number().int().min(1).max(100) }, { error: "expected { keep: N }: how many previous versions of each file to keep (1–100)" })
    .optional(),
});

/** `modelmesh.local-file.v1` (`local-file`): one file per key under `path`, written atomically. */
export const localFileStorageConnector: ConnectorDescriptor<z.infer<typeof localFileStorageConfigSchema>, LocalFileStorage> = {
  id: "modelmesh.local-file.v1",
  type: "storage",
  specificationVersion: "v1",
  aliases: ["local-file"],
  runtime: "node",
  description: "One file per key in a directory (json, yaml or msgpack; optional AES-256-GCM encryption and kept versions).",
  configSchema: localFileStorageConfigSchema,
  create: (config, context) =>
    new LocalFileStorage({
      directory: config.path ?? ".modelmesh/state",
      clock: context.clock,
      ...lockingOptions(config.locking),
      ...(config.format !== undefined ? { format: config.format } : {}),
      ...(config.backup !== undefined ? { backupKeep: config.backup.keep } : {}),
      ...(config.encryption !== undefined ? encryptionOptions(config.encryption.key_env, context) : {}),
    }),
};

function encryptionOptions(name: string, context: ConnectorContext): { encryptionKey: Uint8Array; encryptionKeySource: string } {
  const value = context.env[name];
  const source = `environment variable ${name} (storage.encryption.key_env)`;
  if (value === undefined || value === "") {
    throw new ConfigError({ issues: [{ path: "storage.encryption.key_env", message: `environment variable ${name} is not set; it must hold the 32-byte AES-256 key (hex or base64)` }] });
  }
  try {
    return { encryptionKey: parseEncryptionKey(value, source), encryptionKeySource: source };
  } catch (error) {
    throw new ConfigError({ issues: [{ path: "storage.encryption.key_env", message: (error as Error).message }] });
  }
}

/** Every storage descriptor of this package. */
export const STORAGE_CONNECTORS: readonly ConnectorDescriptor[] = [memoryStorageConnector, localFileStorageConnector] as readonly ConnectorDescriptor[];
