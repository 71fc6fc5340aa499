/**
 * @modelmesh/cdk/node — Node-only defaults: the undici transport (shared keep-alive Agent, created lazily),
 * `NodeBaseProvider` (the provider base whose default transport is undici; `BaseProvider` is the fetch one,
 * here as in the root entry) and file/HTTP-backed service classes.
 * Re-exports the whole platform-neutral entry, so Node code imports from one place.
 */
export * from "./index.js";
export { createUndiciTransport, type UndiciTransport, type UndiciTransportOptions } from "./transport/undici-transport.js";
export { NodeBaseProvider } from "./providers/node-base-provider.js";
export { FileSecretStore, secretFileFormat, type FileSecretStoreOptions, type SecretFileFormat } from "./services/file-secret-store.js";
export { decodeStorageKey, encodeStorageKey, KeyValueStorage, type KeyValueStorageOptions } from "./services/key-value-storage.js";
export { FileObservability, type FileObservabilityOptions } from "./services/file-observability.js";
