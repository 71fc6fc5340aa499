/**
 * @modelmesh/secrets: secret store connectors for ModelMesh — environment, memory, `.env`, JSON, TOML and a
 * passphrase-encrypted file — with writable file stores and the `modelmesh secrets` command. Node only.
 * Nothing runs at import time.
 */
declare const __PACKAGE_VERSION__: string;

/** The package version. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

// Connectors (register them on a ConnectorRegistry, then name one in `secrets.store`)
export {
  DEFAULT_PASSPHRASE_ENV,
  dotenvSecretsConnector,
  dotenvSecretsConfigSchema,
  encryptedFileConfigSchema,
  encryptedFileSecretsConnector,
  envSecretsConfigSchema,
  envSecretsConnector,
  jsonSecretsConnector,
  memorySecretsConfigSchema,
  memorySecretsConnector,
  SECRETS_CONNECTORS,
  SECRETS_CONNECTORS as connectors,
  tomlSecretsConnector,
} from "./connectors.js";

// Stores
export { DEFAULT_ENCRYPTED_FILE, EncryptedFileSecretStore, type EncryptedFileSecretStoreOptions } from "./encrypted-file-secret-store.js";
export { WritableFileSecretStore, type WritableFileSecretStoreOptions } from "./writable-file-secret-store.js";
export { DEFAULT_SCRYPT_PARAMS, type ScryptParams, type SecretsEnvelope } from "./encrypted-envelope.js";

// The `modelmesh secrets` command
export { runSecretsCommand, type SecretsCommandIo } from "./cli.js";
