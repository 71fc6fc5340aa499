/**
 * Node-only descriptors (exported from `@modelmesh/cdk/node`): file-backed secret stores, per-key file
 * storage and JSONL file observability. Relative paths resolve against the process's working directory.
 */
import type { ConnectorDescriptor } from "@modelmesh/core";
import { z } from "zod";
import { FileObservability } from "../services/file-observability.js";
import { FileSecretStore } from "../services/file-secret-store.js";
import { KeyValueStorage } from "../services/key-value-storage.js";
import { defined, durationMs, sizeBytes } from "./connector-schemas.js";
import { observabilityConfigSchema, observabilityOptions, storageConfigSchema, storageOptions } from "./service-connectors.js";

/** Config of the file secret stores (the `secrets` section). */
export const fileSecretsConfigSchema = z.looseObject({
  path: z.string().min(1).optional(),
  cache_ttl: durationMs.optional(),
  fail_on_missing: z.boolean().optional(),
  watch: z.boolean().optional(),
  required: z.boolean().optional(),
  /** Also read the host's environment for names absent from the file. Default false. */
  env_fallback: z.boolean().optional(),
  /** JSON only: dotted path of the subtree holding the secrets. */
  json_path: z.string().optional(),
});

type FileSecretsConfig = z.infer<typeof fileSecretsConfigSchema>;

function fileSecretStore(id: string, format: "dotenv" | "json", defaultPath: string) {
  return (config: FileSecretsConfig, context: Parameters<ConnectorDescriptor["create"]>[1]) =>
    new FileSecretStore({
      id,
      format,
      filePath: config.path ?? defaultPath,
      clock: context.clock,
      ...(config.env_fallback ? { envFallback: context.env } : {}),
      ...defined({ cacheTtlMs: config.cache_ttl, failOnMissing: config.fail_on_missing, watch: config.watch, required: config.required, jsonPath: config.json_path }),
    });
}

/** `modelmesh.dotenv.v1` (`dotenv`): secrets from a `.env` file (default `./.env`). */
export const dotenvSecretsConnector: ConnectorDescriptor<FileSecretsConfig, FileSecretStore> = {
  id: "modelmesh.dotenv.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["dotenv"],
  runtime: "node",
  description: "Secrets from a .env file (read lazily; `watch` reloads on change).",
  configSchema: fileSecretsConfigSchema,
  create: fileSecretStore("modelmesh.dotenv.v1", "dotenv", ".env"),
};

/** `modelmesh.json-secrets.v1` (`json-secrets`): secrets from a JSON file, optionally a subtree (`json_path`). */
export const jsonSecretsConnector: ConnectorDescriptor<FileSecretsConfig, FileSecretStore> = {
  id: "modelmesh.json-secrets.v1",
  type: "secret-store",
  specificationVersion: "v1",
  aliases: ["json-secrets"],
  runtime: "node",
  description: "Secrets from a JSON file; nested keys are addressed with dots.",
  configSchema: fileSecretsConfigSchema,
  create: fileSecretStore("modelmesh.json-secrets.v1", "json", "secrets.json"),
};

/** Config of `modelmesh.local-file.v1` (the `storage` section). */
export const localFileConfigSchema = storageConfigSchema.extend({ path: z.string().min(1).optional() });

/** `modelmesh.local-file.v1` (`local-file`): one file per key under `path`, written atomically. */
export const localFileStorageConnector: ConnectorDescriptor<z.infer<typeof localFileConfigSchema>, KeyValueStorage> = {
  id: "modelmesh.local-file.v1",
  type: "storage",
  specificationVersion: "v1",
  aliases: ["local-file"],
  runtime: "node",
  description: "State and blobs as one JSON file per key in a directory (atomic rename).",
  configSchema: localFileConfigSchema,
  create: (config, context) =>
    new KeyValueStorage({ id: "modelmesh.local-file.v1", backend: "file", directory: config.path ?? ".modelmesh/state", clock: context.clock, ...storageOptions(config) }),
};

/** Config of the JSONL file sinks. */
export const fileObservabilityConfigSchema = observabilityConfigSchema.extend({
  path: z.string().min(1).optional(),
  append: z.boolean().optional(),
  max_size: sizeBytes.optional(),
});

type FileObservabilityConfig = z.infer<typeof fileObservabilityConfigSchema>;

function fileSink(id: string, defaultPath: string) {
  return (config: FileObservabilityConfig, context: Parameters<ConnectorDescriptor["create"]>[1]) =>
    new FileObservability({ id, filePath: config.path ?? defaultPath, clock: context.clock, ...observabilityOptions(config), ...defined({ append: config.append, maxSizeBytes: config.max_size }) });
}

/** `modelmesh.file.v1` (`file`): redacted JSONL records appended to `path` (default `modelmesh.log`). */
export const fileObservabilityConnector: ConnectorDescriptor<FileObservabilityConfig, FileObservability> = {
  id: "modelmesh.file.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["file"],
  runtime: "node",
  description: "Redacted JSON lines appended to a file, with optional size rotation.",
  configSchema: fileObservabilityConfigSchema,
  create: fileSink("modelmesh.file.v1", "modelmesh.log"),
};

/** `modelmesh.json-log.v1` (`json-log`): the same JSONL sink, defaulting to `modelmesh.log.jsonl`. */
export const jsonLogObservabilityConnector: ConnectorDescriptor<FileObservabilityConfig, FileObservability> = {
  id: "modelmesh.json-log.v1",
  type: "observability",
  specificationVersion: "v1",
  aliases: ["json-log"],
  runtime: "node",
  description: "Structured JSONL request/event log (one redacted record per line).",
  configSchema: fileObservabilityConfigSchema,
  create: fileSink("modelmesh.json-log.v1", "modelmesh.log.jsonl"),
};
