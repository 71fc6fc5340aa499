/**
 * @modelmesh/browser — ModelMesh on web standards only (`fetch`, `ReadableStream`, `AbortSignal`,
 * `crypto.subtle`): the OpenAI-shaped client, router, failover and state ledger of `modelmesh`, for pages,
 * workers and edge runtimes. See docs/browser.md.
 */

declare const __PACKAGE_VERSION__: string;
/** This package's version. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

export { createBrowser, type BrowserMesh, type CreateBrowserOptions } from "./create-browser.js";
export {
  normalizeBrowserConfig,
  type BrowserConfig,
  type BrowserModelEntry,
  type BrowserPoolEntry,
  type BrowserProviderEntry,
  type BrowserStorageConfig,
  type BrowserStorageKind,
  type BrowserTimeouts,
  type Duration,
} from "./config.js";
export type { BrowserTransport } from "./provider.js";
export {
  createBrowserSecretStore,
  createIndexedDbStorage,
  createWebStorage,
  BROWSER_SECRET_STORE_ID,
  INDEXED_DB_STORAGE_ID,
  LOCAL_STORAGE_ID,
  SESSION_STORAGE_ID,
  WEB_STORAGE_ID,
  type BrowserLockMode,
  type BrowserLockOptions,
  type BrowserSecretStore,
  type BrowserSecretStoreOptions,
  type BrowserStorageConnector,
  type IndexedDbStorageOptions,
  type WebStorageOptions,
} from "./connectors/index.js";

// The client's types and errors, so a page needs only this package
export {
  ConfigError,
  DeadlineExceededError,
  MeshClient,
  MeshStream,
  ModelMeshError,
  ProviderError,
  RoutingError,
  StreamInterruptedError,
  getTrace,
  isModelMeshError,
  type MeshChatCompletion,
  type MeshChatCompletionChunk,
  type MeshEvent,
  type MeshRequestOptions,
  type RoutingTrace,
} from "@modelmesh/core/runtime";
